/* LED display generator (Breiman, Friedman, Olshen and Stone, "Classification and
 * Regression Trees", 1984), with the semantics of MOA's LEDGenerator and River's
 * datasets.synth.LED.
 *
 * A row shows a random digit 0..9 on a seven-segment display: attributes s1..s7 are the
 * segments (1 = lit) in the order top, upper left, upper right, middle, lower left,
 * lower right, bottom. Each segment is inverted with probability `noise`. When
 * `irrelevant` is set, 17 more attributes i1..i17 are fair coin flips that carry no
 * information. The label is the digit (10 classes).
 */
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

#define LED_SEGMENTS 7
#define LED_IRRELEVANT 17
#define LED_MAX_FEATURES (LED_SEGMENTS + LED_IRRELEVANT)

enum { P_NOISE, P_IRRELEVANT, P_COUNT };

static const otter_param_spec led_params[P_COUNT] = {
    {"noise", OTTER_PARAM_DOUBLE, "0.1", 0, 0.5, 0, NULL,
     "probability of inverting each of the seven segments"},
    {"irrelevant", OTTER_PARAM_BOOL, "true", 0, 0, 0, NULL,
     "add 17 random irrelevant binary attributes i1..i17"},
};

/* Lit segments of each digit: top, upper left, upper right, middle, lower left, lower
 * right, bottom. */
static const unsigned char led_digits[10][LED_SEGMENTS] = {
    {1, 1, 1, 0, 1, 1, 1}, /* 0 */
    {0, 0, 1, 0, 0, 1, 0}, /* 1 */
    {1, 0, 1, 1, 1, 0, 1}, /* 2 */
    {1, 0, 1, 1, 0, 1, 1}, /* 3 */
    {0, 1, 1, 1, 0, 1, 0}, /* 4 */
    {1, 1, 0, 1, 0, 1, 1}, /* 5 */
    {1, 1, 0, 1, 1, 1, 1}, /* 6 */
    {1, 0, 1, 0, 0, 1, 0}, /* 7 */
    {1, 1, 1, 1, 1, 1, 1}, /* 8 */
    {1, 1, 1, 1, 0, 1, 1}, /* 9 */
};

static const char *const led_names[LED_MAX_FEATURES] = {
    "s1", "s2", "s3", "s4", "s5",  "s6",  "s7",  "i1",  "i2",  "i3",  "i4",  "i5",
    "i6", "i7", "i8", "i9", "i10", "i11", "i12", "i13", "i14", "i15", "i16", "i17"};

typedef struct led {
    otter_rng rng;
    double noise;
    otter_feature_key keys[LED_MAX_FEATURES];
    otter__gen_schema schema;
} led;

static otter_status led_create(const otter_param_value *values, uint64_t seed, void **self,
                               otter_error *err)
{
    led *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the led generator");
    otter_rng_seed(&g->rng, seed);
    g->noise = values[P_NOISE].d;
    size_t n = values[P_IRRELEVANT].b ? LED_MAX_FEATURES : LED_SEGMENTS;
    g->schema = (otter__gen_schema){NULL, n, led_names, g->keys};
    *self = g;
    return OTTER_OK;
}

static otter_status led_next(void *self, otter_instance *inst, otter_gen_row *row, otter_error *err)
{
    led *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    int digit = (int)otter_rng_below(&g->rng, 10);
    for (size_t i = 0; i < LED_SEGMENTS; i++) {
        int lit = led_digits[digit][i];
        if (g->noise > 0.0 && otter_rng_uniform(&g->rng) < g->noise)
            lit = !lit;
        if ((st = otter_instance_add_num(inst, g->keys[i], lit, err)) != OTTER_OK)
            return st;
    }
    for (size_t i = LED_SEGMENTS; i < g->schema.n; i++) {
        double coin = (double)(otter_rng_next(&g->rng) >> 63);
        if ((st = otter_instance_add_num(inst, g->keys[i], coin, err)) != OTTER_OK)
            return st;
    }
    *row = (otter_gen_row){0};
    row->label = digit;
    return OTTER_OK;
}

static int led_task(const void *self)
{
    (void)self;
    return OTTER_TASK_MULTICLASS;
}

static size_t led_n_classes(const void *self)
{
    (void)self;
    return 10;
}

static void led_destroy(void *self)
{
    free(self);
}

const otter_gen_type otter__gen_led = {
    .abi = OTTER_GEN_ABI,
    .name = "led",
    .summary = "LED display: seven noisy segments (plus 17 irrelevant bits) of a digit, 10 classes",
    .params = led_params,
    .n_params = P_COUNT,
    .n_meta = 0,
    .meta_names = NULL,
    .create = led_create,
    .task = led_task,
    .n_classes = led_n_classes,
    .next = led_next,
    .destroy = led_destroy,
};

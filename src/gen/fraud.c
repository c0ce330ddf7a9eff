/* Card-transaction stream for fraud detection: an Otter design (no standard benchmark
 * generator exists), built from the patterns the fraud literature describes (e.g.
 * Dal Pozzolo et al., "Credit card fraud detection: a realistic modeling and a novel
 * learning strategy", IEEE TNNLS 2018: rare, bursty, drifting fraud with delayed labels).
 *
 * Simulation. A population of `cards` cardholders shops on a simulated clock (seconds;
 * rows start after one day of warm-up so the velocity counts are meaningful). Each
 * card has an activity rate (log-normal, median one purchase a day), a home country
 * and an issue date (cards are renewed every three years). Legitimate purchases arrive
 * as a Poisson process whose intensity follows a diurnal profile (quiet at night, peaks
 * at lunch and early evening); a purchase picks a card in proportion to its rate, or,
 * sometimes, a card that just shopped (a shopping session). It then picks a merchant
 * category from the everyday mix (grocery, restaurants, fuel, ...), a merchant of that
 * category (popular merchants more often), an amount from the category's log-normal,
 * and the home country except when the cardholder travels (5%).
 *
 * Fraud. Cards get compromised as a separate Poisson process (flatter over the day, so
 * the share of fraud is highest at night; new cards are favoured). A compromised card
 * suffers a burst of fraudulent purchases (1 + geometric, mean 5), minutes to hours
 * apart (bots are fast, people slower), often abroad, in favoured categories and at a
 * few favoured merchants, with larger amounts; a burst often opens with a small "test"
 * charge. The cardholder keeps shopping meanwhile. After the burst the card is blocked
 * and reissued (its age and velocity start again from zero). The compromise rate is
 * set so that `fraud_rate` is the expected share of fraudulent rows. Every
 * `drift_every` rows the fraud pattern moves: new favoured categories, countries and
 * merchants, a new share of foreign fraud, a new amount uplift and night bias.
 *
 * Row: amount (currency units, cents), hour (0..23), card_age_days, velocity_1h and
 * velocity_24h (the card's earlier purchases in the last hour / day; the count
 * saturates at 32), distance_from_home (km), merchant ("m0001"...),
 * merchant_category and country. Label 1 = fraud. Meta column _label_delay: seconds
 * until the label is known: for fraud the chargeback or customer report (log-normal,
 * median two days, from one hour to 60 days), for legitimate rows the fixed
 * `settle_days` window after which a purchase is assumed good.
 *
 * Every signal overlaps: travellers shop abroad, shopping sessions raise velocity,
 * electronics and travel are bought legitimately, test charges are small, and the
 * first purchase of a burst has a normal velocity, so a linear model reaches a high
 * but imperfect AUC (online logistic regression with one-hot categories: about 0.92
 * on the raw numbers, 0.95 with log amounts and velocities).
 */
#include <math.h>
#include <stdlib.h>

#include "gen_int.h"
#include "otter/learner.h"
#include "otter/rng.h"

#define DAY 86400.0
#define HOUR 3600.0
#define FRAUD_RING 32 /* recent purchase times kept per card */
#define CARD_LIFETIME (1095.0 * DAY)
#define SESSION_PROB 0.12 /* legit purchase by a card that just shopped */
#define SESSION_RECENT 64 /* size of the recently-active card ring */
#define TRAVEL_PROB 0.05  /* legit purchase abroad */
#define BURST_EXTRA_P 0.2 /* burst length = 1 + geometric(0.2): mean 5 */
#define BURST_MAX 64
#define TEST_CHARGE_PROB 0.35
#define FAV_MERCHANT_PROB 0.3
#define N_FAV_MERCHANTS 8
#define N_FAV_COUNTRIES 3
#define N_FAV_CATEGORIES 2

enum { P_CARDS, P_MERCHANTS, P_FRAUD_RATE, P_DRIFT_EVERY, P_SETTLE_DAYS, P_COUNT };

static const otter_param_spec fraud_params[P_COUNT] = {
    {"cards", OTTER_PARAM_INT, "10000", 100, 1000000, 0, NULL,
     "number of simulated cards (about 140 bytes of state each)"},
    {"merchants", OTTER_PARAM_INT, "2000", 10, 99999, 0, NULL, "number of merchants"},
    {"fraud_rate", OTTER_PARAM_DOUBLE, "0.01", 0, 0.2, 0, NULL,
     "expected share of fraudulent rows"},
    {"drift_every", OTTER_PARAM_INT, "250000", 0, 1e15, 0, NULL,
     "rows between changes of the fraud pattern (0 = never)"},
    {"settle_days", OTTER_PARAM_DOUBLE, "7", 0, 365, 0, NULL,
     "label delay of legitimate rows, in days (the settlement window)"},
};

enum {
    F_AMOUNT,
    F_HOUR,
    F_CARD_AGE,
    F_VEL_1H,
    F_VEL_24H,
    F_DISTANCE,
    F_MERCHANT,
    F_CATEGORY,
    F_COUNTRY,
    F_COUNT
};

static const char *const fraud_names[F_COUNT] = {"amount",        "hour",
                                                 "card_age_days", "velocity_1h",
                                                 "velocity_24h",  "distance_from_home",
                                                 "merchant",      "merchant_category",
                                                 "country"};

static const char *const fraud_meta[1] = {"_label_delay"};

/* Merchant categories: everyday share of purchases, log-normal amount (mu, sigma). */
#define N_CATEGORIES 10
static const struct {
    const char *name;
    double share, mu, sigma;
} categories[N_CATEGORIES] = {
    {"grocery", 0.27, 3.5, 0.6}, {"restaurant", 0.16, 3.2, 0.6},    {"fuel", 0.11, 3.7, 0.35},
    {"retail", 0.14, 3.9, 0.8},  {"online", 0.10, 3.6, 0.9},        {"electronics", 0.04, 5.0, 0.9},
    {"travel", 0.04, 5.6, 0.9},  {"entertainment", 0.07, 3.4, 0.7}, {"health", 0.05, 3.8, 0.8},
    {"jewelry", 0.02, 5.2, 1.0},
};

/* Countries: share of cardholders living there, and of travellers visiting. */
#define N_COUNTRIES 16
static const struct {
    const char *code;
    double home, visit;
} countries[N_COUNTRIES] = {
    {"US", 0.46, 0.14}, {"GB", 0.12, 0.09}, {"DE", 0.08, 0.07},  {"FR", 0.07, 0.12},
    {"CA", 0.06, 0.05}, {"ES", 0.04, 0.09}, {"IT", 0.04, 0.08},  {"NL", 0.03, 0.04},
    {"MX", 0.02, 0.06}, {"BR", 0.02, 0.03}, {"IN", 0.02, 0.03},  {"JP", 0.01, 0.05},
    {"AU", 0.01, 0.03}, {"TH", 0.01, 0.05}, {"RO", 0.005, 0.03}, {"NG", 0.005, 0.04},
};

/* Legitimate purchase intensity by hour (relative; normalised at create). */
static const double legit_hours[24] = {0.25, 0.15, 0.10, 0.08, 0.08, 0.15, 0.35, 0.60,
                                       0.85, 1.00, 1.10, 1.25, 1.40, 1.30, 1.20, 1.20,
                                       1.30, 1.45, 1.50, 1.40, 1.20, 0.95, 0.70, 0.45};

typedef struct card {
    double issued;               /* time the current card number was issued */
    uint32_t recent[FRAUD_RING]; /* times (whole seconds) of its latest purchases */
    uint8_t home, head, count, compromised;
} card;

typedef struct burst {
    double next;     /* time of its next fraudulent purchase */
    double gap_mean; /* mean seconds between its purchases */
    uint32_t card;
    uint16_t left; /* purchases still to come */
} burst;

/* The current fraud pattern; redrawn every drift_every rows. */
typedef struct pattern {
    int fav_category[N_FAV_CATEGORIES];
    int fav_country[N_FAV_COUNTRIES];
    uint32_t fav_merchant[N_FAV_MERCHANTS];
    double p_foreign, p_fav_category, amount_shift;
    double hours[24], hours_max; /* compromise intensity by hour, mean 1 */
} pattern;

/* What one row is about, before it is turned into features. */
typedef struct txn {
    double t;
    uint32_t card;
    int fraud, first, last; /* last: the card is blocked and reissued after it */
} txn;

typedef struct fraud {
    otter_rng rng;
    size_t n_cards, n_merchants;
    double fraud_rate, settle_seconds;
    uint64_t drift_every, row;
    card *cards;
    double *card_cum;      /* cumulative activity rates, for picking a card */
    char *merchant_names;  /* n_merchants * 8 */
    uint8_t *merchant_cat; /* category of each merchant */
    uint32_t *by_category; /* merchants grouped by category */
    size_t cat_start[N_CATEGORIES + 1];
    double cat_cum[N_CATEGORIES], home_cum[N_COUNTRIES], visit_cum[N_COUNTRIES];
    double legit_hours[24], legit_hours_max;
    double legit_rate, compromise_rate; /* per second, averaged over a day */
    double next_legit, next_compromise;
    burst *heap;
    size_t n_heap, cap_heap;
    uint32_t recent_cards[SESSION_RECENT];
    size_t n_recent;
    pattern pat;
    otter_feature_key keys[F_COUNT];
    otter__gen_schema schema;
} fraud;

/* ---- random helpers ---- */

static double draw_exp(otter_rng *rng, double mean)
{
    return -mean * log(1.0 - otter_rng_uniform(rng));
}

static double draw_lognormal(otter_rng *rng, double mu, double sigma)
{
    return exp(mu + sigma * otter_rng_normal(rng));
}

/* Index i with probability proportional to the increments of cum[0..n). */
static size_t draw_cum(otter_rng *rng, const double *cum, size_t n)
{
    double target = otter_rng_uniform(rng) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int hour_of(double t)
{
    return (int)(fmod(t, DAY) / HOUR);
}

/* Next event of a Poisson process of mean rate `rate` shaped by an hourly profile of
 * mean 1 (thinning: propose at the peak rate, accept with profile / peak). */
static double next_event(otter_rng *rng, double t, double rate, const double *profile, double peak)
{
    if (rate <= 0.0)
        return INFINITY;
    for (;;) {
        t += draw_exp(rng, 1.0 / (rate * peak));
        if (otter_rng_uniform(rng) * peak < profile[hour_of(t)])
            return t;
    }
}

/* Scales profile[0..24) to mean 1 and returns its peak. */
static double normalise_hours(double *profile)
{
    double sum = 0.0, peak = 0.0;
    for (int h = 0; h < 24; h++)
        sum += profile[h];
    for (int h = 0; h < 24; h++) {
        profile[h] *= 24.0 / sum;
        peak = profile[h] > peak ? profile[h] : peak;
    }
    return peak;
}

/* ---- the fraud pattern ---- */

static void draw_distinct(otter_rng *rng, int *out, int k, int n)
{
    for (int i = 0; i < k; i++) {
        int v, dup;
        do {
            v = (int)otter_rng_below(rng, (uint64_t)n);
            dup = 0;
            for (int j = 0; j < i; j++)
                dup |= out[j] == v;
        } while (dup);
        out[i] = v;
    }
}

/* Fraud favours the categories where goods resell well or value moves fast. */
static const int risky_categories[] = {3, 4, 5, 6, 7, 9}; /* retail .. jewelry */

static uint32_t draw_merchant_in(fraud *g, int category)
{
    size_t lo = g->cat_start[category], n = g->cat_start[category + 1] - lo;
    double u = otter_rng_uniform(&g->rng);
    return g->by_category[lo + (size_t)(u * u * (double)n)]; /* popular ones first */
}

static void draw_pattern(fraud *g)
{
    pattern *p = &g->pat;
    int picks[N_FAV_CATEGORIES];
    int n_risky = (int)(sizeof risky_categories / sizeof *risky_categories);
    draw_distinct(&g->rng, picks, N_FAV_CATEGORIES, n_risky);
    for (int i = 0; i < N_FAV_CATEGORIES; i++)
        p->fav_category[i] = risky_categories[picks[i]];
    draw_distinct(&g->rng, p->fav_country, N_FAV_COUNTRIES, N_COUNTRIES);
    for (int i = 0; i < N_FAV_MERCHANTS; i++)
        p->fav_merchant[i] =
            draw_merchant_in(g, p->fav_category[otter_rng_below(&g->rng, N_FAV_CATEGORIES)]);
    p->p_foreign = 0.25 + 0.35 * otter_rng_uniform(&g->rng);
    p->p_fav_category = 0.35 + 0.3 * otter_rng_uniform(&g->rng);
    p->amount_shift = 0.1 + 0.4 * otter_rng_uniform(&g->rng);
    double night = 0.5 + 2.5 * otter_rng_uniform(&g->rng);
    for (int h = 0; h < 24; h++)
        p->hours[h] = h < 6 ? 1.0 + night : 1.0;
    p->hours_max = normalise_hours(p->hours);
}

/* ---- cards ---- */

static void card_reissue(card *c, double t)
{
    c->issued = t;
    c->head = 0;
    c->count = 0;
}

/* Earlier purchases of the card within the last hour and day. */
static void card_velocity(const card *c, double t, int *v1h, int *v24h)
{
    *v1h = 0;
    *v24h = 0;
    for (int i = 0; i < c->count; i++) {
        double age = t - (double)c->recent[(c->head + FRAUD_RING - 1 - i) % FRAUD_RING];
        if (age > DAY)
            break;
        *v24h += 1;
        *v1h += age <= HOUR;
    }
}

static void card_record(card *c, double t)
{
    c->recent[c->head] = (uint32_t)t;
    c->head = (uint8_t)((c->head + 1) % FRAUD_RING);
    if (c->count < FRAUD_RING)
        c->count++;
}

/* ---- bursts: a binary min-heap on the next purchase time ---- */

static void heap_swap(burst *a, burst *b)
{
    burst t = *a;
    *a = *b;
    *b = t;
}

static void heap_sift_down(fraud *g, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < g->n_heap && g->heap[l].next < g->heap[m].next)
            m = l;
        if (r < g->n_heap && g->heap[r].next < g->heap[m].next)
            m = r;
        if (m == i)
            return;
        heap_swap(&g->heap[i], &g->heap[m]);
        i = m;
    }
}

static void heap_push(fraud *g, burst b)
{
    size_t i = g->n_heap++;
    g->heap[i] = b;
    while (i > 0 && g->heap[(i - 1) / 2].next > g->heap[i].next) {
        heap_swap(&g->heap[(i - 1) / 2], &g->heap[i]);
        i = (i - 1) / 2;
    }
}

static double heap_top_time(const fraud *g)
{
    return g->n_heap ? g->heap[0].next : INFINITY;
}

/* ---- create / destroy ---- */

static void fraud_destroy(void *self)
{
    fraud *g = self;
    if (g == NULL)
        return;
    free(g->cards);
    free(g->card_cum);
    free(g->merchant_names);
    free(g->merchant_cat);
    free(g->by_category);
    free(g->heap);
    free(g);
}

static double burst_mean_length(void)
{
    return 1.0 + (1.0 - BURST_EXTRA_P) / BURST_EXTRA_P;
}

static otter_status fraud_alloc(fraud *g, otter_error *err)
{
    size_t n = g->n_cards, m = g->n_merchants;
    /* Concurrent bursts ~ compromise rate x burst duration; leave generous room. */
    double busy = g->compromise_rate * 6.0 * HOUR;
    g->cap_heap = 64 + (size_t)(4.0 * busy);
    g->cards = malloc(n * sizeof *g->cards);
    g->card_cum = malloc(n * sizeof *g->card_cum);
    g->merchant_names = malloc(m * 8);
    g->merchant_cat = malloc(m);
    g->by_category = malloc(m * sizeof *g->by_category);
    g->heap = malloc(g->cap_heap * sizeof *g->heap);
    if (!g->cards || !g->card_cum || !g->merchant_names || !g->merchant_cat || !g->by_category ||
        !g->heap)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the fraud generator");
    return OTTER_OK;
}

static void build_tables(fraud *g)
{
    double c = 0.0, h = 0.0, v = 0.0;
    for (int i = 0; i < N_CATEGORIES; i++)
        g->cat_cum[i] = (c += categories[i].share);
    for (int i = 0; i < N_COUNTRIES; i++) {
        g->home_cum[i] = (h += countries[i].home);
        g->visit_cum[i] = (v += countries[i].visit);
    }
    for (int i = 0; i < 24; i++)
        g->legit_hours[i] = legit_hours[i];
    g->legit_hours_max = normalise_hours(g->legit_hours);
}

/* Assigns every merchant a category (each category gets at least one) and groups them. */
static void build_merchants(fraud *g)
{
    size_t count[N_CATEGORIES] = {0};
    for (size_t i = 0; i < g->n_merchants; i++) {
        int cat = i < N_CATEGORIES ? (int)i : (int)draw_cum(&g->rng, g->cat_cum, N_CATEGORIES);
        g->merchant_cat[i] = (uint8_t)cat;
        count[cat]++;
        snprintf(g->merchant_names + 8 * i, 8, "m%04u",
                 (unsigned)((i + 1) % 100000)); /* <= 99999 */
    }
    g->cat_start[0] = 0;
    for (int k = 0; k < N_CATEGORIES; k++)
        g->cat_start[k + 1] = g->cat_start[k] + count[k];
    size_t fill[N_CATEGORIES];
    for (int k = 0; k < N_CATEGORIES; k++)
        fill[k] = g->cat_start[k];
    for (size_t i = 0; i < g->n_merchants; i++)
        g->by_category[fill[g->merchant_cat[i]]++] = (uint32_t)i;
}

static void build_cards(fraud *g)
{
    double total = 0.0;
    for (size_t i = 0; i < g->n_cards; i++) {
        card *c = &g->cards[i];
        card_reissue(c, DAY - otter_rng_uniform(&g->rng) * CARD_LIFETIME);
        c->home = (uint8_t)draw_cum(&g->rng, g->home_cum, N_COUNTRIES);
        c->compromised = 0;
        total += draw_lognormal(&g->rng, 0.0, 0.8) / DAY; /* median one purchase a day */
        g->card_cum[i] = total;
    }
    g->legit_rate = total;
}

/* Plays one day of legitimate purchases so the first rows have a purchase history. */
static void warm_up(fraud *g)
{
    double t = next_event(&g->rng, 0.0, g->legit_rate, g->legit_hours, g->legit_hours_max);
    while (t < DAY) {
        card_record(&g->cards[draw_cum(&g->rng, g->card_cum, g->n_cards)], t);
        t = next_event(&g->rng, t, g->legit_rate, g->legit_hours, g->legit_hours_max);
    }
    g->next_legit = t;
}

static otter_status fraud_create(const otter_param_value *values, uint64_t seed, void **self,
                                 otter_error *err)
{
    fraud *g = calloc(1, sizeof *g);
    if (g == NULL)
        return otter_error_set(err, OTTER_NOMEM, "out of memory for the fraud generator");
    otter_rng_seed(&g->rng, seed);
    g->n_cards = (size_t)values[P_CARDS].i;
    g->n_merchants = (size_t)values[P_MERCHANTS].i;
    g->fraud_rate = values[P_FRAUD_RATE].d;
    g->drift_every = (uint64_t)values[P_DRIFT_EVERY].i;
    g->settle_seconds = values[P_SETTLE_DAYS].d * DAY;
    /* The expected legit rate is known before the cards are drawn: median 1/day,
     * log-normal sigma 0.8. It only sizes the burst heap. */
    g->legit_rate = (double)g->n_cards * exp(0.32) / DAY;
    g->compromise_rate =
        g->fraud_rate / (1.0 - g->fraud_rate) * g->legit_rate / burst_mean_length();
    otter_status st = fraud_alloc(g, err);
    if (st != OTTER_OK) {
        fraud_destroy(g);
        return st;
    }
    build_tables(g);
    build_merchants(g);
    build_cards(g);
    g->compromise_rate =
        g->fraud_rate / (1.0 - g->fraud_rate) * g->legit_rate / burst_mean_length();
    draw_pattern(g);
    warm_up(g);
    g->next_compromise =
        next_event(&g->rng, DAY, g->compromise_rate, g->pat.hours, g->pat.hours_max);
    g->schema = (otter__gen_schema){NULL, F_COUNT, fraud_names, g->keys};
    *self = g;
    return OTTER_OK;
}

/* ---- choosing the next purchase ---- */

/* A card for a new compromise: uniform, but cards younger than 90 days are favoured.
 * Returns 0 when no free card was found (the compromise is then skipped). */
static int pick_victim(fraud *g, double t, uint32_t *out)
{
    for (int tries = 0; tries < 16; tries++) {
        uint32_t i = (uint32_t)otter_rng_below(&g->rng, g->n_cards);
        card *c = &g->cards[i];
        if (c->compromised)
            continue;
        if (t - c->issued > 90.0 * DAY && otter_rng_uniform(&g->rng) >= 0.35)
            continue;
        *out = i;
        return 1;
    }
    return 0;
}

/* Starts a burst at the pending compromise time. Returns 1 and fills tx if it did. */
static int start_burst(fraud *g, txn *tx)
{
    double t = g->next_compromise;
    g->next_compromise = next_event(&g->rng, t, g->compromise_rate, g->pat.hours, g->pat.hours_max);
    uint32_t victim;
    if (g->n_heap == g->cap_heap || !pick_victim(g, t, &victim))
        return 0;
    int extra = (int)floor(log(1.0 - otter_rng_uniform(&g->rng)) / log(1.0 - BURST_EXTRA_P));
    burst b = {0};
    b.card = victim;
    b.left = (uint16_t)(extra < BURST_MAX - 1 ? extra : BURST_MAX - 1);
    b.gap_mean = draw_lognormal(&g->rng, log(900.0), 1.2); /* median 15 minutes */
    b.gap_mean = b.gap_mean > 4.0 * HOUR ? 4.0 * HOUR : b.gap_mean;
    if (b.left > 0) {
        b.next = t + draw_exp(&g->rng, b.gap_mean);
        heap_push(g, b);
        g->cards[victim].compromised = 1;
    }
    *tx = (txn){t, victim, 1, 1, b.left == 0};
    return 1;
}

/* The next purchase of the most imminent burst; ends the burst after its last one. */
static void continue_burst(fraud *g, txn *tx)
{
    burst *b = &g->heap[0];
    *tx = (txn){b->next, b->card, 1, 0, b->left == 1};
    if (--b->left > 0)
        b->next += draw_exp(&g->rng, b->gap_mean);
    else
        g->heap[0] = g->heap[--g->n_heap];
    heap_sift_down(g, 0);
}

static void legit_purchase(fraud *g, txn *tx)
{
    double t = g->next_legit;
    g->next_legit = next_event(&g->rng, t, g->legit_rate, g->legit_hours, g->legit_hours_max);
    uint32_t i;
    if (g->n_recent > 0 && otter_rng_uniform(&g->rng) < SESSION_PROB)
        i = g->recent_cards[otter_rng_below(&g->rng, g->n_recent)];
    else
        i = (uint32_t)draw_cum(&g->rng, g->card_cum, g->n_cards);
    if (g->n_recent < SESSION_RECENT)
        g->recent_cards[g->n_recent++] = i;
    else
        g->recent_cards[otter_rng_below(&g->rng, SESSION_RECENT)] = i;
    *tx = (txn){t, i, 0, 0, 0};
}

static void next_txn(fraud *g, txn *tx)
{
    for (;;) {
        double tb = heap_top_time(g);
        if (g->next_compromise <= g->next_legit && g->next_compromise <= tb) {
            if (start_burst(g, tx))
                return;
        } else if (tb <= g->next_legit) {
            continue_burst(g, tx);
            return;
        } else {
            legit_purchase(g, tx);
            return;
        }
    }
}

/* ---- turning a purchase into features ---- */

typedef struct features {
    double amount, distance;
    int hour, card_age, v1h, v24h, category, country;
    uint32_t merchant;
} features;

static int foreign_country(fraud *g, int home)
{
    int c;
    do
        c = (int)draw_cum(&g->rng, g->visit_cum, N_COUNTRIES);
    while (c == home);
    return c;
}

static void choose_place(fraud *g, const txn *tx, int home, features *f)
{
    const pattern *p = &g->pat;
    if (!tx->fraud) {
        f->category = (int)draw_cum(&g->rng, g->cat_cum, N_CATEGORIES);
        f->merchant = draw_merchant_in(g, f->category);
        f->country = otter_rng_uniform(&g->rng) < TRAVEL_PROB ? foreign_country(g, home) : home;
        return;
    }
    if (otter_rng_uniform(&g->rng) < FAV_MERCHANT_PROB) {
        f->merchant = p->fav_merchant[otter_rng_below(&g->rng, N_FAV_MERCHANTS)];
        f->category = g->merchant_cat[f->merchant];
    } else {
        f->category = otter_rng_uniform(&g->rng) < p->p_fav_category
                          ? p->fav_category[otter_rng_below(&g->rng, N_FAV_CATEGORIES)]
                          : (int)draw_cum(&g->rng, g->cat_cum, N_CATEGORIES);
        f->merchant = draw_merchant_in(g, f->category);
    }
    f->country = home;
    if (otter_rng_uniform(&g->rng) < p->p_foreign) {
        int fav = p->fav_country[otter_rng_below(&g->rng, N_FAV_COUNTRIES)];
        f->country =
            (otter_rng_uniform(&g->rng) < 0.6 && fav != home) ? fav : foreign_country(g, home);
    }
}

static double choose_amount(fraud *g, const txn *tx, int category)
{
    double mu = categories[category].mu, sigma = categories[category].sigma;
    double a;
    if (tx->fraud && tx->first && otter_rng_uniform(&g->rng) < TEST_CHARGE_PROB)
        a = 0.5 + 4.5 * otter_rng_uniform(&g->rng);
    else
        a = draw_lognormal(&g->rng, mu + (tx->fraud ? g->pat.amount_shift : 0.0), sigma);
    a = floor(a * 100.0 + 0.5) / 100.0;
    return a < 0.5 ? 0.5 : (a > 50000.0 ? 50000.0 : a);
}

static double choose_distance(fraud *g, const txn *tx, int home, int country)
{
    double d;
    if (country != home)
        d = draw_lognormal(&g->rng, log(2500.0), 0.7);
    else if (tx->fraud)
        d = draw_lognormal(&g->rng, log(20.0), 1.3);
    else
        d = draw_lognormal(&g->rng, log(8.0), 1.0);
    d = floor(d * 10.0 + 0.5) / 10.0;
    return d > 20000.0 ? 20000.0 : d;
}

static void describe_txn(fraud *g, const txn *tx, features *f)
{
    card *c = &g->cards[tx->card];
    if (tx->t - c->issued > CARD_LIFETIME)
        card_reissue(c, c->issued + CARD_LIFETIME); /* regular renewal */
    card_velocity(c, tx->t, &f->v1h, &f->v24h);
    card_record(c, tx->t);
    f->hour = hour_of(tx->t);
    double age = floor((tx->t - c->issued) / DAY);
    f->card_age = age < 0.0 ? 0 : (int)age;
    choose_place(g, tx, c->home, f);
    f->amount = choose_amount(g, tx, f->category);
    f->distance = choose_distance(g, tx, c->home, f->country);
    if (tx->last) { /* the burst is over: the card is blocked and replaced */
        c->compromised = 0;
        card_reissue(c, tx->t + 1.0);
    }
}

static double label_delay(fraud *g, const txn *tx)
{
    if (!tx->fraud)
        return g->settle_seconds;
    double d = draw_lognormal(&g->rng, log(2.0 * DAY), 1.2);
    d = d < HOUR ? HOUR : (d > 60.0 * DAY ? 60.0 * DAY : d);
    return floor(d);
}

static otter_status add_features(fraud *g, otter_instance *inst, const features *f,
                                 otter_error *err)
{
    const otter_feature_key *k = g->keys;
    otter_status st;
    if ((st = otter_instance_add_num(inst, k[F_AMOUNT], f->amount, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_HOUR], f->hour, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_CARD_AGE], f->card_age, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_VEL_1H], f->v1h, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_VEL_24H], f->v24h, err)) != OTTER_OK ||
        (st = otter_instance_add_num(inst, k[F_DISTANCE], f->distance, err)) != OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_MERCHANT], g->merchant_names + 8 * f->merchant, err)) !=
            OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_CATEGORY], categories[f->category].name, err)) !=
            OTTER_OK ||
        (st = otter__gen_add_cat(inst, k[F_COUNTRY], countries[f->country].code, err)) != OTTER_OK)
        return st;
    return OTTER_OK;
}

static otter_status fraud_next(void *self, otter_instance *inst, otter_gen_row *row,
                               otter_error *err)
{
    fraud *g = self;
    otter_instance_clear(inst);
    otter_status st = otter__gen_schema_bind(&g->schema, inst, err);
    if (st != OTTER_OK)
        return st;
    if (g->drift_every > 0 && g->row > 0 && g->row % g->drift_every == 0)
        draw_pattern(g);
    txn tx;
    features f;
    next_txn(g, &tx);
    describe_txn(g, &tx, &f);
    if ((st = add_features(g, inst, &f, err)) != OTTER_OK)
        return st;
    *row = (otter_gen_row){0};
    row->label = tx.fraud;
    row->meta[0] = label_delay(g, &tx);
    g->row++;
    return OTTER_OK;
}

static int fraud_task(const void *self)
{
    (void)self;
    return OTTER_TASK_BINARY;
}

static size_t fraud_n_classes(const void *self)
{
    (void)self;
    return 2;
}

const otter_gen_type otter__gen_fraud = {
    .abi = OTTER_GEN_ABI,
    .name = "fraud",
    .summary = "card transactions with rare, bursty, drifting fraud and delayed labels",
    .params = fraud_params,
    .n_params = P_COUNT,
    .n_meta = 1,
    .meta_names = fraud_meta,
    .create = fraud_create,
    .task = fraud_task,
    .n_classes = fraud_n_classes,
    .next = fraud_next,
    .destroy = fraud_destroy,
};

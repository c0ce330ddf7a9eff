/* Unit tests for the core layer (src/core/) and the generic learner layer
 * (src/learners/learner.c): the status table and error struct, MurmurHash3 and CRC32C
 * against published vectors, the RNG against an independent reference and basic
 * statistics, parameter parsing/validation/canonical text, the instance builder and its
 * hashing rule, the codec and blob frame (every truncation and every bit flip), the
 * binary encoding of an instance row (round trips into fresh and used builders, every
 * truncation and bit flip, each structural check), the context registries, and the learner handle's
 * validation and blob handling.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec_int.h"
#include "core/instance_int.h"
#include "test_util.h"

/* ck_assert* records every passing assertion (a write to the parent in fork mode), which
 * dominates run time in loops; these report only failures. */
#define EXPECT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c);                             \
    } while (0)
#define EXPECT_U32(a, b)                                                                           \
    do {                                                                                           \
        uint32_t a_ = (a), b_ = (b);                                                               \
        if (a_ != b_)                                                                              \
            ck_abort_msg("%s:%d: %s == %s failed (0x%08x vs 0x%08x)", __FILE__, __LINE__, #a, #b,  \
                         (unsigned)a_, (unsigned)b_);                                              \
    } while (0)

/* Asserts that `call` fails with `want` and that err holds that status and a message
 * containing `needle` (NULL: any non-empty message). */
#define FAILS(want, needle, call)                                                                  \
    do {                                                                                           \
        otter_error e_ = {0};                                                                      \
        otter_error *err = &e_;                                                                    \
        otter_status st_ = (call);                                                                 \
        ck_assert_msg(st_ == (want), "%s returned %s, want %s (%s)", #call,                        \
                      otter_status_name(st_), otter_status_name(want), e_.message);                \
        ck_assert_msg(e_.code == st_, "%s: err.code %s != returned %s", #call,                     \
                      otter_status_name(e_.code), otter_status_name(st_));                         \
        const char *n_ = (needle);                                                                 \
        ck_assert_msg(e_.message[0] != '\0', "%s: empty error message", #call);                    \
        ck_assert_msg(!n_ || strstr(e_.message, n_), "%s: message '%s' lacks '%s'", #call,         \
                      e_.message, n_ ? n_ : "");                                                   \
    } while (0)

/* ======================================================================== status */

START_TEST(status_table)
{
    /* Every row of the one table comes back through the three accessors. */
    static const struct {
        otter_status s;
        const char *name, *msg;
        int http;
    } rows[] = {
#define ROW(name, msg, http) {OTTER_##name, #name, msg, http},
        OTTER_STATUS_MAP(ROW)
#undef ROW
    };
    ck_assert_int_eq(sizeof rows / sizeof *rows, OTTER_STATUS_COUNT_);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        ck_assert_int_eq(rows[i].s, (int)i);
        ck_assert_str_eq(otter_status_name(rows[i].s), rows[i].name);
        ck_assert_str_eq(otter_status_message(rows[i].s), rows[i].msg);
        ck_assert_int_eq(otter_status_http(rows[i].s), rows[i].http);
    }
    ck_assert_str_eq(otter_status_name(OTTER_OK), "OK");
    ck_assert_int_eq(otter_status_http(OTTER_OK), 200);
    ck_assert_str_eq(otter_status_name(OTTER_INVALID), "INVALID");
    ck_assert_int_eq(otter_status_http(OTTER_INVALID), 400);
    ck_assert_int_eq(otter_status_http(OTTER_NOT_FOUND), 404);
    ck_assert_int_eq(otter_status_http(OTTER_EXISTS), 409);
    ck_assert_int_eq(otter_status_http(OTTER_CORRUPT), 422);
    ck_assert_str_eq(otter_status_message(OTTER_NOMEM), "out of memory");
    /* Out of range: a stable fallback, never NULL or a crash. */
    ck_assert_str_eq(otter_status_name(OTTER_STATUS_COUNT_), "UNKNOWN");
    ck_assert_str_eq(otter_status_name((otter_status)-1), "UNKNOWN");
    ck_assert_str_eq(otter_status_name((otter_status)1000), "UNKNOWN");
    ck_assert_ptr_nonnull(otter_status_message((otter_status)-7));
    ck_assert_int_eq(otter_status_http((otter_status)1000), 500);
}
END_TEST

START_TEST(status_first_error_wins)
{
    otter_error err = {0};
    ck_assert_int_eq(otter_error_set(&err, OTTER_PARSE, "bad %s at %d", "row", 5), OTTER_PARSE);
    ck_assert_int_eq(err.code, OTTER_PARSE);
    ck_assert_str_eq(err.message, "bad row at 5");
    /* A later, more generic error returns its own status but does not overwrite. */
    ck_assert_int_eq(otter_error_set(&err, OTTER_INTERNAL, "generic"), OTTER_INTERNAL);
    ck_assert_int_eq(err.code, OTTER_PARSE);
    ck_assert_str_eq(err.message, "bad row at 5");
    /* Setting OK is not an error and changes nothing. */
    otter_error ok = {0};
    ck_assert_int_eq(otter_error_set(&ok, OTTER_OK, "nothing"), OTTER_OK);
    ck_assert_int_eq(ok.code, OTTER_OK);
    ck_assert_str_eq(ok.message, "");
    /* Clearing makes it usable again. */
    otter_error_clear(&err);
    ck_assert_int_eq(err.code, OTTER_OK);
    ck_assert_str_eq(err.message, "");
    otter_error_set(&err, OTTER_IO, "second");
    ck_assert_str_eq(err.message, "second");
}
END_TEST

START_TEST(status_prefix)
{
    otter_error err = {0};
    otter_error_prefix(&err, "line %d", 5); /* no error yet: no-op */
    ck_assert_int_eq(err.code, OTTER_OK);
    ck_assert_str_eq(err.message, "");
    otter_error_set(&err, OTTER_PARSE, "column 'x': not a number");
    otter_error_prefix(&err, "line %d", 5);
    ck_assert_str_eq(err.message, "line 5: column 'x': not a number");
    otter_error_prefix(&err, "%s", "data.csv");
    ck_assert_str_eq(err.message, "data.csv: line 5: column 'x': not a number");
    ck_assert_int_eq(err.code, OTTER_PARSE);
}
END_TEST

START_TEST(status_null_err)
{
    ck_assert_int_eq(otter_error_set(NULL, OTTER_CORRUPT, "x %d", 1), OTTER_CORRUPT);
    otter_error_prefix(NULL, "p");
    otter_error_clear(NULL);
}
END_TEST

START_TEST(status_truncation)
{
    /* The error struct sits between guards; a 1000-byte message and a 1000-byte prefix
     * must be cut to the buffer and stay NUL-terminated. */
    struct {
        char before[16];
        otter_error err;
        char after[16];
    } box;
    memset(&box, 0x5a, sizeof box);
    otter_error_clear(&box.err);
    char big[1000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    otter_error_set(&box.err, OTTER_INVALID, "%s", big);
    ck_assert_uint_eq(strlen(box.err.message), OTTER_ERROR_MESSAGE_MAX - 1);
    ck_assert_int_eq(box.err.message[0], 'm');
    memset(big, 'p', sizeof big - 1);
    otter_error_prefix(&box.err, "%s", big);
    ck_assert_uint_eq(strlen(box.err.message), OTTER_ERROR_MESSAGE_MAX - 1);
    ck_assert_int_eq(box.err.message[0], 'p');
    /* A short prefix before a full message keeps the prefix and cuts the tail. */
    otter_error_clear(&box.err);
    memset(big, 'm', sizeof big - 1);
    otter_error_set(&box.err, OTTER_INVALID, "%s", big);
    otter_error_prefix(&box.err, "line 9");
    ck_assert_uint_eq(strlen(box.err.message), OTTER_ERROR_MESSAGE_MAX - 1);
    ck_assert_int_eq(strncmp(box.err.message, "line 9: mmm", 11), 0);
    for (size_t i = 0; i < sizeof box.before; i++) {
        ck_assert_int_eq((unsigned char)box.before[i], 0x5a);
        ck_assert_int_eq((unsigned char)box.after[i], 0x5a);
    }
}
END_TEST

/* ======================================================================== hash */

START_TEST(murmur3_vectors)
{
    /* Values checked against the Python mmh3 package (mmh3.hash(data, seed, signed=False)). */
    static const struct {
        const char *data;
        size_t len;
        uint32_t seed, want;
    } v[] = {
        {"", 0, 0, 0},
        {"", 0, 1, 0x514E28B7u},
        {"", 0, 0xffffffffu, 0x81F16F39u},
        {"test", 4, 0, 0xba6bd213u},
        {"Hello, world!", 13, 0x9747b28cu, 0x24884CBAu},
        {"The quick brown fox jumps over the lazy dog", 43, 0x9747b28cu, 0x2FA826CDu},
        {"a", 1, 0x9747b28cu, 0x7FA09EA6u},
        {"ab", 2, 0x9747b28cu, 0x74875592u},
        {"abc", 3, 0, 0xB3DD93FAu},
        {"aaaa", 4, 0x9747b28cu, 0x5A97808Au},
        /* bytes >= 0x80 in the tail and the body: no sign extension */
        {"\xff\xfe\xfd", 3, 0, 0xD2BEF2DCu},
        {"\xff\xfe\xfd", 3, 0x9747b28cu, 0x3831DB5Au},
        {"\x80", 1, 0, 0x0FEB9E1Du},
        {"\xff\xff\xff\xff\x80\x81", 6, 0x9747b28cu, 0xFB8652C8u},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        ck_assert_msg(otter_murmur3_32(v[i].data, v[i].len, v[i].seed) == v[i].want,
                      "vector %zu: got 0x%08x want 0x%08x", i,
                      (unsigned)otter_murmur3_32(v[i].data, v[i].len, v[i].seed),
                      (unsigned)v[i].want);
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    ck_assert_uint_eq(otter_murmur3_32(all, 256, 0), 0xE40A0E56u);
    ck_assert_uint_eq(otter_murmur3_32(all, 256, 0x9747b28cu), 0xA7590507u);
    ck_assert_uint_eq(otter_murmur3_32(NULL, 0, 1), 0x514E28B7u);
}
END_TEST

START_TEST(murmur3_unaligned)
{
    const char *s = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    uint8_t buf[64];
    for (size_t off = 0; off < 8; off++) {
        memcpy(buf + off, s, n);
        ck_assert_uint_eq(otter_murmur3_32(buf + off, n, 0x9747b28cu), 0x2FA826CDu);
    }
}
END_TEST

/* Independent bitwise CRC32C (reflected Castagnoli polynomial) for cross-checks. */
static uint32_t ref_crc32c(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
    }
    return ~c;
}

START_TEST(crc32c_vectors)
{
    /* "123456789" is the CRC catalogue check value; the 32-byte ones are RFC 3720 B.4
     * (also checked with the Python crc32c package). */
    ck_assert_uint_eq(otter_crc32c(0, "123456789", 9), 0xE3069283u);
    uint8_t b[32];
    memset(b, 0, sizeof b);
    ck_assert_uint_eq(otter_crc32c(0, b, 32), 0x8A9136AAu);
    memset(b, 0xff, sizeof b);
    ck_assert_uint_eq(otter_crc32c(0, b, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    ck_assert_uint_eq(otter_crc32c(0, b, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(31 - i);
    ck_assert_uint_eq(otter_crc32c(0, b, 32), 0x113FDB5Cu);
    ck_assert_uint_eq(otter_crc32c(0, NULL, 0), 0u);
    ck_assert_uint_eq(otter_crc32c(0x12345678u, NULL, 0), 0x12345678u);
}
END_TEST

START_TEST(crc32c_incremental_unaligned)
{
    enum { N = 1031 };
    uint8_t *data = malloc(N + 16);
    ck_assert_ptr_nonnull(data);
    otter_rng rng;
    otter_rng_seed(&rng, 7);
    for (size_t i = 0; i < N + 16; i++)
        data[i] = (uint8_t)otter_rng_next(&rng);
    /* Every length up to N (hardware path: 8-byte blocks plus tails) vs the reference. */
    for (size_t n = 0; n <= N; n++)
        EXPECT_U32(otter_crc32c(0, data, n), ref_crc32c(data, n));
    /* Incremental over every split point equals one shot. */
    uint32_t whole = otter_crc32c(0, data, N);
    for (size_t k = 0; k <= N; k++)
        EXPECT_U32(otter_crc32c(otter_crc32c(0, data, k), data + k, N - k), whole);
    /* Three pieces. */
    EXPECT_U32(
        otter_crc32c(otter_crc32c(otter_crc32c(0, data, 3), data + 3, 500), data + 503, N - 503),
        whole);
    /* The same bytes at every alignment. */
    uint8_t *copy = malloc(N + 16);
    ck_assert_ptr_nonnull(copy);
    for (size_t off = 0; off < 16; off++) {
        memcpy(copy + off, data, N);
        EXPECT_U32(otter_crc32c(0, copy + off, N), whole);
        EXPECT_U32(otter_crc32c(0, copy + off, 9), ref_crc32c(data, 9));
    }
    free(copy);
    free(data);
}
END_TEST

/* ======================================================================== rng */

START_TEST(rng_reference)
{
    /* xoshiro256** seeded by splitmix64, computed independently (Python) from the
     * published algorithms. */
    static const uint64_t seed0[] = {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull,
                                     0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull};
    static const uint64_t seed42[] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
                                      0xae17533239e499a1ull, 0xecb8ad4703b360a1ull};
    otter_rng a, b;
    otter_rng_seed(&a, 0);
    otter_rng_seed(&b, 42);
    ck_assert(a.s[0] == 0xe220a8397b1dcdafull); /* splitmix64(0), first output */
    for (int i = 0; i < 4; i++) {
        ck_assert(otter_rng_next(&a) == seed0[i]);
        ck_assert(otter_rng_next(&b) == seed42[i]);
    }
}
END_TEST

START_TEST(rng_determinism)
{
    otter_rng a, b, c;
    otter_rng_seed(&a, 12345);
    otter_rng_seed(&b, 12345);
    otter_rng_seed(&c, 12346);
    int differ = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = otter_rng_next(&a);
        EXPECT(x == otter_rng_next(&b));
        differ += x != otter_rng_next(&c);
    }
    ck_assert_int_ge(differ, 9990);
    /* A copy forks the stream. */
    otter_rng d = a;
    for (int i = 0; i < 100; i++)
        EXPECT(otter_rng_next(&a) == otter_rng_next(&d));
    /* Seeds 0 and 1 are different, valid streams. */
    otter_rng z, o;
    otter_rng_seed(&z, 0);
    otter_rng_seed(&o, 1);
    ck_assert(otter_rng_next(&z) != otter_rng_next(&o));
    ck_assert(z.s[0] | z.s[1] | z.s[2] | z.s[3]);
}
END_TEST

START_TEST(rng_uniform_stats)
{
    enum { N = 1000000 };
    otter_rng r;
    otter_rng_seed(&r, 2024);
    double sum = 0, sum2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        double u = otter_rng_uniform(&r);
        EXPECT(u >= 0.0 && u < 1.0);
        sum += u;
        sum2 += u * u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    double sigma = sqrt(1.0 / 12.0 / N);
    ck_assert_msg(fabs(mean - 0.5) < 4 * sigma, "mean %.6f", mean);
    ck_assert_msg(fabs(var - 1.0 / 12.0) < 1e-3, "var %.6f", var);
    ck_assert(lo < 1e-4 && hi > 1 - 1e-4);
}
END_TEST

START_TEST(rng_below)
{
    otter_rng r;
    otter_rng_seed(&r, 99);
    ck_assert_uint_eq(otter_rng_below(&r, 0), 0);
    for (int i = 0; i < 100; i++)
        EXPECT(otter_rng_below(&r, 1) == 0);
    /* Chi-square over several small n; the 0.9999 quantile for <= 10 degrees of freedom is
     * below 36, so 60 is generous and still catches a broken reduction. */
    static const uint64_t ns[] = {2, 3, 5, 7, 10, 11};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        uint64_t n = ns[t];
        long counts[16] = {0};
        long draws = 70000 * (long)n;
        for (long i = 0; i < draws; i++) {
            uint64_t x = otter_rng_below(&r, n);
            EXPECT(x < n);
            counts[x]++;
        }
        double expect = (double)draws / (double)n, chi2 = 0;
        for (uint64_t k = 0; k < n; k++)
            chi2 += (counts[k] - expect) * (counts[k] - expect) / expect;
        ck_assert_msg(chi2 < 60, "n=%llu chi2=%.2f", (unsigned long long)n, chi2);
    }
    /* n of about 2/3 of 2^64, where plain `next % n` would put 2/3 of the draws (not
     * half) below n/2. */
    uint64_t big = 0xAAAAAAAAAAAAAAABull;
    int low = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = otter_rng_below(&r, big);
        EXPECT(x < big);
        low += x < big / 2;
    }
    ck_assert_msg(low > 4700 && low < 5300, "lower half got %d of 10000", low);
    ck_assert(otter_rng_below(&r, UINT64_MAX) < UINT64_MAX);
}
END_TEST

START_TEST(rng_normal_stats)
{
    enum { N = 1000000 };
    otter_rng r;
    otter_rng_seed(&r, 31337);
    double sum = 0, sum2 = 0, sum4 = 0;
    long beyond3 = 0;
    for (int i = 0; i < N; i++) {
        double z = otter_rng_normal(&r);
        EXPECT(isfinite(z));
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
        beyond3 += fabs(z) > 3;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    ck_assert_msg(fabs(mean) < 4.0 / sqrt(N), "mean %.5f", mean);
    ck_assert_msg(fabs(var - 1.0) < 4.0 * sqrt(2.0 / N), "var %.5f", var);
    ck_assert_msg(fabs(sum4 / N - 3.0) < 0.05, "4th moment %.4f", sum4 / N);
    /* P(|z| > 3) = 0.0027 */
    ck_assert_msg(beyond3 > 2300 && beyond3 < 3100, "beyond 3 sigma: %ld", beyond3);
}
END_TEST

/* ======================================================================== params */

START_TEST(params_set_get)
{
    otter_params *p = NULL;
    OK(otter_params_create(&p, err));
    ck_assert_uint_eq(otter_params_count(p), 0);
    ck_assert_ptr_null(otter_params_get(p, "a"));
    OK(otter_params_set(p, "a", "1", err));
    OK(otter_params_set(p, "b.c-d_9", "two words", err));
    OK(otter_params_set(p, "a", "3", err)); /* replaces, keeps position */
    ck_assert_uint_eq(otter_params_count(p), 2);
    ck_assert_str_eq(otter_params_get(p, "a"), "3");
    ck_assert_str_eq(otter_params_get(p, "b.c-d_9"), "two words");
    ck_assert_str_eq(otter_params_key(p, 0), "a");
    ck_assert_str_eq(otter_params_value(p, 0), "3");
    ck_assert_str_eq(otter_params_key(p, 1), "b.c-d_9");
    ck_assert_ptr_null(otter_params_key(p, 2));
    ck_assert_ptr_null(otter_params_value(p, 2));
    OK(otter_params_set(p, "empty", "", err));
    ck_assert_str_eq(otter_params_get(p, "empty"), "");
    /* Many keys (list growth). */
    char k[16];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "k%d", i);
        OK(otter_params_set(p, k, k, err));
    }
    ck_assert_uint_eq(otter_params_count(p), 103);
    ck_assert_str_eq(otter_params_get(p, "k77"), "k77");
    /* Values are copied. */
    char v[] = "mutable";
    OK(otter_params_set(p, "copy", v, err));
    v[0] = 'X';
    ck_assert_str_eq(otter_params_get(p, "copy"), "mutable");
    /* Clone is deep. */
    otter_params *c = NULL;
    OK(otter_params_clone(p, &c, err));
    OK(otter_params_set(p, "a", "changed", err));
    ck_assert_str_eq(otter_params_get(c, "a"), "3");
    ck_assert_uint_eq(otter_params_count(c), otter_params_count(p));
    otter_params_destroy(c);
    otter_params_destroy(p);
    otter_params_destroy(NULL);
    /* Clone of NULL is an empty list. */
    OK(otter_params_clone(NULL, &c, err));
    ck_assert_uint_eq(otter_params_count(c), 0);
    otter_params_destroy(c);
    ck_assert_uint_eq(otter_params_count(NULL), 0);
    ck_assert_ptr_null(otter_params_get(NULL, "a"));
}
END_TEST

START_TEST(params_invalid)
{
    otter_params *p = NULL;
    OK(otter_params_create(&p, err));
    FAILS(OTTER_INVALID, "bad key", otter_params_set(p, "bad key", "1", err));
    FAILS(OTTER_INVALID, "k!", otter_params_set(p, "k!", "1", err));
    FAILS(OTTER_INVALID, "k=v", otter_params_set(p, "k=v", "1", err));
    FAILS(OTTER_INVALID, NULL, otter_params_set(p, "", "1", err));
    FAILS(OTTER_INVALID, NULL, otter_params_set(p, NULL, "1", err));
    FAILS(OTTER_INVALID, NULL, otter_params_set(p, "a", NULL, err));
    FAILS(OTTER_INVALID, "newline", otter_params_set(p, "nl", "a\nb", err));
    FAILS(OTTER_INVALID, "nl", otter_params_set(p, "nl", "a\rb", err));
    ck_assert_uint_eq(otter_params_count(p), 0);
    otter_params_destroy(p);
}
END_TEST

START_TEST(params_parse)
{
    otter_params *p = NULL;
    OK(otter_params_create(&p, err));
    OK(otter_params_parse(p, "a=1,b=2 c=3", err));
    ck_assert_uint_eq(otter_params_count(p), 3);
    ck_assert_str_eq(otter_params_get(p, "a"), "1");
    ck_assert_str_eq(otter_params_get(p, "b"), "2");
    ck_assert_str_eq(otter_params_get(p, "c"), "3");
    OK(otter_params_parse(p, " ,, a=9\t d=x=y ,\n e= ", err));
    ck_assert_str_eq(otter_params_get(p, "a"), "9");
    ck_assert_str_eq(otter_params_get(p, "d"), "x=y");
    ck_assert_str_eq(otter_params_get(p, "e"), "");
    ck_assert_uint_eq(otter_params_count(p), 5);
    OK(otter_params_parse(p, "", err));
    OK(otter_params_parse(p, NULL, err));
    ck_assert_uint_eq(otter_params_count(p), 5);
    /* A comma followed by text without '=' continues a list value. */
    OK(otter_params_parse(p, "drift_at=1000,2000,3000,lr=0.1 x=a,b", err));
    ck_assert_str_eq(otter_params_get(p, "drift_at"), "1000,2000,3000");
    ck_assert_str_eq(otter_params_get(p, "lr"), "0.1");
    ck_assert_str_eq(otter_params_get(p, "x"), "a,b");
    /* A fragment with no '=' that does not follow a value is rejected by name. */
    FAILS(OTTER_INVALID, "oops", otter_params_parse(p, "f=1 oops g=2", err));
    FAILS(OTTER_INVALID, "oops", otter_params_parse(p, "oops,g=2", err));
    FAILS(OTTER_INVALID, "oops", otter_params_parse(p, ",oops", err));
    FAILS(OTTER_INVALID, "=5", otter_params_parse(p, "=5", err));
    FAILS(OTTER_INVALID, "b@d", otter_params_parse(p, "b@d=1", err));
    char longfrag[700];
    memset(longfrag, 'z', sizeof longfrag - 1);
    longfrag[sizeof longfrag - 1] = '\0';
    longfrag[1] = '=';
    FAILS(OTTER_INVALID, "too long", otter_params_parse(p, longfrag, err));
    otter_params_destroy(p);
}
END_TEST

enum { S_D, S_E, S_I, S_B, S_EN, S_S, S_N };
static const otter_param_spec test_specs[] = {
    {"d", OTTER_PARAM_DOUBLE, "0.25", 0, 1, 0, NULL, "inclusive double"},
    {"e", OTTER_PARAM_DOUBLE, "0.5", 0, 1, OTTER_PARAM_MIN_EXCLUSIVE | OTTER_PARAM_MAX_EXCLUSIVE,
     NULL, "exclusive double"},
    {"i", OTTER_PARAM_INT, "3", 1, 10, 0, NULL, "integer"},
    {"b", OTTER_PARAM_BOOL, "false", 0, 0, 0, NULL, "bool"},
    {"en", OTTER_PARAM_ENUM, "adagrad", 0, 0, 0, "sgd|adagrad|ftrl", "enum"},
    {"s", OTTER_PARAM_STRING, "hello", 0, 0, 0, NULL, "string"},
};

/* Resolves "k=v[ k=v]" text (NULL: no params at all) against test_specs. The values'
 * strings borrow from the params, which are kept until the next call. */
static otter_params *last_params;

static otter_status resolve_text(const char *text, otter_param_value *v, otter_error *err)
{
    otter_params_destroy(last_params);
    last_params = NULL;
    otter_status st = text ? otter_params_create(&last_params, err) : OTTER_OK;
    if (st == OTTER_OK && text)
        st = otter_params_parse(last_params, text, err);
    if (st == OTTER_OK)
        st = otter_params_resolve(test_specs, S_N, last_params, v, err);
    return st;
}

START_TEST(params_resolve_defaults)
{
    otter_param_value v[S_N];
    OK(otter_params_resolve(test_specs, S_N, NULL, v, err));
    ck_assert_double_eq(v[S_D].d, 0.25);
    ck_assert_double_eq(v[S_E].d, 0.5);
    ck_assert_int_eq(v[S_I].i, 3);
    ck_assert_int_eq(v[S_B].b, 0);
    ck_assert_int_eq(v[S_EN].choice, 1);
    ck_assert_str_eq(v[S_EN].s, "adagrad");
    ck_assert_str_eq(v[S_S].s, "hello");
    otter_params *p = NULL;
    OK(otter_params_create(&p, err));
    OK(otter_params_set(p, "s", "two words", err));
    OK(otter_params_set(p, "i", "7", err));
    OK(otter_params_resolve(test_specs, S_N, p, v, err));
    ck_assert_int_eq(v[S_I].i, 7);
    ck_assert_str_eq(v[S_S].s, "two words");
    ck_assert_double_eq(v[S_D].d, 0.25);
    otter_params_destroy(p);
}
END_TEST

START_TEST(params_resolve_errors)
{
    otter_param_value v[S_N];
    /* Unknown key: named, with every known name listed. */
    otter_error e = {0};
    ck_assert_int_eq(resolve_text("zzz=1", v, &e), OTTER_INVALID);
    ck_assert_ptr_nonnull(strstr(e.message, "'zzz'"));
    ck_assert_ptr_nonnull(strstr(e.message, "known"));
    for (size_t j = 0; j < S_N; j++) {
        char needle[16];
        snprintf(needle, sizeof needle, "%s%s", j ? " " : "", test_specs[j].name);
        ck_assert_msg(strstr(e.message, needle), "'%s' lacks %s", e.message, needle);
    }
    /* An unknown key is reported even with no specs at all. */
    otter_params *p = NULL;
    OK(otter_params_create(&p, err));
    OK(otter_params_set(p, "x", "1", err));
    FAILS(OTTER_INVALID, "'x'", otter_params_resolve(test_specs, 0, p, v, err));
    otter_params_destroy(p);
    /* Wrong types. */
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=abc", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=0.5x", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=nan", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=inf", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=1e999", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=1.5", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=abc", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=99999999999999999999999", v, err));
    FAILS(OTTER_INVALID, "'b'", resolve_text("b=maybe", v, err));
    FAILS(OTTER_INVALID, "'b'", resolve_text("b=2", v, err));
    FAILS(OTTER_INVALID, "'b'", resolve_text("b=", v, err));
    FAILS(OTTER_INVALID, "sgd|adagrad|ftrl", resolve_text("en=newton", v, err));
    FAILS(OTTER_INVALID, "'en'", resolve_text("en=ada", v, err));      /* prefix */
    FAILS(OTTER_INVALID, "'en'", resolve_text("en=adagrads", v, err)); /* longer */
    FAILS(OTTER_INVALID, "'en'", resolve_text("en=", v, err));
    FAILS(OTTER_INVALID, "'en'", resolve_text("en=sgd|adagrad", v, err));
    /* Ranges: inclusive [0, 1] for d, exclusive (0, 1) for e, [1, 10] for i. */
    OK(resolve_text("d=0", v, err));
    ck_assert_double_eq(v[S_D].d, 0.0);
    OK(resolve_text("d=1", v, err));
    ck_assert_double_eq(v[S_D].d, 1.0);
    FAILS(OTTER_INVALID, "'d' must be in [0, 1]", resolve_text("d=1.0000001", v, err));
    FAILS(OTTER_INVALID, "'d'", resolve_text("d=-1e-9", v, err));
    FAILS(OTTER_INVALID, "'e' must be in (0, 1)", resolve_text("e=0", v, err));
    FAILS(OTTER_INVALID, "'e'", resolve_text("e=1", v, err));
    FAILS(OTTER_INVALID, "'e'", resolve_text("e=-0", v, err));
    OK(resolve_text("e=1e-300", v, err));
    ck_assert(v[S_E].d == 1e-300);
    OK(resolve_text("e=0.99999999999999989", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=0", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=11", v, err));
    FAILS(OTTER_INVALID, "'i'", resolve_text("i=-3", v, err));
    OK(resolve_text("i=1", v, err));
    ck_assert_int_eq(v[S_I].i, 1);
    OK(resolve_text("i=10", v, err));
    ck_assert_int_eq(v[S_I].i, 10);
}
END_TEST

START_TEST(params_resolve_enum_bool)
{
    otter_param_value v[S_N];
    static const char *const words[] = {"sgd", "adagrad", "ftrl"};
    for (int c = 0; c < 3; c++) {
        char text[32];
        snprintf(text, sizeof text, "en=%s", words[c]);
        OK(resolve_text(text, v, err));
        ck_assert_int_eq(v[S_EN].choice, c);
        ck_assert_str_eq(v[S_EN].s, words[c]);
    }
    static const char *const yes[] = {"true", "1", "yes", "on", "TRUE", "Yes", "ON"};
    static const char *const no[] = {"false", "0", "no", "off", "False", "NO", "Off"};
    for (size_t k = 0; k < sizeof yes / sizeof *yes; k++) {
        char text[32];
        snprintf(text, sizeof text, "b=%s", yes[k]);
        OK(resolve_text(text, v, err));
        ck_assert_msg(v[S_B].b == 1, "%s", yes[k]);
        snprintf(text, sizeof text, "b=%s", no[k]);
        OK(resolve_text(text, v, err));
        ck_assert_msg(v[S_B].b == 0, "%s", no[k]);
    }
}
END_TEST

START_TEST(params_canonical_round_trip)
{
    static const char *const cases[] = {
        "d=0.1,e=1e-300,i=7,b=yes,en=ftrl,s=x,y",
        "d=0.30000000000000004,e=0.3333333333333333,i=10,b=off,en=sgd",
        "d=2.2250738585072014e-308,e=0.99999999999999989,i=1,b=1",
        "d=0.7,e=0.1",
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        otter_param_value v1[S_N], v2[S_N];
        OK(resolve_text(cases[c], v1, err));
        otter_buf text = OTTER_BUF_INIT;
        OK(otter_params_canonical(test_specs, S_N, v1, &text, err));
        OK(otter_buf_append(&text, "", 1, err));
        /* One "name=value\n" line per spec in table order. */
        const char *t = (const char *)text.data;
        size_t lines = 0;
        for (const char *q = t; *q; q++)
            lines += *q == '\n';
        ck_assert_uint_eq(lines, S_N);
        ck_assert_int_eq(strncmp(t, "d=", 2), 0);
        /* Parse it back line by line (values may contain spaces). */
        otter_params *p = NULL;
        OK(otter_params_create(&p, err));
        char *copy = strdup(t), *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *eq = strchr(line, '=');
            ck_assert_ptr_nonnull(eq);
            *eq = '\0';
            OK(otter_params_set(p, line, eq + 1, err));
        }
        free(copy);
        OK(otter_params_resolve(test_specs, S_N, p, v2, err));
        ck_assert_msg(memcmp(&v1[S_D].d, &v2[S_D].d, sizeof(double)) == 0,
                      "case %zu: d %.17g != %.17g", c, v1[S_D].d, v2[S_D].d);
        ck_assert_msg(memcmp(&v1[S_E].d, &v2[S_E].d, sizeof(double)) == 0,
                      "case %zu: e %.17g != %.17g", c, v1[S_E].d, v2[S_E].d);
        ck_assert_int_eq(v1[S_I].i, v2[S_I].i);
        ck_assert_int_eq(v1[S_B].b, v2[S_B].b);
        ck_assert_int_eq(v1[S_EN].choice, v2[S_EN].choice);
        ck_assert_str_eq(v1[S_S].s, v2[S_S].s);
        /* Canonical of the re-resolved values is the same text. */
        otter_buf again = OTTER_BUF_INIT;
        OK(otter_params_canonical(test_specs, S_N, v2, &again, err));
        ck_assert_uint_eq(again.len + 1, text.len);
        ck_assert_int_eq(memcmp(again.data, text.data, again.len), 0);
        otter_buf_free(&again);
        otter_params_destroy(p);
        if (c == 0) {
            ck_assert_ptr_nonnull(strstr(t, "d=0.10000000000000001\n"));
            ck_assert_ptr_nonnull(strstr(t, "i=7\n"));
            ck_assert_ptr_nonnull(strstr(t, "b=true\n"));
            ck_assert_ptr_nonnull(strstr(t, "en=ftrl\n"));
            ck_assert_ptr_nonnull(strstr(t, "s=x,y\n"));
        }
        otter_buf_free(&text);
    }
}
END_TEST

/* ======================================================================== instance */

static otter_instance *new_instance(void)
{
    otter_instance *inst = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter_instance_create(&inst, &err), OTTER_OK);
    return inst;
}

static uint32_t mm(const char *s, uint32_t seed)
{
    return otter_murmur3_32(s, strlen(s), seed);
}

START_TEST(instance_intern)
{
    otter_instance *inst = new_instance();
    otter_feature_key a, a2, b, c, d, e;
    OK(otter_instance_intern(inst, NULL, 0, "age", 3, &a, err));
    OK(otter_instance_intern(inst, "", 0, "age", 3, &a2, err));
    ck_assert_uint_eq(a, a2); /* NULL and "" are the default namespace */
    OK(otter_instance_intern(inst, "user", 4, "age", 3, &b, err));
    ck_assert_uint_ne(a, b);
    OK(otter_instance_intern(inst, "item", 4, "age", 3, &c, err));
    ck_assert_uint_ne(b, c);
    ck_assert_uint_ne(a, c);
    /* Slices of longer buffers: only the given bytes count. */
    OK(otter_instance_intern(inst, "userXYZ", 4, "agexyz", 3, &d, err));
    ck_assert_uint_eq(d, b);
    OK(otter_instance_intern(inst, NULL, 0, "ag", 2, &e, err));
    ck_assert_uint_ne(e, a);
    ck_assert_uint_eq(otter_instance_key_count(inst), 4);
    const char *ns, *name;
    OK(otter_instance_key_name(inst, b, &ns, &name, err));
    ck_assert_str_eq(ns, "user");
    ck_assert_str_eq(name, "age");
    OK(otter_instance_key_name(inst, a, &ns, &name, err));
    ck_assert_str_eq(ns, "");
    FAILS(OTTER_INVALID, NULL, otter_instance_key_name(inst, 99, &ns, &name, err));
    FAILS(OTTER_INVALID, "empty", otter_instance_intern(inst, NULL, 0, "", 0, &e, err));
    FAILS(OTTER_INVALID, NULL, otter_instance_intern(inst, NULL, 0, NULL, 0, &e, err));
    FAILS(OTTER_INVALID, "NUL", otter_instance_intern(inst, NULL, 0, "a\0b", 3, &e, err));
    FAILS(OTTER_INVALID, "NUL", otter_instance_intern(inst, "n\0s", 3, "a", 1, &e, err));
    ck_assert_uint_eq(otter_instance_key_count(inst), 4);
    /* Many names: index growth keeps every key findable and distinct. */
    char buf[32];
    otter_feature_key keys[3000];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(buf, sizeof buf, "f%d", i);
        OK(otter_instance_intern(inst, i % 2 ? "odd" : NULL, i % 2 ? 3 : 0, buf, (size_t)n,
                                 &keys[i], err));
    }
    ck_assert_uint_eq(otter_instance_key_count(inst), 3004);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(buf, sizeof buf, "f%d", i);
        otter_feature_key k;
        OK(otter_instance_intern(inst, i % 2 ? "odd" : NULL, i % 2 ? 3 : 0, buf, (size_t)n, &k,
                                 err));
        EXPECT(k == keys[i]);
        OK(otter_instance_key_name(inst, k, &ns, &name, err));
        EXPECT(strcmp(name, buf) == 0 && strcmp(ns, i % 2 ? "odd" : "") == 0);
    }
    ck_assert_uint_eq(otter_instance_key_count(inst), 3004);
    otter_instance_destroy(inst);
    otter_instance_destroy(NULL);
}
END_TEST

START_TEST(instance_hashes)
{
    otter_instance *inst = new_instance();
    OK(otter_instance_num(inst, NULL, "price", 2.5, err));
    OK(otter_instance_num(inst, "user", "age", 41, err));
    OK(otter_instance_cat(inst, NULL, "color", "red", err));
    OK(otter_instance_cat(inst, "item", "brand", "acme", err));
    ck_assert_uint_eq(otter_instance_size(inst), 4);
    otter_feature f;
    OK(otter_instance_feature(inst, 0, &f, err));
    ck_assert_uint_eq(f.hash, mm("price", mm("", 0)));
    ck_assert_uint_eq(f.hash, mm("price", 0));
    ck_assert_str_eq(f.ns, "");
    ck_assert_str_eq(f.name, "price");
    ck_assert_ptr_null(f.category);
    ck_assert_double_eq(f.value, 2.5);
    OK(otter_instance_feature(inst, 1, &f, err));
    ck_assert_uint_eq(f.hash, mm("age", mm("user", 0)));
    ck_assert_str_eq(f.ns, "user");
    ck_assert_double_eq(f.value, 41);
    OK(otter_instance_feature(inst, 2, &f, err));
    ck_assert_uint_eq(f.hash, mm("red", mm("color", mm("", 0))));
    ck_assert_str_eq(f.category, "red");
    ck_assert_str_eq(f.name, "color");
    ck_assert_double_eq(f.value, 1.0);
    OK(otter_instance_feature(inst, 3, &f, err));
    ck_assert_uint_eq(f.hash, mm("acme", mm("brand", mm("item", 0))));
    ck_assert_str_eq(f.ns, "item");
    ck_assert_str_eq(f.category, "acme");
    /* Keys and the feature view agree. */
    otter_feature_key k;
    OK(otter_instance_intern(inst, "item", 4, "brand", 5, &k, err));
    ck_assert_uint_eq(f.key, k);
    FAILS(OTTER_INVALID, "range", otter_instance_feature(inst, 4, &f, err));
    /* Empty category is a category, hashed as such. */
    OK(otter_instance_cat(inst, NULL, "color", "", err));
    OK(otter_instance_feature(inst, 4, &f, err));
    ck_assert_uint_eq(f.hash, mm("", mm("color", 0)));
    ck_assert_str_eq(f.category, "");
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(instance_invalid_values)
{
    otter_instance *inst = new_instance();
    OK(otter_instance_num(inst, NULL, "ok", 1, err));
    FAILS(OTTER_INVALID, "temperature", otter_instance_num(inst, NULL, "temperature", NAN, err));
    FAILS(OTTER_INVALID, "NaN", otter_instance_num(inst, NULL, "temperature", NAN, err));
    FAILS(OTTER_INVALID, "pressure", otter_instance_num(inst, "ns", "pressure", INFINITY, err));
    FAILS(OTTER_INVALID, "infinite", otter_instance_num(inst, "ns", "pressure", -INFINITY, err));
    FAILS(OTTER_INVALID, "unknown feature key", otter_instance_add_num(inst, 12345, 1.0, err));
    FAILS(OTTER_INVALID, "unknown feature key", otter_instance_add_cat(inst, 12345, "x", 1, err));
    FAILS(OTTER_INVALID, "colour", otter_instance_cat(inst, NULL, "colour", NULL, err));
    otter_feature_key k;
    OK(otter_instance_intern(inst, NULL, 0, "colour", 6, &k, err));
    FAILS(OTTER_INVALID, "colour", otter_instance_add_cat(inst, k, "r\0d", 3, err));
    /* Only the valid feature is in the row. */
    ck_assert_uint_eq(otter_instance_size(inst), 1);
    /* Huge and tiny finite values are fine. */
    OK(otter_instance_num(inst, NULL, "big", 1.7976931348623157e308, err));
    OK(otter_instance_num(inst, NULL, "tiny", 4.9406564584124654e-324, err));
    ck_assert_uint_eq(otter_instance_size(inst), 3);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(instance_clear_and_dense)
{
    otter_instance *inst = new_instance();
    OK(otter_instance_num(inst, NULL, "a", 1, err));
    OK(otter_instance_cat(inst, NULL, "b", "x", err));
    double x[5] = {1, 2, 3, 4, 5};
    OK(otter_instance_set_dense(inst, x, 5, err));
    x[0] = 100; /* copied, not borrowed */
    size_t n = 0;
    const double *d = otter_instance_dense(inst, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_double_eq(d[0], 1);
    ck_assert_double_eq(d[4], 5);
    /* NaN names its index and leaves the previous array in place. */
    double bad[5] = {0, 0, 0, NAN, 0};
    FAILS(OTTER_INVALID, "dense feature 3", otter_instance_set_dense(inst, bad, 5, err));
    bad[3] = -INFINITY;
    FAILS(OTTER_INVALID, "3", otter_instance_set_dense(inst, bad, 5, err));
    d = otter_instance_dense(inst, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_double_eq(d[1], 2);
    /* clear drops the row and the dense array, keeps interned names. */
    size_t keys = otter_instance_key_count(inst);
    otter_instance_clear(inst);
    ck_assert_uint_eq(otter_instance_size(inst), 0);
    ck_assert_ptr_null(otter_instance_dense(inst, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(otter_instance_key_count(inst), keys);
    otter_feature_key k;
    OK(otter_instance_intern(inst, NULL, 0, "b", 1, &k, err));
    ck_assert_uint_eq(otter_instance_key_count(inst), keys);
    OK(otter_instance_add_cat(inst, k, "yz", 2, err));
    otter_feature f;
    OK(otter_instance_feature(inst, 0, &f, err));
    ck_assert_str_eq(f.category, "yz");
    ck_assert_str_eq(f.name, "b");
    /* n = 0 clears the dense array. */
    OK(otter_instance_set_dense(inst, x, 2, err));
    OK(otter_instance_set_dense(inst, NULL, 0, err));
    ck_assert_ptr_null(otter_instance_dense(inst, &n));
    ck_assert_ptr_null(otter_instance_dense(inst, NULL));
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(instance_many_categories)
{
    enum { N = 10000 };
    otter_instance *inst = new_instance();
    otter_feature_key k;
    OK(otter_instance_intern(inst, "ns", 2, "city", 4, &k, err));
    char buf[64];
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "category-%d-%s", i, i % 7 ? "" : "with-a-longer-tail");
        otter_status st = otter_instance_add_cat(inst, k, buf, (size_t)n, NULL);
        EXPECT(st == OTTER_OK);
        if (i % 1000 == 0) /* interleave numeric features and new names */
            EXPECT(otter_instance_num(inst, NULL, buf, i, NULL) == OTTER_OK);
    }
    ck_assert_uint_eq(otter_instance_size(inst), N + N / 1000);
    uint32_t base = mm("city", mm("ns", 0));
    int i = 0;
    for (size_t j = 0; j < otter_instance_size(inst); j++) {
        otter_feature f;
        EXPECT(otter_instance_feature(inst, j, &f, NULL) == OTTER_OK);
        int c = f.category ? i : i - 1; /* a numeric feature follows its category */
        snprintf(buf, sizeof buf, "category-%d-%s", c, c % 7 ? "" : "with-a-longer-tail");
        if (!f.category) {
            EXPECT(strcmp(f.name, buf) == 0 && f.value == (double)c && f.ns[0] == '\0');
            continue;
        }
        EXPECT(strcmp(f.category, buf) == 0);
        EXPECT(strcmp(f.name, "city") == 0 && strcmp(f.ns, "ns") == 0);
        EXPECT_U32(f.hash, mm(buf, base));
        i++;
    }
    ck_assert_int_eq(i, N);
    otter_instance_destroy(inst);
}
END_TEST

/* Fills the same mixed row by name (interning) and by key. */
static void fill_row(otter_instance *inst)
{
    static const double dense[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char name[16];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "n%d", i);
        EXPECT(otter_instance_num(inst, i % 3 ? "a" : NULL, name, i * 0.5, NULL) == OTTER_OK);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "c%d", i);
        EXPECT(otter_instance_cat(inst, "b", name, "some-category-value", NULL) == OTTER_OK);
    }
    EXPECT(otter_instance_set_dense(inst, dense, 16, NULL) == OTTER_OK);
}

START_TEST(instance_bulk_row)
{
    /* A row read out in bulk and added back into an instance that interned the same
     * names in the same order is the same row: keys, hashes, values, categories. */
    otter_instance *a = new_instance(), *b = new_instance();
    OK(otter_instance_num(a, NULL, "x", 1.5, err));
    OK(otter_instance_cat(a, "ns", "c", "red", err));
    OK(otter_instance_num(a, "ns", "y", -2.0, err));
    otter_feature_key keys[4];
    double values[4];
    const char *cats[4];
    ck_assert_uint_eq(otter_instance_read_row(a, 0, 4, keys, values, cats), 3);
    ck_assert_uint_eq(otter_instance_read_row(a, 2, 4, NULL, NULL, NULL), 1);
    ck_assert_uint_eq(otter_instance_read_row(a, 3, 4, keys, values, cats), 0);
    ck_assert_ptr_null(cats[0]);
    ck_assert_str_eq(cats[1], "red");
    for (otter_feature_key k = 0; k < otter_instance_key_count(a); k++) {
        const char *ns, *name;
        otter_feature_key kb;
        OK(otter_instance_key_name(a, k, &ns, &name, err));
        OK(otter_instance_intern(b, ns, strlen(ns), name, strlen(name), &kb, err));
        ck_assert_uint_eq(kb, k);
    }
    OK(otter_instance_add_nums(b, keys, values, 1, err));
    OK(otter_instance_add_cat(b, keys[1], cats[1], strlen(cats[1]), err));
    OK(otter_instance_add_nums(b, keys + 2, values + 2, 1, err));
    ck_assert_uint_eq(otter_instance_size(b), 3);
    for (size_t i = 0; i < 3; i++) {
        otter_feature fa, fb;
        OK(otter_instance_feature(a, i, &fa, err));
        OK(otter_instance_feature(b, i, &fb, err));
        ck_assert_uint_eq(fa.key, fb.key);
        EXPECT_U32(fa.hash, fb.hash);
        ck_assert(fa.value == fb.value);
        ck_assert_str_eq(fa.name, fb.name);
        ck_assert(!fa.category == !fb.category);
    }
    /* all or nothing: a NaN or an unknown key adds none of the batch */
    double bad[2] = {1.0, NAN};
    FAILS(OTTER_INVALID, "NaN", otter_instance_add_nums(b, keys, bad, 2, err));
    otter_feature_key unknown[1] = {999};
    FAILS(OTTER_INVALID, "999", otter_instance_add_nums(b, unknown, values, 1, err));
    ck_assert_uint_eq(otter_instance_size(b), 3);
    otter_instance_destroy(a);
    otter_instance_destroy(b);
}
END_TEST

START_TEST(instance_steady_state)
{
    otter_instance *inst = new_instance();
    fill_row(inst); /* warm-up */
    const struct otter_instance before = *inst;
    for (int r = 0; r < 200; r++) {
        otter_instance_clear(inst);
        fill_row(inst);
    }
    /* Same buffers, same capacities, nothing newly interned. */
    ck_assert_uint_eq(inst->names_cap, before.names_cap);
    ck_assert_uint_eq(inst->names_len, before.names_len);
    ck_assert_uint_eq(inst->keys_cap, before.keys_cap);
    ck_assert_uint_eq(inst->n_keys, before.n_keys);
    ck_assert_uint_eq(inst->index_cap, before.index_cap);
    ck_assert_uint_eq(inst->feats_cap, before.feats_cap);
    ck_assert_uint_eq(inst->n_feats, before.n_feats);
    ck_assert_uint_eq(inst->cats_cap, before.cats_cap);
    ck_assert_uint_eq(inst->cats_len, before.cats_len);
    ck_assert_uint_eq(inst->dense_cap, before.dense_cap);
    ck_assert_ptr_eq(inst->names, before.names);
    ck_assert_ptr_eq(inst->feats, before.feats);
    ck_assert_ptr_eq(inst->cats, before.cats);
    ck_assert_ptr_eq(inst->dense, before.dense);
    ck_assert_ptr_eq(inst->index, before.index);
    otter_instance_destroy(inst);
}
END_TEST

/* ======================================================================== codec */

START_TEST(codec_round_trip)
{
    otter_buf buf = OTTER_BUF_INIT;
    otter__wr w;
    otter_error err = {0};
    otter__wr_init(&w, &buf, &err);
    const double ds[4] = {-0.0, 1e-300, -1.5, 4.9406564584124654e-324};
    double nan_in;
    uint64_t nan_bits = 0x7ff8dead0000beefull;
    memcpy(&nan_in, &nan_bits, 8);
    otter__wr_u8(&w, 0xab);
    otter__wr_u16(&w, 0xbeef);
    otter__wr_u32(&w, 0x01020304u);
    otter__wr_u64(&w, 0x8877665544332211ull);
    otter__wr_f64(&w, 3.141592653589793);
    otter__wr_f64(&w, -INFINITY);
    otter__wr_f64(&w, nan_in);
    otter__wr_f64s(&w, ds, 4);
    otter__wr_f64s(&w, ds, 0);
    otter__wr_f64s(&w, NULL, 0); /* an empty array may be NULL */
    otter__wr_str(&w, "hello", 5);
    otter__wr_str(&w, "", 0);
    otter__wr_bytes(&w, "\x00\xff", 2);
    ck_assert_int_eq(w.st, OTTER_OK);
    ck_assert_uint_eq(buf.len, 1 + 2 + 4 + 8 + 8 * 3 + 8 * 4 + 4 + 5 + 4 + 2);
    /* Little-endian on the wire, whatever the host. */
    ck_assert_int_eq(buf.data[0], 0xab);
    ck_assert_int_eq(buf.data[1], 0xef);
    ck_assert_int_eq(buf.data[2], 0xbe);
    ck_assert_int_eq(buf.data[3], 0x04);
    ck_assert_int_eq(buf.data[6], 0x01);
    ck_assert_int_eq(buf.data[7], 0x11);
    ck_assert_int_eq(buf.data[14], 0x88);

    otter__rd r;
    otter__rd_init(&r, buf.data, buf.len);
    ck_assert_uint_eq(otter__rd_u8(&r), 0xab);
    ck_assert_uint_eq(otter__rd_u16(&r), 0xbeef);
    ck_assert_uint_eq(otter__rd_u32(&r), 0x01020304u);
    ck_assert(otter__rd_u64(&r) == 0x8877665544332211ull);
    ck_assert(otter__rd_f64(&r) == 3.141592653589793);
    ck_assert(otter__rd_f64(&r) == -INFINITY);
    double nan_out = otter__rd_f64(&r);
    ck_assert_int_eq(memcmp(&nan_out, &nan_bits, 8), 0);
    double got[4];
    otter__rd_f64s(&r, got, 4);
    ck_assert_int_eq(memcmp(got, ds, sizeof ds), 0); /* -0.0 and the subnormal bit-exact */
    otter__rd_f64s(&r, got, 0);
    otter__rd_f64s(&r, NULL, 0);
    size_t n;
    const char *s = otter__rd_str(&r, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(memcmp(s, "hello", 5), 0);
    s = otter__rd_str(&r, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(n, 0);
    const uint8_t *b = otter__rd_bytes(&r, 2);
    ck_assert_int_eq(b[1], 0xff);
    ck_assert(otter__rd_ok(&r));
    ck_assert(otter__rd_done(&r));
    otter_buf_free(&buf);
    otter_buf_free(NULL);
}
END_TEST

START_TEST(codec_overrun)
{
    const uint8_t data[7] = {1, 2, 3, 4, 5, 6, 7};
    otter__rd r;
    otter__rd_init(&r, data, 3);
    ck_assert_uint_eq(otter__rd_u32(&r), 0); /* needs 4, has 3 */
    ck_assert(!otter__rd_ok(&r));
    ck_assert(!otter__rd_done(&r));
    ck_assert_uint_eq(otter__rd_u8(&r), 0); /* sticky: even though bytes remain */
    ck_assert_ptr_null(otter__rd_bytes(&r, 1));

    otter__rd_init(&r, data, 7);
    ck_assert_uint_eq(otter__rd_u16(&r), 0x0201);
    ck_assert(otter__rd_u64(&r) == 0);
    ck_assert(!otter__rd_ok(&r));

    otter__rd_init(&r, data, 7);
    ck_assert(otter__rd_f64(&r) == 0.0);
    ck_assert(!otter__rd_ok(&r));

    /* Sizes that would overflow pointer arithmetic. */
    otter__rd_init(&r, data, 7);
    otter__rd_u8(&r);
    ck_assert_ptr_null(otter__rd_bytes(&r, SIZE_MAX));
    ck_assert(!otter__rd_ok(&r));
    otter__rd_init(&r, data, 7);
    double out[2] = {42, 42};
    otter__rd_f64s(&r, out, SIZE_MAX / 4);
    ck_assert(!otter__rd_ok(&r));
    otter__rd_init(&r, data, 7);
    otter__rd_f64s(&r, out, 1);
    ck_assert(!otter__rd_ok(&r));
    ck_assert_double_eq(out[0], 42); /* untouched */

    /* A string whose length prefix exceeds the data. */
    uint8_t sbuf[8] = {10, 0, 0, 0, 'a', 'b', 'c', 'd'};
    size_t n = 99;
    otter__rd_init(&r, sbuf, sizeof sbuf);
    ck_assert_ptr_null(otter__rd_str(&r, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(!otter__rd_ok(&r));
    uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'};
    otter__rd_init(&r, huge, sizeof huge);
    ck_assert_ptr_null(otter__rd_str(&r, &n));
    /* An empty reader. */
    otter__rd_init(&r, NULL, 0);
    ck_assert(otter__rd_done(&r));
    ck_assert_uint_eq(otter__rd_u8(&r), 0);
    ck_assert(!otter__rd_ok(&r));
}
END_TEST

/* Builds a blob after `prefix_len` bytes of junk; returns its start offset. */
static size_t make_blob(otter_buf *out, size_t prefix_len, const char *type, uint16_t ver,
                        const char *params, const void *payload, size_t payload_len)
{
    otter_error err = {0};
    for (size_t i = 0; i < prefix_len; i++)
        ck_assert_int_eq(otter_buf_append(out, "J", 1, &err), OTTER_OK);
    size_t start = out->len, len_at;
    ck_assert_int_eq(otter__blob_begin(out, type, ver, params, strlen(params), &len_at, &err),
                     OTTER_OK);
    ck_assert_int_eq(otter_buf_append(out, payload, payload_len, &err), OTTER_OK);
    ck_assert_int_eq(otter__blob_end(out, start, len_at, &err), OTTER_OK);
    return start;
}

/* Rewrites the trailing CRC of a blob after an edit. */
static void fix_crc(uint8_t *p, size_t len)
{
    uint32_t c = otter_crc32c(0, p, len - 4);
    for (int i = 0; i < 4; i++)
        p[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

START_TEST(blob_round_trip)
{
    otter_buf buf = OTTER_BUF_INIT;
    const char payload[] = "payload bytes \x00\x01\x02";
    size_t start = make_blob(&buf, 13, "mytype", 3, "a=1\nb=2\n", payload, sizeof payload);
    ck_assert_uint_eq(start, 13);
    ck_assert_int_eq(memcmp(buf.data + start, "OTR1", 4), 0);
    otter__blob b;
    OK(otter__blob_parse(buf.data + start, buf.len - start, &b, err));
    ck_assert_uint_eq(b.type_len, 6);
    ck_assert_int_eq(memcmp(b.type, "mytype", 6), 0);
    ck_assert_uint_eq(b.type_version, 3);
    ck_assert_uint_eq(b.params_len, 8);
    ck_assert_int_eq(memcmp(b.params, "a=1\nb=2\n", 8), 0);
    ck_assert_uint_eq(b.payload_len, sizeof payload);
    ck_assert_int_eq(memcmp(b.payload, payload, sizeof payload), 0);
    ck_assert_ptr_eq(b.payload + b.payload_len, buf.data + buf.len - 4);
    /* Empty payload and params. */
    otter_buf e = OTTER_BUF_INIT;
    make_blob(&e, 0, "t", 1, "", "", 0);
    OK(otter__blob_parse(e.data, e.len, &b, err));
    ck_assert_uint_eq(b.payload_len, 0);
    ck_assert_uint_eq(b.params_len, 0);
    /* Trailing bytes after the checksum are not part of the blob. */
    OK(otter_buf_append(&e, "x", 1, err));
    FAILS(OTTER_CORRUPT, NULL, otter__blob_parse(e.data, e.len, &b, err));
    FAILS(OTTER_CORRUPT, NULL, otter__blob_parse(NULL, 100, &b, err));
    otter_buf_free(&e);
    otter_buf_free(&buf);
}
END_TEST

START_TEST(blob_versions)
{
    otter_buf buf = OTTER_BUF_INIT;
    make_blob(&buf, 0, "t", 1, "k=v\n", "abc", 3);
    otter__blob b;
    /* A newer format version (checksum still valid) is VERSION, 0 is CORRUPT. */
    buf.data[4] = 2;
    fix_crc(buf.data, buf.len);
    FAILS(OTTER_VERSION, "newer", otter__blob_parse(buf.data, buf.len, &b, err));
    buf.data[4] = 0xff;
    buf.data[5] = 0xff;
    fix_crc(buf.data, buf.len);
    FAILS(OTTER_VERSION, NULL, otter__blob_parse(buf.data, buf.len, &b, err));
    buf.data[4] = 0;
    buf.data[5] = 0;
    fix_crc(buf.data, buf.len);
    FAILS(OTTER_CORRUPT, NULL, otter__blob_parse(buf.data, buf.len, &b, err));
    buf.data[4] = 1;
    buf.data[0] = 'X';
    fix_crc(buf.data, buf.len);
    FAILS(OTTER_CORRUPT, "magic", otter__blob_parse(buf.data, buf.len, &b, err));
    buf.data[0] = 'O';
    fix_crc(buf.data, buf.len);
    OK(otter__blob_parse(buf.data, buf.len, &b, err));
    /* The stored checksum itself. */
    buf.data[buf.len - 1] ^= 0x80;
    FAILS(OTTER_CORRUPT, "checksum", otter__blob_parse(buf.data, buf.len, &b, err));
    otter_buf_free(&buf);
}
END_TEST

/* Parses a heap copy of exactly len bytes (so ASan sees any read past the end) and checks
 * the result is a clean rejection or, when allow_ok, fields inside the copy. */
static otter_status parse_exact(const uint8_t *src, size_t len, int allow_ok)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, src, len);
    otter__blob b;
    otter_error err = {0};
    otter_status st = otter__blob_parse(copy, len, &b, &err);
    if (st == OTTER_OK) {
        EXPECT(allow_ok);
        EXPECT(b.type >= (const char *)copy && b.type + b.type_len <= (const char *)copy + len);
        EXPECT(b.params >= (const char *)copy &&
               b.params + b.params_len <= (const char *)copy + len);
        EXPECT(b.payload >= copy && b.payload + b.payload_len <= copy + len - 4);
    } else {
        EXPECT(st == OTTER_CORRUPT || st == OTTER_VERSION);
        EXPECT(err.code == st && err.message[0]);
    }
    free(copy);
    return st;
}

START_TEST(blob_truncation_and_bit_flips)
{
    otter_buf buf = OTTER_BUF_INIT;
    make_blob(&buf, 0, "logreg", 1, "bits=4\nlr=0.5\n", "0123456789abcdef", 16);
    ck_assert_int_eq(parse_exact(buf.data, buf.len, 1), OTTER_OK);
    for (size_t n = 0; n < buf.len; n++)
        EXPECT(parse_exact(buf.data, n, 0) != OTTER_OK);
    uint8_t *m = malloc(buf.len);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < buf.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, buf.data, buf.len);
            m[i] ^= (uint8_t)(1u << bit);
            EXPECT(parse_exact(m, buf.len, 0) != OTTER_OK);
            /* With a recomputed checksum the structure checks alone must keep every
             * field in bounds (or reject). */
            fix_crc(m, buf.len);
            parse_exact(m, buf.len, 1);
        }
    }
    /* Every byte value at every header position, checksum fixed. */
    for (size_t i = 0; i + 4 < buf.len && i < 40; i++) {
        for (int v = 0; v < 256; v++) {
            memcpy(m, buf.data, buf.len);
            m[i] = (uint8_t)v;
            fix_crc(m, buf.len);
            parse_exact(m, buf.len, 1);
        }
    }
    free(m);
    otter_buf_free(&buf);
}
END_TEST

/* ======================================================================== instance codec */

/* 1 when two rows are the same row: features in order with the same namespaces, names,
 * categories and hashes, values bit for bit, and the same dense array bit for bit. Keys
 * may differ (each builder has its own). */
static int same_row(const otter_instance *a, const otter_instance *b)
{
    if (otter_instance_size(a) != otter_instance_size(b))
        return 0;
    for (size_t i = 0; i < otter_instance_size(a); i++) {
        otter_feature fa, fb;
        if (otter_instance_feature(a, i, &fa, NULL) || otter_instance_feature(b, i, &fb, NULL))
            return 0;
        if (fa.hash != fb.hash || memcmp(&fa.value, &fb.value, sizeof fa.value) != 0 ||
            strcmp(fa.ns, fb.ns) != 0 || strcmp(fa.name, fb.name) != 0 ||
            !fa.category != !fb.category || (fa.category && strcmp(fa.category, fb.category)))
            return 0;
    }
    size_t na, nb;
    const double *da = otter_instance_dense(a, &na), *db = otter_instance_dense(b, &nb);
    return na == nb && (na == 0 || memcmp(da, db, na * sizeof *da) == 0);
}

/* Test rows, by number: each exercises a part of the format. */
enum { ICODEC_ROWS = 7 };
static void icodec_row(otter_instance *inst, int which)
{
    static const double dense[5] = {-0.0, 4.9406564584124654e-324, 1.7976931348623157e308, -2.5,
                                    0.1};
    otter_instance_clear(inst);
    switch (which) {
    case 0: /* empty */ break;
    case 1: /* numeric, bit patterns that must survive */
        EXPECT(otter_instance_num(inst, NULL, "zero", -0.0, NULL) == OTTER_OK);
        EXPECT(otter_instance_num(inst, NULL, "tiny", 4.9406564584124654e-324, NULL) == OTTER_OK);
        EXPECT(otter_instance_num(inst, NULL, "third", 1.0 / 3.0, NULL) == OTTER_OK);
        EXPECT(otter_instance_num(inst, NULL, "big", -1.7976931348623157e308, NULL) == OTTER_OK);
        break;
    case 2: /* categorical, empty and non-ASCII categories */
        EXPECT(otter_instance_cat(inst, NULL, "color", "red", NULL) == OTTER_OK);
        EXPECT(otter_instance_cat(inst, NULL, "empty", "", NULL) == OTTER_OK);
        EXPECT(otter_instance_cat(inst, NULL, "city", "Z\xc3\xbcrich \xff", NULL) == OTTER_OK);
        break;
    case 3: /* namespaces: one name in three namespaces, and numeric beside categorical */
        EXPECT(otter_instance_num(inst, "user", "age", 41, NULL) == OTTER_OK);
        EXPECT(otter_instance_num(inst, "item", "age", 3, NULL) == OTTER_OK);
        EXPECT(otter_instance_num(inst, NULL, "age", 7, NULL) == OTTER_OK);
        EXPECT(otter_instance_cat(inst, "item", "brand", "acme", NULL) == OTTER_OK);
        break;
    case 4: /* repeated names, numeric and categorical under the same name, interleaved */
        for (int i = 0; i < 30; i++) {
            EXPECT(otter_instance_num(inst, "ns", i % 3 ? "a" : "b", i * 0.25, NULL) == OTTER_OK);
            EXPECT(otter_instance_cat(inst, "ns", "a", i % 2 ? "x" : "yy", NULL) == OTTER_OK);
        }
        break;
    case 5: /* dense only */
        EXPECT(otter_instance_set_dense(inst, dense, 5, NULL) == OTTER_OK);
        break;
    default: /* everything, with more names than the encoder's stack table holds */
        for (int i = 0; i < 300; i++) {
            char name[16];
            snprintf(name, sizeof name, "f%d", i);
            if (i % 5 == 0)
                EXPECT(otter_instance_cat(inst, "c", name, name + 1, NULL) == OTTER_OK);
            else
                EXPECT(otter_instance_num(inst, i % 2 ? "o" : NULL, name, i - 150.5, NULL) ==
                       OTTER_OK);
        }
        EXPECT(otter_instance_set_dense(inst, dense, 5, NULL) == OTTER_OK);
        break;
    }
}

/* Encodes the current row into a fresh buffer (free it). */
static otter_buf icodec_encode(const otter_instance *inst)
{
    otter_buf b = OTTER_BUF_INIT;
    OK(otter_instance_encode(inst, &b, err));
    return b;
}

/* Decodes a heap copy of exactly len bytes (so ASan sees any read past the end) into
 * inst; on failure checks the error and that the row was left empty. */
static otter_status icodec_decode_exact(otter_instance *inst, const uint8_t *src, size_t len,
                                        otter_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, src, len);
    otter_status st = otter_instance_decode(inst, copy, len, err);
    free(copy);
    if (st != OTTER_OK) {
        EXPECT(err->code == st && err->message[0]);
        EXPECT(otter_instance_size(inst) == 0 && otter_instance_dense(inst, NULL) == NULL);
    }
    return st;
}

START_TEST(icodec_round_trip)
{
    otter_instance *src = new_instance(), *fresh = new_instance(), *used = new_instance();
    /* A builder with other names interned (so its keys differ from src's) and a
     * previous row with a longer dense array than any test row. */
    double old_dense[9] = {9, 9, 9, 9, 9, 9, 9, 9, 9};
    OK(otter_instance_num(used, "other", "w", 1, err));
    OK(otter_instance_cat(used, NULL, "age", "old", err));
    OK(otter_instance_set_dense(used, old_dense, 9, err));
    for (int r = 0; r < ICODEC_ROWS; r++) {
        icodec_row(src, r);
        /* Appends after what out already holds. */
        otter_buf b = OTTER_BUF_INIT;
        OK(otter_buf_append(&b, "prefix", 6, err));
        OK(otter_instance_encode(src, &b, err));
        ck_assert_int_eq(memcmp(b.data, "prefix", 6), 0);
        const uint8_t *enc = b.data + 6;
        size_t len = b.len - 6;
        ck_assert_int_eq(memcmp(enc, "OI\x01", 3), 0);
        OK(icodec_decode_exact(fresh, enc, len, err));
        ck_assert_msg(same_row(src, fresh), "row %d differs after decoding", r);
        OK(icodec_decode_exact(used, enc, len, err));
        ck_assert_msg(same_row(src, used), "row %d differs in a used builder", r);
        /* Keys are the decoding builder's own: they name the same pairs. */
        for (size_t i = 0; i < otter_instance_size(used); i++) {
            otter_feature f;
            const char *ns, *name;
            OK(otter_instance_feature(used, i, &f, err));
            OK(otter_instance_key_name(used, f.key, &ns, &name, err));
            EXPECT(strcmp(ns, f.ns) == 0 && strcmp(name, f.name) == 0);
        }
        /* One row, one encoding: re-encoding the decoded row gives the same bytes. */
        otter_buf again = icodec_encode(used);
        ck_assert_uint_eq(again.len, len);
        ck_assert_int_eq(memcmp(again.data, enc, len), 0);
        otter_buf_free(&again);
        otter_buf_free(&b);
    }
    /* The names used before are still interned in the used builder. */
    otter_feature_key k;
    size_t keys = otter_instance_key_count(used);
    OK(otter_instance_intern(used, "other", 5, "w", 1, &k, err));
    ck_assert_uint_eq(otter_instance_key_count(used), keys);
    otter_instance_destroy(src);
    otter_instance_destroy(fresh);
    otter_instance_destroy(used);
}
END_TEST

START_TEST(icodec_sizes)
{
    otter_instance *inst = new_instance();
    /* Empty row: header, three zero counts and the CRC. */
    otter_buf b = icodec_encode(inst);
    ck_assert_uint_eq(b.len, 3 + 4 + 4 + 4 + 4);
    otter_buf_free(&b);
    /* The header's example: 20 numeric features f0..f19. */
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "f%d", i);
        OK(otter_instance_num(inst, NULL, name, i * 1.5, err));
    }
    b = icodec_encode(inst);
    ck_assert_uint_eq(b.len, 3 + 4 + (10 * (4 + 4 + 2) + 10 * (4 + 4 + 3)) + 4 + 20 * 13 + 4 + 4);
    ck_assert_uint_eq(b.len, 489);
    otter_buf_free(&b);
    /* A name repeated 100 times is stored once. */
    otter_instance_clear(inst);
    for (int i = 0; i < 100; i++)
        OK(otter_instance_num(inst, "ns", "x", i, err));
    b = icodec_encode(inst);
    ck_assert_uint_eq(b.len, 3 + 4 + (4 + 2 + 4 + 1) + 4 + 100 * 13 + 4 + 4);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(icodec_steady_state)
{
    /* Decoding the same rows again into a builder that has seen them changes no buffer. */
    otter_instance *src = new_instance(), *inst = new_instance();
    icodec_row(src, ICODEC_ROWS - 1);
    otter_buf big = icodec_encode(src);
    icodec_row(src, 4);
    otter_buf small = icodec_encode(src);
    OK(otter_instance_decode(inst, big.data, big.len, err));
    OK(otter_instance_decode(inst, small.data, small.len, err));
    const struct otter_instance before = *inst;
    for (int r = 0; r < 50; r++) {
        OK(otter_instance_decode(inst, big.data, big.len, err));
        OK(otter_instance_decode(inst, small.data, small.len, err));
    }
    ck_assert(same_row(src, inst));
    ck_assert_uint_eq(inst->n_keys, before.n_keys);
    ck_assert_uint_eq(inst->names_cap, before.names_cap);
    ck_assert_uint_eq(inst->feats_cap, before.feats_cap);
    ck_assert_uint_eq(inst->cats_cap, before.cats_cap);
    ck_assert_uint_eq(inst->dense_cap, before.dense_cap);
    ck_assert_uint_eq(inst->row_keys_cap, before.row_keys_cap);
    ck_assert_ptr_eq(inst->feats, before.feats);
    ck_assert_ptr_eq(inst->cats, before.cats);
    ck_assert_ptr_eq(inst->dense, before.dense);
    ck_assert_ptr_eq(inst->row_keys, before.row_keys);
    otter_buf_free(&big);
    otter_buf_free(&small);
    otter_instance_destroy(src);
    otter_instance_destroy(inst);
}
END_TEST

/* A row with every kind of field, small enough to flip every bit of. */
static otter_buf icodec_sample(void)
{
    otter_instance *inst = new_instance();
    const double d[2] = {0.5, -1};
    OK(otter_instance_num(inst, "u", "age", 41, err));
    OK(otter_instance_cat(inst, NULL, "color", "red", err));
    OK(otter_instance_num(inst, "u", "age", -3, err));
    OK(otter_instance_set_dense(inst, d, 2, err));
    otter_buf b = icodec_encode(inst);
    otter_instance_destroy(inst);
    return b;
}

/* A builder holding a previous row, to see that failures clear it. */
static otter_instance *icodec_used_builder(void)
{
    otter_instance *inst = new_instance();
    const double d[3] = {1, 2, 3};
    OK(otter_instance_num(inst, NULL, "previous", 1, err));
    OK(otter_instance_set_dense(inst, d, 3, err));
    return inst;
}

START_TEST(icodec_truncation)
{
    otter_buf b = icodec_sample();
    otter_instance *inst = icodec_used_builder();
    for (size_t n = 0; n < b.len; n++) {
        otter_error e = {0};
        otter_status st = icodec_decode_exact(inst, b.data, n, &e);
        if (st != OTTER_CORRUPT)
            ck_abort_msg("%zu of %zu bytes: %s (%s)", n, b.len, otter_status_name(st), e.message);
        OK(otter_instance_num(inst, NULL, "previous", 1, err)); /* for the next round */
    }
    FAILS(OTTER_CORRUPT, "truncated", otter_instance_decode(inst, b.data, 10, err));
    FAILS(OTTER_CORRUPT, "checksum", otter_instance_decode(inst, b.data, b.len - 1, err));
    /* Extended: trailing bytes after a valid encoding. */
    OK(otter_buf_append(&b, "\0", 1, err));
    FAILS(OTTER_CORRUPT, "checksum", otter_instance_decode(inst, b.data, b.len, err));
    OK(otter_instance_decode(inst, b.data, b.len - 1, err));
    ck_assert_uint_eq(otter_instance_size(inst), 3);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

/* Rewrites the trailing CRC32C of an instance encoding after an edit. */
static void icodec_fix_crc(uint8_t *p, size_t len)
{
    uint32_t c = otter_crc32c(0, p, len - 4);
    for (int i = 0; i < 4; i++)
        p[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

START_TEST(icodec_bit_flips)
{
    otter_buf b = icodec_sample();
    otter_instance *inst = icodec_used_builder();
    uint8_t *m = malloc(b.len);
    ck_assert_ptr_nonnull(m);
    size_t ok_with_crc = 0;
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, b.data, b.len);
            m[i] ^= (uint8_t)(1u << bit);
            otter_error e = {0};
            otter_status st = icodec_decode_exact(inst, m, b.len, &e);
            if (st != OTTER_CORRUPT)
                ck_abort_msg("flip %zu.%d: %s (%s)", i, bit, otter_status_name(st), e.message);
            /* With the checksum recomputed the structure checks alone must keep every read
             * in bounds: a clean rejection, or a row (a flipped value or name). */
            icodec_fix_crc(m, b.len);
            otter_error e2 = {0};
            st = icodec_decode_exact(inst, m, b.len, &e2);
            EXPECT(st == OTTER_OK || st == OTTER_CORRUPT || st == OTTER_VERSION);
            ok_with_crc += st == OTTER_OK;
        }
    }
    ck_assert(ok_with_crc > 0 && ok_with_crc < b.len * 8);
    /* Every byte value at every position, checksum fixed. */
    for (size_t i = 0; i + 4 < b.len; i++) {
        for (int v = 0; v < 256; v++) {
            memcpy(m, b.data, b.len);
            m[i] = (uint8_t)v;
            icodec_fix_crc(m, b.len);
            otter_error e = {0};
            otter_status st = icodec_decode_exact(inst, m, b.len, &e);
            EXPECT(st == OTTER_OK || st == OTTER_CORRUPT || st == OTTER_VERSION);
        }
    }
    free(m);
    otter_buf_free(&b);
    otter_instance_destroy(inst);
}
END_TEST

START_TEST(icodec_foreign_and_version)
{
    otter_instance *inst = icodec_used_builder();
    /* A learner's state blob is not an instance. */
    otter_buf blob = OTTER_BUF_INIT;
    make_blob(&blob, 0, "logreg", 1, "bits=4\n", "payload", 7);
    FAILS(OTTER_CORRUPT, "magic", otter_instance_decode(inst, blob.data, blob.len, err));
    ck_assert_uint_eq(otter_instance_size(inst), 0);
    static const uint8_t text[] = "{\"features\": {\"x\": 1}}";
    FAILS(OTTER_CORRUPT, "magic", otter_instance_decode(inst, text, sizeof text, err));
    uint8_t zeros[64] = {0};
    FAILS(OTTER_CORRUPT, "magic", otter_instance_decode(inst, zeros, sizeof zeros, err));
    FAILS(OTTER_CORRUPT, NULL, otter_instance_decode(inst, NULL, 0, err));
    FAILS(OTTER_CORRUPT, NULL, otter_instance_decode(inst, NULL, 100, err));
    FAILS(OTTER_CORRUPT, "truncated", otter_instance_decode(inst, (const uint8_t *)"O", 1, err));
    /* The right magic in front of something else. */
    uint8_t fake[40] = "OI\x01 and then something else entirely";
    FAILS(OTTER_CORRUPT, "checksum", otter_instance_decode(inst, fake, sizeof fake, err));

    /* Versions, each with a valid checksum: newer is VERSION, 0 is CORRUPT. */
    otter_buf b = icodec_sample();
    b.data[2] = 2;
    icodec_fix_crc(b.data, b.len);
    FAILS(OTTER_VERSION, "newer", otter_instance_decode(inst, b.data, b.len, err));
    ck_assert_uint_eq(otter_instance_size(inst), 0);
    b.data[2] = 255;
    icodec_fix_crc(b.data, b.len);
    FAILS(OTTER_VERSION, "255", otter_instance_decode(inst, b.data, b.len, err));
    b.data[2] = 0;
    icodec_fix_crc(b.data, b.len);
    FAILS(OTTER_CORRUPT, "version 0", otter_instance_decode(inst, b.data, b.len, err));
    b.data[2] = 1;
    icodec_fix_crc(b.data, b.len);
    OK(otter_instance_decode(inst, b.data, b.len, err));
    otter_buf_free(&b);
    otter_buf_free(&blob);
    otter_instance_destroy(inst);
}
END_TEST

/* Hand-built encodings with a valid checksum, one per structural check: each fails with
 * its own message, leaves the row empty and interns nothing. */
typedef struct icodec_case {
    const char *what, *needle;
    void (*body)(otter__wr *w);
} icodec_case;

static void ic_name(otter__wr *w, const char *ns, const char *name)
{
    otter__wr_str(w, ns, strlen(ns));
    otter__wr_str(w, name, strlen(name));
}
static void ic_num(otter__wr *w, uint32_t idx, double v)
{
    otter__wr_u32(w, idx);
    otter__wr_u8(w, 0);
    otter__wr_f64(w, v);
}
static void ic_cat(otter__wr *w, uint32_t idx, const char *v, size_t len)
{
    otter__wr_u32(w, idx);
    otter__wr_u8(w, 1);
    otter__wr_str(w, v, len);
}
/* one name "a", numeric, then the given dense length */
static void ic_one(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 1);
    ic_num(w, 0, 2.0);
}
static void ic_valid(otter__wr *w)
{
    ic_one(w);
    otter__wr_u32(w, 1);
    otter__wr_f64(w, 3.0);
}
static void ic_nan(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 1);
    ic_num(w, 0, NAN);
    otter__wr_u32(w, 0);
}
static void ic_inf(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 1);
    ic_num(w, 0, -INFINITY);
    otter__wr_u32(w, 0);
}
static void ic_dense_nan(otter__wr *w)
{
    ic_one(w);
    otter__wr_u32(w, 2);
    otter__wr_f64(w, 1);
    otter__wr_f64(w, NAN);
}
static void ic_dense_inf(otter__wr *w)
{
    ic_one(w);
    otter__wr_u32(w, 1);
    otter__wr_f64(w, INFINITY);
}
static void ic_nul_name(otter__wr *w)
{
    otter__wr_u32(w, 1);
    otter__wr_str(w, "", 0);
    otter__wr_str(w, "a\0b", 3);
    otter__wr_u32(w, 1);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_nul_ns(otter__wr *w)
{
    otter__wr_u32(w, 1);
    otter__wr_str(w, "n\0", 2);
    otter__wr_str(w, "a", 1);
    otter__wr_u32(w, 1);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_nul_cat(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 1);
    ic_cat(w, 0, "r\0d", 3);
    otter__wr_u32(w, 0);
}
static void ic_empty_name(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "ns", "");
    otter__wr_u32(w, 1);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_huge_names(otter__wr *w)
{
    otter__wr_u32(w, 0xffffffffu);
    ic_name(w, "", "a");
    otter__wr_u32(w, 0);
    otter__wr_u32(w, 0);
}
static void ic_names_past_data(otter__wr *w)
{
    /* small enough to be read, but 3 names cannot fit in the 17 bytes that follow */
    otter__wr_u32(w, 3);
    ic_name(w, "", "a");
    otter__wr_u32(w, 0);
    otter__wr_u32(w, 0);
}
static void ic_feats_past_data(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 2);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_huge_feats(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 0x40000000u);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_huge_dense(otter__wr *w)
{
    ic_one(w);
    otter__wr_u32(w, 0x20000000u);
    otter__wr_f64(w, 1);
}
static void ic_huge_string(otter__wr *w)
{
    otter__wr_u32(w, 1);
    otter__wr_u32(w, 0);
    otter__wr_u32(w, 0xfffffff0u);
    otter__wr_bytes(w, "abcdefghijklmnopqrstuvwx", 24);
}
static void ic_short_feats(otter__wr *w)
{
    /* 2 features promised, room for the count check, but the second one is cut short */
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 2);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
    otter__wr_u8(w, 0);
    otter__wr_bytes(w, "1234", 4);
}
static void ic_kind(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 1);
    otter__wr_u32(w, 0);
    otter__wr_u8(w, 2);
    otter__wr_f64(w, 1);
    otter__wr_u32(w, 0);
}
static void ic_index_range(otter__wr *w)
{
    otter__wr_u32(w, 1);
    ic_name(w, "", "a");
    otter__wr_u32(w, 2);
    ic_num(w, 0, 1);
    ic_num(w, 1, 1);
    otter__wr_u32(w, 0);
}
static void ic_index_order(otter__wr *w)
{
    otter__wr_u32(w, 2);
    ic_name(w, "", "a");
    ic_name(w, "", "b");
    otter__wr_u32(w, 2);
    ic_num(w, 1, 1);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_unused(otter__wr *w)
{
    otter__wr_u32(w, 2);
    ic_name(w, "", "a");
    ic_name(w, "", "b");
    otter__wr_u32(w, 1);
    ic_num(w, 0, 1);
    otter__wr_u32(w, 0);
}
static void ic_trailing(otter__wr *w)
{
    ic_valid(w);
    otter__wr_bytes(w, "xyz", 3);
}

static const icodec_case icodec_cases[] = {
    {"valid", NULL, ic_valid},
    {"NaN value", "feature 0: value is NaN", ic_nan},
    {"infinite value", "feature 0: value is infinite", ic_inf},
    {"NaN dense", "dense value 1 is NaN", ic_dense_nan},
    {"infinite dense", "dense value 0 is infinite", ic_dense_inf},
    {"NUL in name", "name 0 contains a NUL", ic_nul_name},
    {"NUL in namespace", "name 0 contains a NUL", ic_nul_ns},
    {"NUL in category", "category contains a NUL", ic_nul_cat},
    {"empty name", "name 0 is empty", ic_empty_name},
    {"absurd name count", "name count 4294967295", ic_huge_names},
    {"name count past the data", "name count 3 exceeds", ic_names_past_data},
    {"feature count past the data", "feature count 2 exceeds", ic_feats_past_data},
    {"absurd feature count", "feature count 1073741824", ic_huge_feats},
    {"absurd dense length", "dense length 536870912", ic_huge_dense},
    {"absurd string length", "name 0 overruns", ic_huge_string},
    {"cut feature", "feature 1 overruns", ic_short_feats},
    {"unknown kind", "unknown kind 2", ic_kind},
    {"index out of range", "feature 1: name index 1", ic_index_range},
    {"index out of order", "feature 0: name index 1", ic_index_order},
    {"unused name", "2 names listed but 1 used", ic_unused},
    {"stray bytes", "3 stray bytes", ic_trailing},
};

START_TEST(icodec_structure)
{
    const icodec_case *c = &icodec_cases[_i];
    otter_buf b = OTTER_BUF_INIT;
    otter__wr w;
    otter_error we = {0};
    otter__wr_init(&w, &b, &we);
    otter__wr_bytes(&w, "OI\x01", 3);
    c->body(&w);
    otter__wr_u32(&w, 0);
    ck_assert_int_eq(w.st, OTTER_OK);
    icodec_fix_crc(b.data, b.len);
    otter_instance *inst = icodec_used_builder();
    size_t keys = otter_instance_key_count(inst);
    otter_error e = {0};
    otter_status st = icodec_decode_exact(inst, b.data, b.len, &e);
    if (!c->needle) {
        ck_assert_msg(st == OTTER_OK, "%s: %s", c->what, e.message);
        ck_assert_uint_eq(otter_instance_size(inst), 1);
        size_t n;
        ck_assert_double_eq(otter_instance_dense(inst, &n)[0], 3.0);
    } else {
        ck_assert_msg(st == OTTER_CORRUPT, "%s: %s (%s)", c->what, otter_status_name(st),
                      e.message);
        ck_assert_msg(strstr(e.message, c->needle), "%s: message '%s' lacks '%s'", c->what,
                      e.message, c->needle);
        ck_assert_msg(strstr(e.message, "encoded instance"), "%s: %s", c->what, e.message);
        ck_assert_uint_eq(otter_instance_key_count(inst), keys);
    }
    otter_instance_destroy(inst);
    otter_buf_free(&b);
}
END_TEST

/* ======================================================================== context */

static otter_context *new_context(void)
{
    otter_context *ctx = NULL;
    otter_error err = {0};
    ck_assert_msg(otter_context_create(&ctx, &err) == OTTER_OK, "%s", err.message);
    return ctx;
}

START_TEST(context_builtins)
{
    otter_context *ctx = new_context();
    static const char *const learners[] = {"logreg", "linreg", "svm"};
    static const char *const gens[] = {"sea", "hyperplane", "agrawal", "rbf", "led", "fraud"};
    for (size_t i = 0; i < 3; i++) {
        const otter_learner_type *t = otter_context_find_learner(ctx, learners[i]);
        ck_assert_msg(t != NULL, "%s", learners[i]);
        ck_assert_str_eq(t->name, learners[i]);
        ck_assert_int_le(t->abi, OTTER_LEARNER_ABI);
    }
    for (size_t i = 0; i < 6; i++) {
        const otter_gen_type *t = otter_context_find_gen(ctx, gens[i]);
        ck_assert_msg(t != NULL, "%s", gens[i]);
        ck_assert_str_eq(t->name, gens[i]);
    }
    ck_assert_uint_ge(otter_context_learner_count(ctx), 3);
    ck_assert_uint_ge(otter_context_gen_count(ctx), 6);
    ck_assert_ptr_null(otter_context_find_learner(ctx, "nope"));
    ck_assert_ptr_null(otter_context_find_learner(ctx, NULL));
    ck_assert_ptr_null(otter_context_find_gen(ctx, "logreg")); /* separate registries */
    ck_assert_ptr_null(otter_context_find_learner(ctx, "sea"));
    ck_assert_ptr_null(otter_context_learner_at(ctx, otter_context_learner_count(ctx)));
    ck_assert_ptr_null(otter_context_gen_at(ctx, otter_context_gen_count(ctx)));
    /* Enumeration finds each built-in exactly once. */
    for (size_t i = 0; i < 3; i++) {
        int seen = 0;
        for (size_t j = 0; j < otter_context_learner_count(ctx); j++)
            seen += strcmp(otter_context_learner_at(ctx, j)->name, learners[i]) == 0;
        ck_assert_int_eq(seen, 1);
    }
    ck_assert_str_eq(otter_version(), OTTER_VERSION_STRING);
    otter_context_destroy(ctx);
    otter_context_destroy(NULL);
}
END_TEST

START_TEST(context_register)
{
    otter_context *ctx = new_context();
    const otter_learner_type *logreg = otter_context_find_learner(ctx, "logreg");
    size_t n0 = otter_context_learner_count(ctx);
    FAILS(OTTER_EXISTS, "logreg", otter_context_register_learner(ctx, logreg, err));
    otter_learner_type t = *logreg;
    FAILS(OTTER_EXISTS, "logreg", otter_context_register_learner(ctx, &t, err));
    t.name = "custom";
    t.predict = NULL;
    FAILS(OTTER_INVALID, "incomplete", otter_context_register_learner(ctx, &t, err));
    t = *logreg;
    t.name = NULL;
    FAILS(OTTER_INVALID, "incomplete", otter_context_register_learner(ctx, &t, err));
    FAILS(OTTER_INVALID, NULL, otter_context_register_learner(ctx, NULL, err));
    t = *logreg;
    t.name = "custom";
    t.abi = OTTER_LEARNER_ABI + 1;
    FAILS(OTTER_VERSION, "custom", otter_context_register_learner(ctx, &t, err));
    t.abi = 0;
    FAILS(OTTER_VERSION, NULL, otter_context_register_learner(ctx, &t, err));
    ck_assert_uint_eq(otter_context_learner_count(ctx), n0);

    const otter_gen_type *sea = otter_context_find_gen(ctx, "sea");
    size_t g0 = otter_context_gen_count(ctx);
    FAILS(OTTER_EXISTS, "sea", otter_context_register_gen(ctx, sea, err));
    otter_gen_type g = *sea;
    g.name = "mysea";
    g.next = NULL;
    FAILS(OTTER_INVALID, NULL, otter_context_register_gen(ctx, &g, err));
    g = *sea;
    g.name = "mysea";
    g.abi = OTTER_GEN_ABI + 1;
    FAILS(OTTER_VERSION, NULL, otter_context_register_gen(ctx, &g, err));
    g = *sea;
    g.name = "mysea";
    g.n_meta = OTTER_GEN_MAX_META + 1;
    FAILS(OTTER_INVALID, NULL, otter_context_register_gen(ctx, &g, err));
    ck_assert_uint_eq(otter_context_gen_count(ctx), g0);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(context_independent)
{
    otter_context *a = new_context(), *b = new_context();
    otter_learner_type t = *otter_context_find_learner(a, "logreg");
    t.name = "mine";
    OK(otter_context_register_learner(a, &t, err));
    ck_assert_ptr_eq(otter_context_find_learner(a, "mine"), &t);
    ck_assert_ptr_null(otter_context_find_learner(b, "mine"));
    ck_assert_uint_eq(otter_context_learner_count(a), otter_context_learner_count(b) + 1);
    ck_assert_ptr_eq(otter_context_learner_at(a, otter_context_learner_count(a) - 1), &t);
    FAILS(OTTER_EXISTS, "mine", otter_context_register_learner(a, &t, err));
    /* Registering the same custom type in b is fine. */
    OK(otter_context_register_learner(b, &t, err));
    otter_context_destroy(b);
    b = new_context();
    ck_assert_ptr_null(otter_context_find_learner(b, "mine"));
    /* Usable through the generic layer in a only. */
    otter_learner *l = NULL;
    OK(otter_learner_create(a, "mine", NULL, &l, err));
    ck_assert_str_eq(otter_learner_type_of(l)->name, "mine");
    otter_learner_destroy(l);
    FAILS(OTTER_NOT_FOUND, "mine", otter_learner_create(b, "mine", NULL, &l, err));
    otter_gen_type g = *otter_context_find_gen(a, "sea");
    g.name = "mysea";
    OK(otter_context_register_gen(a, &g, err));
    ck_assert_ptr_null(otter_context_find_gen(b, "mysea"));
    otter_context_destroy(a);
    otter_context_destroy(b);
}
END_TEST

/* ======================================================================== learner */

static otter_learner *new_learner(const otter_context *ctx, const char *type, const char *params)
{
    otter_params *p = NULL;
    otter_learner *l = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter_params_create(&p, &err), OTTER_OK);
    ck_assert_msg(otter_params_parse(p, params ? params : "", &err) == OTTER_OK, "%s", err.message);
    ck_assert_msg(otter_learner_create(ctx, type, p, &l, &err) == OTTER_OK, "%s", err.message);
    otter_params_destroy(p);
    return l;
}

static otter_status create_with(const otter_context *ctx, const char *params, otter_error *err)
{
    otter_params *p = NULL;
    otter_learner *l = NULL;
    otter_status st = otter_params_create(&p, err);
    if (st == OTTER_OK)
        st = otter_params_parse(p, params, err);
    if (st == OTTER_OK)
        st = otter_learner_create(ctx, "logreg", p, &l, err);
    otter_learner_destroy(l);
    otter_params_destroy(p);
    return st;
}

/* A deterministic small row: x = i-th point of a simple pattern, label by a rule. */
static double make_row(otter_instance *inst, int i)
{
    otter_instance_clear(inst);
    double a = (i * 37 % 101) / 101.0, b = (i * 53 % 97) / 97.0;
    ck_assert_int_eq(otter_instance_num(inst, NULL, "a", a, NULL), OTTER_OK);
    ck_assert_int_eq(otter_instance_num(inst, "ns", "b", b, NULL), OTTER_OK);
    ck_assert_int_eq(otter_instance_cat(inst, NULL, "c", i % 3 ? "x" : "y", NULL), OTTER_OK);
    return a + b > 1.0 ? 1.0 : 0.0;
}

static void encode(const otter_learner *l, otter_buf *out)
{
    otter_error err = {0};
    otter_buf_reset(out);
    ck_assert_msg(otter_learner_encode(l, out, &err) == OTTER_OK, "%s", err.message);
}

START_TEST(learner_create_errors)
{
    otter_context *ctx = new_context();
    otter_learner *l = NULL;
    FAILS(OTTER_NOT_FOUND, "nosuch", otter_learner_create(ctx, "nosuch", NULL, &l, err));
    FAILS(OTTER_NOT_FOUND, NULL, otter_learner_create(ctx, NULL, NULL, &l, err));
    FAILS(OTTER_INVALID, "'lr'", create_with(ctx, "lr=0", err));
    FAILS(OTTER_INVALID, "'bits'", create_with(ctx, "bits=99", err));
    FAILS(OTTER_INVALID, "'foo'", create_with(ctx, "foo=1", err));
    FAILS(OTTER_INVALID, "'optimizer'", create_with(ctx, "optimizer=newton", err));
    FAILS(OTTER_INVALID, "'intercept'", create_with(ctx, "intercept=maybe", err));
    /* Cross-field check: l1 only with ftrl. */
    FAILS(OTTER_INVALID, "l1", create_with(ctx, "l1=0.1", err));
    FAILS(OTTER_INVALID, "l1", create_with(ctx, "l1=0.1,optimizer=adagrad", err));
    FAILS(OTTER_INVALID, "l1", create_with(ctx, "l1=0.1,optimizer=sgd", err));
    OK(create_with(ctx, "l1=0.1,optimizer=ftrl", err));
    OK(create_with(ctx, "l1=0,optimizer=adagrad", err));
    ck_assert_ptr_null(l);
    /* Defaults and canonical params text. */
    l = new_learner(ctx, "logreg", "bits=10,lr=0.1");
    const char *text = otter_learner_params_text(l);
    ck_assert_ptr_nonnull(strstr(text, "bits=10\n"));
    ck_assert_ptr_nonnull(strstr(text, "lr=0.10000000000000001\n"));
    ck_assert_ptr_nonnull(strstr(text, "optimizer=adagrad\n"));
    ck_assert_int_eq(otter_learner_task(l), OTTER_TASK_BINARY);
    ck_assert_uint_eq(otter_learner_n_classes(l), 2);
    ck_assert_uint_eq(otter_learner_updates(l), 0);
    ck_assert_uint_gt(otter_learner_bytes(l), 1024 * sizeof(double));
    otter_learner_destroy(l);
    otter_learner_destroy(NULL);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(learner_learn_validation)
{
    otter_context *ctx = new_context();
    otter_learner *l = new_learner(ctx, "logreg", "bits=8");
    otter_instance *inst = new_instance();
    for (int i = 0; i < 50; i++) {
        double y = make_row(inst, i);
        OK(otter_learner_learn(l, inst, y, 1.0, err));
    }
    ck_assert_uint_eq(otter_learner_updates(l), 50);
    otter_buf before = OTTER_BUF_INIT, after = OTTER_BUF_INIT;
    encode(l, &before);
    make_row(inst, 51);
    FAILS(OTTER_INVALID, "weight", otter_learner_learn(l, inst, 1, 0.0, err));
    FAILS(OTTER_INVALID, "weight", otter_learner_learn(l, inst, 1, -1.0, err));
    FAILS(OTTER_INVALID, "weight", otter_learner_learn(l, inst, 1, NAN, err));
    FAILS(OTTER_INVALID, "weight", otter_learner_learn(l, inst, 1, INFINITY, err));
    FAILS(OTTER_INVALID, "label", otter_learner_learn(l, inst, 2.0, 1.0, err));
    FAILS(OTTER_INVALID, "label", otter_learner_learn(l, inst, 0.5, 1.0, err));
    FAILS(OTTER_INVALID, "label", otter_learner_learn(l, inst, NAN, 1.0, err));
    FAILS(OTTER_INVALID, "label", otter_learner_learn(l, inst, -INFINITY, 1.0, err));
    FAILS(OTTER_INVALID, NULL, otter_learner_learn(l, NULL, 1.0, 1.0, err));
    FAILS(OTTER_INVALID, NULL, otter_learner_learn(NULL, inst, 1.0, 1.0, err));
    ck_assert_uint_eq(otter_learner_updates(l), 50);
    encode(l, &after);
    ck_assert_uint_eq(before.len, after.len);
    ck_assert_int_eq(memcmp(before.data, after.data, before.len), 0);
    /* predict does not change the model either. */
    otter_prediction pr;
    OK(otter_learner_predict(l, inst, &pr, err));
    ck_assert(pr.has_proba && pr.proba > 0 && pr.proba < 1);
    encode(l, &after);
    ck_assert_int_eq(memcmp(before.data, after.data, before.len), 0);
    FAILS(OTTER_INVALID, NULL, otter_learner_predict(l, NULL, &pr, err));
    otter_buf_free(&before);
    otter_buf_free(&after);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(learner_minus_one_label)
{
    /* -1 is read as 0 for binary tasks: identical state either way. */
    otter_context *ctx = new_context();
    otter_learner *a = new_learner(ctx, "logreg", "bits=6");
    otter_learner *b = new_learner(ctx, "logreg", "bits=6");
    otter_instance *inst = new_instance();
    for (int i = 0; i < 30; i++) {
        double y = make_row(inst, i);
        OK(otter_learner_learn(a, inst, y == 0 ? -1.0 : y, 1.0, err));
        OK(otter_learner_learn(b, inst, y, 1.0, err));
    }
    otter_buf ea = OTTER_BUF_INIT, eb = OTTER_BUF_INIT;
    encode(a, &ea);
    encode(b, &eb);
    ck_assert_uint_eq(ea.len, eb.len);
    ck_assert_int_eq(memcmp(ea.data, eb.data, ea.len), 0);
    otter_buf_free(&ea);
    otter_buf_free(&eb);
    otter_instance_destroy(inst);
    otter_learner_destroy(a);
    otter_learner_destroy(b);
    otter_context_destroy(ctx);
}
END_TEST

START_TEST(learner_round_trip)
{
    otter_context *ctx = new_context();
    otter_learner *l = new_learner(ctx, "logreg", "bits=8,optimizer=ftrl,l1=0.01");
    otter_instance *inst = new_instance();
    for (int i = 0; i < 200; i++) {
        double y = make_row(inst, i);
        OK(otter_learner_learn(l, inst, y, 1.0 + (i % 3), err));
    }
    otter_buf blob = OTTER_BUF_INIT, again = OTTER_BUF_INIT;
    OK(otter_buf_append(&blob, "prefix", 6, err)); /* encode appends */
    OK(otter_learner_encode(l, &blob, err));
    ck_assert_int_eq(memcmp(blob.data, "prefix", 6), 0);
    otter_learner *d = NULL;
    OK(otter_learner_decode(ctx, blob.data + 6, blob.len - 6, &d, err));
    ck_assert_str_eq(otter_learner_type_of(d)->name, "logreg");
    ck_assert_uint_eq(otter_learner_updates(d), 200);
    ck_assert_str_eq(otter_learner_params_text(d), otter_learner_params_text(l));
    encode(d, &again);
    ck_assert_uint_eq(again.len, blob.len - 6);
    ck_assert_int_eq(memcmp(again.data, blob.data + 6, again.len), 0);
    for (int i = 200; i < 220; i++) {
        double y = make_row(inst, i);
        otter_prediction p1, p2;
        OK(otter_learner_predict(l, inst, &p1, err));
        OK(otter_learner_predict(d, inst, &p2, err));
        ck_assert(memcmp(&p1.proba, &p2.proba, sizeof(double)) == 0);
        OK(otter_learner_learn(l, inst, y, 1.0, err));
        OK(otter_learner_learn(d, inst, y, 1.0, err));
    }
    otter_buf_free(&blob);
    otter_buf_free(&again);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_learner_destroy(d);
    otter_context_destroy(ctx);
}
END_TEST

/* Splits a real logreg blob into its params text and payload (owned copies). */
static void blob_parts(const otter_buf *blob, char **params, uint8_t **payload, size_t *plen)
{
    otter__blob b;
    otter_error err = {0};
    ck_assert_int_eq(otter__blob_parse(blob->data, blob->len, &b, &err), OTTER_OK);
    *params = strndup(b.params, b.params_len);
    *payload = malloc(b.payload_len);
    memcpy(*payload, b.payload, b.payload_len);
    *plen = b.payload_len;
}

START_TEST(learner_decode_errors)
{
    otter_context *ctx = new_context();
    otter_learner *l = new_learner(ctx, "logreg", "bits=4");
    otter_instance *inst = new_instance();
    for (int i = 0; i < 20; i++)
        OK(otter_learner_learn(l, inst, make_row(inst, i), 1.0, err));
    otter_buf blob = OTTER_BUF_INIT;
    encode(l, &blob);
    char *params;
    uint8_t *payload;
    size_t plen;
    blob_parts(&blob, &params, &payload, &plen);
    otter_learner *d = NULL;

    /* Hand-built with the same parts and version 1: accepted (the control). */
    otter_buf hand = OTTER_BUF_INIT;
    make_blob(&hand, 0, "logreg", 1, params, payload, plen);
    ck_assert_uint_eq(hand.len, blob.len);
    ck_assert_int_eq(memcmp(hand.data, blob.data, blob.len), 0);
    OK(otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    otter_learner_destroy(d);
    d = NULL;
    /* Type state version 99 (and 0). */
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "logreg", 99, params, payload, plen);
    FAILS(OTTER_VERSION, "99", otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "logreg", 0, params, payload, plen);
    FAILS(OTTER_VERSION, NULL, otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    /* Unknown type name. */
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "nosuchtype", 1, params, payload, plen);
    FAILS(OTTER_NOT_FOUND, "nosuchtype", otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    /* A type registered only in another context. */
    otter_context *other = new_context();
    otter_learner_type t = *otter_context_find_learner(other, "logreg");
    t.name = "private";
    OK(otter_context_register_learner(other, &t, err));
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "private", 1, params, payload, plen);
    OK(otter_learner_decode(other, hand.data, hand.len, &d, err));
    otter_learner_destroy(d);
    d = NULL;
    FAILS(OTTER_NOT_FOUND, "private", otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    otter_context_destroy(other);
    /* Empty type name, a payload too short for the update counter. */
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "", 1, params, payload, plen);
    FAILS(OTTER_CORRUPT, NULL, otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "logreg", 1, params, payload, 5);
    FAILS(OTTER_CORRUPT, NULL, otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    otter_buf_reset(&hand);
    make_blob(&hand, 0, "logreg", 1, params, payload, plen - 1);
    FAILS(OTTER_CORRUPT, NULL, otter_learner_decode(ctx, hand.data, hand.len, &d, err));
    /* Params text that is malformed or does not validate (checksum intact): the blob is
     * corrupt, and err.code agrees with the returned status. */
    static const char *const bad_params[] = {
        "bits=4\nno-equals-sign\n", "bits=4\nbad key=1\n", "bits=4\nbits\n",
        "bits=4\nlr=abc\n",         "bits=99\n",           "bits=4\nunknown=1\n",
        "bits=4\nl1=1\n",
    };
    for (size_t i = 0; i < sizeof bad_params / sizeof *bad_params; i++) {
        otter_buf_reset(&hand);
        make_blob(&hand, 0, "logreg", 1, bad_params[i], payload, plen);
        otter_error e = {0};
        otter_status st = otter_learner_decode(ctx, hand.data, hand.len, &d, &e);
        ck_assert_msg(st == OTTER_CORRUPT && e.code == st,
                      "params '%s': returned %s, err.code %s (%s)", bad_params[i],
                      otter_status_name(st), otter_status_name(e.code), e.message);
    }
    ck_assert_ptr_null(d);
    otter_buf_free(&hand);
    free(params);
    free(payload);
    otter_buf_free(&blob);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_context_destroy(ctx);
}
END_TEST

/* Decodes an exact-size heap copy; anything but a clean result fails the test. */
static otter_status decode_exact(const otter_context *ctx, const uint8_t *src, size_t len,
                                 int allow_ok)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, src, len);
    otter_learner *d = NULL;
    otter_error err = {0};
    otter_status st = otter_learner_decode(ctx, copy, len, &d, &err);
    free(copy);
    if (st == OTTER_OK) {
        EXPECT(allow_ok);
        EXPECT(d != NULL);
        otter_learner_destroy(d);
        return st;
    }
    if (st != OTTER_CORRUPT && st != OTTER_VERSION && st != OTTER_NOT_FOUND)
        ck_abort_msg("decode returned %s: %s", otter_status_name(st), err.message);
    EXPECT(err.code == st && err.message[0]);
    return st;
}

START_TEST(learner_decode_fuzz)
{
    otter_context *ctx = new_context();
    otter_learner *l = new_learner(ctx, "logreg", "bits=2,optimizer=sgd");
    otter_instance *inst = new_instance();
    for (int i = 0; i < 10; i++)
        OK(otter_learner_learn(l, inst, make_row(inst, i), 1.0, err));
    otter_buf blob = OTTER_BUF_INIT;
    encode(l, &blob);
    ck_assert_int_eq(decode_exact(ctx, blob.data, blob.len, 1), OTTER_OK);
    for (size_t n = 0; n < blob.len; n++)
        EXPECT(decode_exact(ctx, blob.data, n, 0) == OTTER_CORRUPT);
    uint8_t *m = malloc(blob.len);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < blob.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, blob.data, blob.len);
            m[i] ^= (uint8_t)(1u << bit);
            EXPECT(decode_exact(ctx, m, blob.len, 0) != OTTER_OK);
            /* Checksum fixed: the decoders' own checks must hold (any clean outcome). */
            fix_crc(m, blob.len);
            decode_exact(ctx, m, blob.len, 1);
        }
    }
    free(m);
    otter_buf_free(&blob);
    otter_instance_destroy(inst);
    otter_learner_destroy(l);
    otter_context_destroy(ctx);
}
END_TEST

/* ======================================================================== suite */

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc;

    tc = tcase_create("status");
    tcase_add_test(tc, status_table);
    tcase_add_test(tc, status_first_error_wins);
    tcase_add_test(tc, status_prefix);
    tcase_add_test(tc, status_null_err);
    tcase_add_test(tc, status_truncation);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash");
    tcase_add_test(tc, murmur3_vectors);
    tcase_add_test(tc, murmur3_unaligned);
    tcase_add_test(tc, crc32c_vectors);
    tcase_add_test(tc, crc32c_incremental_unaligned);
    suite_add_tcase(s, tc);

    tc = tcase_create("rng");
    tcase_add_test(tc, rng_reference);
    tcase_add_test(tc, rng_determinism);
    tcase_add_test(tc, rng_uniform_stats);
    tcase_add_test(tc, rng_below);
    tcase_add_test(tc, rng_normal_stats);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("params");
    tcase_add_test(tc, params_set_get);
    tcase_add_test(tc, params_invalid);
    tcase_add_test(tc, params_parse);
    tcase_add_test(tc, params_resolve_defaults);
    tcase_add_test(tc, params_resolve_errors);
    tcase_add_test(tc, params_resolve_enum_bool);
    tcase_add_test(tc, params_canonical_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("instance");
    tcase_add_test(tc, instance_intern);
    tcase_add_test(tc, instance_hashes);
    tcase_add_test(tc, instance_invalid_values);
    tcase_add_test(tc, instance_clear_and_dense);
    tcase_add_test(tc, instance_many_categories);
    tcase_add_test(tc, instance_bulk_row);
    tcase_add_test(tc, instance_steady_state);
    suite_add_tcase(s, tc);

    tc = tcase_create("codec");
    tcase_add_test(tc, codec_round_trip);
    tcase_add_test(tc, codec_overrun);
    tcase_add_test(tc, blob_round_trip);
    tcase_add_test(tc, blob_versions);
    tcase_add_test(tc, blob_truncation_and_bit_flips);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("instance codec");
    tcase_add_test(tc, icodec_round_trip);
    tcase_add_test(tc, icodec_sizes);
    tcase_add_test(tc, icodec_steady_state);
    tcase_add_test(tc, icodec_truncation);
    tcase_add_test(tc, icodec_bit_flips);
    tcase_add_test(tc, icodec_foreign_and_version);
    tcase_add_loop_test(tc, icodec_structure, 0, (int)(sizeof icodec_cases / sizeof *icodec_cases));
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("context");
    tcase_add_test(tc, context_builtins);
    tcase_add_test(tc, context_register);
    tcase_add_test(tc, context_independent);
    suite_add_tcase(s, tc);

    tc = tcase_create("learner");
    tcase_add_test(tc, learner_create_errors);
    tcase_add_test(tc, learner_learn_validation);
    tcase_add_test(tc, learner_minus_one_label);
    tcase_add_test(tc, learner_round_trip);
    tcase_add_test(tc, learner_decode_errors);
    tcase_add_test(tc, learner_decode_fuzz);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(core_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests for the CLI stream readers and writers (src/cli/io_int.h): number parsing
 * against strtod, writer -> reader round trips for every format, the malformed inputs
 * under tests/data/io/ (each with the lines and messages of its errors, read with
 * skip-bad so the rows after a bad one must still come through), CSV column kinds,
 * missing cells, quoting, and write errors.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/io_int.h"
#include "otter/instance.h"
#include "otter/rng.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static otter_instance *new_instance(void)
{
    otter_instance *inst = NULL;
    ck_assert_int_eq(otter_instance_create(&inst, NULL), OTTER_OK);
    return inst;
}

/* Finds feature (ns, name) in the current row; returns 0 when absent. */
static int find_feature(const otter_instance *inst, const char *ns, const char *name,
                        otter_feature *out)
{
    for (size_t i = 0; i < otter_instance_size(inst); i++) {
        otter_feature f;
        ck_assert_int_eq(otter_instance_feature(inst, i, &f, NULL), OTTER_OK);
        if (strcmp(f.ns, ns ? ns : "") == 0 && strcmp(f.name, name) == 0) {
            *out = f;
            return 1;
        }
    }
    return 0;
}

static double num_feature(const otter_instance *inst, const char *ns, const char *name)
{
    otter_feature f;
    ck_assert_msg(find_feature(inst, ns, name, &f), "feature %s missing", name);
    ck_assert_ptr_null(f.category);
    return f.value;
}

static const char *cat_feature(const otter_instance *inst, const char *ns, const char *name)
{
    otter_feature f;
    ck_assert_msg(find_feature(inst, ns, name, &f), "feature %s missing", name);
    ck_assert_ptr_nonnull(f.category);
    return f.category;
}

static FILE *open_data(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/io/%s", TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    return f;
}

static FILE *from_string(const char *text)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    rewind(f);
    return f;
}

/* ---- parse_double ---- */

static void check_against_strtod(const char *s)
{
    double mine = 0, ref;
    char *end;
    errno = 0;
    ref = strtod(s, &end);
    int rc = otter__parse_double(s, strlen(s), &mine);
    ck_assert_msg(rc == 0, "rejected '%s'", s);
    ck_assert_msg(*end == '\0' && isfinite(ref), "strtod disagrees on '%s'", s);
    ck_assert_msg(same_bits(mine, ref), "'%s': %a vs strtod %a", s, mine, ref);
}

START_TEST(parse_double_accepts)
{
    static const char *ok[] = {
        "0", "-0", "+1", "1.", ".5", "1e5", "1E-5", "-2.5e+3", "007", "0.000123", "1e308",
        "4.9e-324", "2.2250738585072011e-308", "123456789012345678901234567890", "9007199254740993",
        "0.1", "3.14159265358979323846264338327950288", "1e-400", "1e22", "1e23", "-0.0e0",
        /* exact ties and near-ties for the 19-digit paths */
        "9007199254740995", "9007199254740994.5", "18014398509481985", "0.30000000000000004",
        "1.0000000000000002", "1.00000000000000011102230246251565404236316680908203125",
        "9999999999999999999", "1844674407370955161.5", "8.98846567431158e-27",
        "7.2057594037927933e16", "1.7976931348623157e27", "5e-27", "2.5e27"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        check_against_strtod(ok[i]);
    double v = 0;
    ck_assert_int_eq(otter__parse_double("-0", 2, &v), 0);
    ck_assert(signbit(v));
    /* no NUL needed: only the first len bytes count */
    ck_assert_int_eq(otter__parse_double("12345", 3, &v), 0);
    ck_assert(v == 123);
}
END_TEST

START_TEST(parse_double_rejects)
{
    static const char *bad[] = {"",      "1e",        "--1",      "0x10",  "nan",   "inf",
                                "-inf",  "NaN",       "1 ",       " 1",    "1,5",   ".",
                                "-",     "+",         "e5",       "1e+",   "1.2.3", "1e5x",
                                "1e309", "-1e400000", "infinity", "1_000", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 42;
        ck_assert_msg(otter__parse_double(bad[i], strlen(bad[i]), &v) == -1, "accepted '%s'",
                      bad[i]);
        ck_assert(v == 42);
    }
    ck_assert_int_eq(otter__parse_double(NULL, 0, &(double){0}), -1);
}
END_TEST

/* Random decimal strings of every shape, long and short, big and tiny exponents. */
static void random_number(char *s, size_t cap)
{
    size_t n = 0;
    uint64_t r = rng_next();
    if (r & 1)
        s[n++] = (r & 2) ? '-' : '+';
    size_t int_digits = (rng_next() % 4 == 0) ? 0 : 1 + rng_next() % 22;
    size_t frac_digits = rng_next() % 3 == 0 ? 0 : rng_next() % 22;
    if (int_digits == 0 && frac_digits == 0)
        int_digits = 1;
    for (size_t i = 0; i < int_digits && n < cap - 16; i++)
        s[n++] = (char)('0' + rng_next() % 10);
    if (frac_digits > 0 || rng_next() % 8 == 0) {
        s[n++] = '.';
        for (size_t i = 0; i < frac_digits && n < cap - 16; i++)
            s[n++] = (char)('0' + rng_next() % 10);
    }
    if (rng_next() % 2) {
        int e = (int)(rng_next() % 700) - 350;
        if (rng_next() % 2)
            e = (int)(rng_next() % 50) - 25;
        n += (size_t)snprintf(s + n, cap - n, "%c%d", (rng_next() & 1) ? 'e' : 'E', e);
    }
    s[n] = '\0';
}

START_TEST(parse_double_vs_strtod_random)
{
    char s[96];
    rng_state = 12345;
    for (int i = 0; i < 400000; i++) {
        random_number(s, sizeof s);
        double mine = 0;
        char *end;
        double ref = strtod(s, &end);
        int rc = otter__parse_double(s, strlen(s), &mine);
        if (!isfinite(ref)) {
            ck_assert_msg(rc == -1, "accepted overflowing '%s'", s);
            continue;
        }
        ck_assert_msg(rc == 0 && *end == '\0', "'%s' rc %d", s, rc);
        ck_assert_msg(same_bits(mine, ref), "'%s': %a vs strtod %a", s, mine, ref);
    }
    /* random doubles printed the ways writers print them */
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng_next();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        snprintf(s, sizeof s, (i & 1) ? "%.17g" : "%.15g", d);
        check_against_strtod(s);
        snprintf(s, sizeof s, "%.6f", fmod(d, 1e6));
        check_against_strtod(s);
    }
}
END_TEST

START_TEST(parse_double_random_garbage)
{
    /* bytes from a number-ish alphabet: whatever we accept, strtod must read entirely
     * and to the same bits; what we reject must not be a plain decimal number. */
    static const char alphabet[] = "0123456789+-.eEx n";
    char s[16];
    rng_state = 99;
    for (int i = 0; i < 300000; i++) {
        size_t n = 1 + rng_next() % 10;
        for (size_t k = 0; k < n; k++)
            s[k] = alphabet[rng_next() % (sizeof alphabet - 1)];
        s[n] = '\0';
        double mine = 0;
        if (otter__parse_double(s, n, &mine) == 0) {
            char *end;
            double ref = strtod(s, &end);
            ck_assert_msg(*end == '\0', "accepted '%s' that strtod does not read fully", s);
            ck_assert_msg(same_bits(mine, ref), "'%s': %a vs %a", s, mine, ref);
        } else {
            int plain = strspn(s, "0123456789.eE+-") == n && strchr(s, 'x') == NULL;
            if (plain) {
                char *end;
                double ref = strtod(s, &end);
                /* strtod may read a prefix ("1e" -> 1) but never the whole text */
                ck_assert_msg(*end != '\0' || !isfinite(ref), "rejected valid '%s'", s);
            }
        }
    }
}
END_TEST

/* ---- data-driven malformed inputs ---- */

typedef struct bad_case {
    const char *file;
    const char *format;
    int require_label;
    size_t good_rows;
    size_t n_errors;
    struct {
        uint64_t line;
        const char *substring;
    } errors[8];
} bad_case;

static const bad_case bad_cases[] = {
    {"bad_quote.csv",
     "csv",
     0,
     2,
     1,
     {{3, "column 'b': unexpected character after closing quote"}}},
    {"unterminated_quote.csv",
     "csv",
     0,
     1,
     1,
     {{3, "column 'b': quoted field not closed at end of input"}}},
    {"wrong_field_count.csv",
     "csv",
     0,
     2,
     2,
     {{3, "expected 3 fields, got 2"}, {4, "expected 3 fields, got 4"}}},
    {"nonnumber_in_numeric.csv", "csv", 0, 3, 1, {{4, "column 'a': not a number: 'abc'"}}},
    {"nan.csv",
     "csv",
     0,
     2,
     2,
     {{3, "column 'x': not a number: 'nan'"}, {4, "column 'x': not a number: 'inf'"}}},
    {"missing_label.csv", "csv", 1, 2, 1, {{3, "missing label"}}},
    {"bad_pair.libsvm",
     "libsvm",
     0,
     2,
     4,
     {{2, "expected index:value, got '2'"},
      {3, "bad feature index in 'x:1'"},
      {4, "feature '1': bad value"},
      {6, "label: not a number: 'abc'"}}},
    {"bad.vw",
     "vw",
     0,
     2,
     5,
     {{2, "feature 'f.a': bad value 'x'"},
      {3, "empty feature name"},
      {4, "feature 'a': value is infinite"},
      {5, "unexpected '3' before '|'"},
      {6, "no '|'"}}},
    {"bad.jsonl",
     "jsonl",
     0,
     2,
     6,
     {{2, "key 'a': arrays are not supported"},
      {3, "key 'label': expected a number"},
      {4, "invalid JSON"},
      {5, "key 'a.b': objects nest one level at most"},
      {6, "expected a JSON object"},
      {7, "duplicate"}}},
};

START_TEST(malformed_inputs)
{
    const bad_case *c = &bad_cases[_i];
    FILE *in = open_data(c->file);
    otter__reader_options opts = {.format = c->format, .require_label = c->require_label};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    size_t good = 0, n_err = 0;
    for (;;) {
        double label = -7, weight = -7;
        int eof = 0;
        otter_error_clear(&err);
        otter_status st = otter__reader_next(r, inst, &label, &weight, &eof, &err);
        if (st == OTTER_OK && eof)
            break;
        if (st == OTTER_OK) {
            good++;
            ck_assert(weight == 1.0 || weight == 0.5);
            continue;
        }
        ck_assert_msg(st == OTTER_PARSE, "%s: status %d (%s)", c->file, st, err.message);
        ck_assert_msg(n_err < c->n_errors, "%s: unexpected error '%s'", c->file, err.message);
        char want[32];
        snprintf(want, sizeof want, "line %llu: ", (unsigned long long)c->errors[n_err].line);
        ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%s: '%s' not at %s", c->file,
                      err.message, want);
        ck_assert_msg(strstr(err.message, c->errors[n_err].substring) != NULL,
                      "%s: '%s' lacks '%s'", c->file, err.message, c->errors[n_err].substring);
        ck_assert_uint_eq(otter__reader_line(r), c->errors[n_err].line);
        n_err++;
    }
    ck_assert_uint_eq(n_err, c->n_errors);
    ck_assert_uint_eq(good, c->good_rows);
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(bad_headers_and_options)
{
    otter__reader *r = NULL;
    otter_error err = {0};
    FILE *in = open_data("duplicate_header.csv");
    ck_assert_int_eq(otter__reader_open(in, NULL, &r, &err), OTTER_PARSE);
    ck_assert_str_eq(err.message, "line 1: duplicate header column 'a'");
    ck_assert_ptr_null(r);
    fclose(in);

    const struct {
        const char *text;
        otter__reader_options opts;
        otter_status st;
        const char *msg;
    } cases[] = {
        {"", {0}, OTTER_PARSE, "empty input"},
        {"a,,label\n", {0}, OTTER_PARSE, "line 1: header column 2 has an empty name"},
        {"a,label\n", {.format = "arff"}, OTTER_INVALID, "unknown input format 'arff'"},
        {"a,b\n", {.require_label = 1}, OTTER_INVALID, "label column 'label' is not"},
        {"a,label\n", {.weight = "w"}, OTTER_INVALID, "weight column 'w' is not"},
        {"a,label\n",
         {.cat = (const char *const[]){"zip"}, .n_cat = 1},
         OTTER_INVALID,
         "categorical column 'zip' is not"},
        {"a,label\n",
         {.ignore = (const char *const[]){"q"}, .n_ignore = 1},
         OTTER_INVALID,
         "ignored column 'q' is not"},
        {"\"a,label\n1,2\n", {0}, OTTER_PARSE, "quoted field not closed"},
    };
    /* a stream that cannot be read: OTTER_IO, not a silent end of input */
    in = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(in);
    otter_error_clear(&err);
    ck_assert_int_eq(otter__reader_open(in, NULL, &r, &err), OTTER_IO);
    ck_assert(strstr(err.message, "read error") != NULL);
    fclose(in);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        in = from_string(cases[i].text);
        otter_error_clear(&err);
        ck_assert_int_eq(otter__reader_open(in, &cases[i].opts, &r, &err), cases[i].st);
        ck_assert_msg(strstr(err.message, cases[i].msg) != NULL, "case %zu: '%s'", i, err.message);
        ck_assert_ptr_null(r);
        fclose(in);
    }
}
END_TEST

/* ---- CSV behaviour ---- */

START_TEST(csv_good_file)
{
    FILE *in = open_data("good.csv");
    otter__reader_options opts = {.weight = "w", .require_label = 1};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    ck_assert_uint_eq(otter__reader_line(r), 1);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(!eof && label == 1 && weight == 2);
    ck_assert_uint_eq(otter_instance_size(inst), 3); /* id, city, note; not w/_label_delay */
    ck_assert(num_feature(inst, NULL, "id") == 1);
    ck_assert_str_eq(cat_feature(inst, NULL, "city, state"), "Austin, TX");
    ck_assert_str_eq(cat_feature(inst, NULL, "note"), "said \"hi\"");

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_uint_eq(otter__reader_line(r), 4); /* after a blank line; spans 4-5 */
    ck_assert(!eof && label == 0 && weight == 1);
    ck_assert_str_eq(cat_feature(inst, NULL, "note"), "two\nlines");

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_uint_eq(otter__reader_line(r), 6);
    ck_assert(label == 1 && weight == 0.5);
    otter_feature f;
    ck_assert(!find_feature(inst, NULL, "city, state", &f)); /* empty cell: missing */
    ck_assert_uint_eq(otter_instance_size(inst), 2);

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(eof);
    fseek(in, 0, SEEK_END);
    ck_assert_uint_eq(otter__reader_bytes(r), (uint64_t)ftell(in));
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(csv_kinds_inferred_and_forced)
{
    FILE *in = from_string("num,cat,later,forced,skipme,label\n"
                           "1,a,,7,x,0\n"
                           "2,3,5,8,y,1\n"
                           "3,b,oops,9,z,0\n"
                           "4,c,6,x10,w,1\n");
    const char *cat[] = {"forced"};
    const char *ignore[] = {"skipme"};
    otter__reader_options opts = {.cat = cat, .n_cat = 1, .ignore = ignore, .n_ignore = 1};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    otter_feature f;

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(num_feature(inst, NULL, "num") == 1);
    ck_assert_str_eq(cat_feature(inst, NULL, "cat"), "a");
    ck_assert(!find_feature(inst, NULL, "later", &f)); /* empty: still undecided */
    ck_assert_str_eq(cat_feature(inst, NULL, "forced"), "7");
    ck_assert(!find_feature(inst, NULL, "skipme", &f));

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_str_eq(cat_feature(inst, NULL, "cat"), "3"); /* a number in a categorical */
    ck_assert(num_feature(inst, NULL, "later") == 5);      /* kind fixed now */

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_PARSE);
    ck_assert_str_eq(err.message, "line 4: column 'later': not a number: 'oops'");
    otter_error_clear(&err);

    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(num_feature(inst, NULL, "later") == 6);
    ck_assert_str_eq(cat_feature(inst, NULL, "forced"), "x10");
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(csv_rejected_row_does_not_fix_kind)
{
    /* row 2 would make 'a' categorical, but it is rejected (b is numeric) */
    FILE *in = from_string("a,b,label\n,1,0\nx,bad,1\n3,2,0\n");
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, NULL, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_PARSE);
    otter_error_clear(&err);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(num_feature(inst, NULL, "a") == 3);
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(csv_label_optional_and_other_instance)
{
    FILE *in = from_string("\xEF\xBB\xBF"
                           "a,label\n 1.5 ,\n2, 1 \n3,x\n"); /* BOM */
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, NULL, &r, &err), OTTER_OK);
    otter_instance *one = new_instance(), *two = new_instance();
    otter_feature_key dummy;
    ck_assert_int_eq(otter_instance_intern(two, NULL, 0, "zzz", 3, &dummy, NULL), OTTER_OK);
    double label = 0, weight;
    int eof;
    ck_assert_int_eq(otter__reader_next(r, one, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(isnan(label));
    ck_assert(num_feature(one, NULL, "a") == 1.5); /* spaces around numbers are fine */
    /* a different instance gets its own keys */
    ck_assert_int_eq(otter__reader_next(r, two, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == 1 && num_feature(two, NULL, "a") == 2);
    ck_assert_int_eq(otter__reader_next(r, two, &label, &weight, &eof, &err), OTTER_PARSE);
    ck_assert_str_eq(err.message, "line 4: column 'label': not a number: 'x'");
    otter_instance_destroy(one);
    otter_instance_destroy(two);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

/* ---- other formats ---- */

START_TEST(vw_rows)
{
    FILE *in = from_string("1 2.5 'tag |a x:2 y |b:0.5 z:4\n"
                           "-1 tag|a x\n"
                           "| color=red w:-3\n"
                           "\n"
                           "0 |\n");
    otter__reader_options opts = {.format = "vw"};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == 1 && weight == 2.5);
    ck_assert(num_feature(inst, "a", "x") == 2);
    ck_assert(num_feature(inst, "a", "y") == 1);
    ck_assert(num_feature(inst, "b", "z") == 2); /* namespace scale */
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == -1 && weight == 1); /* "tag" touching '|' is a tag */
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(isnan(label));
    ck_assert(num_feature(inst, "", "color=red") == 1);
    ck_assert(num_feature(inst, "", "w") == -3);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_uint_eq(otter__reader_line(r), 5);
    ck_assert(label == 0 && otter_instance_size(inst) == 0);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(eof);
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(jsonl_rows)
{
    FILE *in = from_string("{\"x\": 1.5, \"c\": \"red\", \"t\": true, \"f\": false, \"n\": null,"
                           " \"ns\": {\"a\": 2, \"_skip\": 1, \"s\": \"v\"}, \"_meta\": [1],"
                           " \"drop\": 9, \"label\": 1, \"w\": 3}\r\n"
                           "   \n"
                           "{\"label\": null, \"big\": 123456789012345678901234567890}\n"
                           "{\"w\": -1}\n");
    const char *ignore[] = {"drop"};
    otter__reader_options opts = {
        .format = "jsonl", .weight = "w", .ignore = ignore, .n_ignore = 1};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    otter_feature f;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == 1 && weight == 3);
    ck_assert_uint_eq(otter_instance_size(inst), 6);
    otter_instance_feature(inst, 0, &f, NULL); /* key order is kept */
    ck_assert_str_eq(f.name, "x");
    ck_assert(num_feature(inst, NULL, "x") == 1.5);
    ck_assert_str_eq(cat_feature(inst, NULL, "c"), "red");
    ck_assert(num_feature(inst, NULL, "t") == 1 && num_feature(inst, NULL, "f") == 0);
    ck_assert(!find_feature(inst, NULL, "n", &f) && !find_feature(inst, NULL, "drop", &f));
    ck_assert(num_feature(inst, "ns", "a") == 2);
    ck_assert_str_eq(cat_feature(inst, "ns", "s"), "v");
    ck_assert(!find_feature(inst, "ns", "_skip", &f));
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_uint_eq(otter__reader_line(r), 3);
    ck_assert(isnan(label) && num_feature(inst, NULL, "big") == 1.2345678901234568e29);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_PARSE);
    ck_assert(strstr(err.message, "line 4: importance weight") == err.message);
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(libsvm_rows)
{
    FILE *in = from_string("# a comment line\n+1 3:0.5 10:-2 007:1\n1:4 2:5\n");
    otter__reader_options opts = {.format = "libsvm"};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == 1);
    ck_assert(num_feature(inst, NULL, "3") == 0.5 && num_feature(inst, NULL, "10") == -2);
    ck_assert(num_feature(inst, NULL, "007") == 1);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(isnan(label) && num_feature(inst, NULL, "1") == 4);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(eof);
    otter_instance_destroy(inst);
    otter__reader_close(r);

    rewind(in);
    opts.require_label = 1;
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    inst = new_instance();
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_PARSE);
    ck_assert_str_eq(err.message, "line 3: missing label");
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

START_TEST(nul_byte_is_a_row_error)
{
    static const char text[] = "a,label\n1,0\nx\0y,1\n2,1\n";
    FILE *in = tmpfile();
    fwrite(text, 1, sizeof text - 1, in);
    rewind(in);
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, NULL, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    double label, weight;
    int eof;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_PARSE);
    ck_assert_str_eq(err.message, "line 3: NUL byte in input");
    otter_error_clear(&err);
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(label == 1 && num_feature(inst, NULL, "a") == 2);
    otter_instance_destroy(inst);
    otter__reader_close(r);
    fclose(in);
}
END_TEST

/* ---- writers and round trips ---- */

#define N_ROWS 6
static const double values[N_ROWS][2] = {{0.1, -2.5e17},
                                         {1.0 / 3.0, 1e-300},
                                         {-0.0, 123456789012345678.0},
                                         {4.9e-324, 1.7976931348623157e308},
                                         {2.0, -1.0},
                                         {0.30000000000000004, 1e15}};
static const char *const colors[N_ROWS] = {"red", "a,\"b\"", "x y", "blue", "", "z"};

/* Fills row i: x0, x1 numeric, optionally "color" categorical and ns "g" feature "v". */
static void fill_row(otter_instance *inst, int i, int with_cat, int with_ns, otter_gen_row *row)
{
    otter_instance_clear(inst);
    ck_assert_int_eq(otter_instance_num(inst, NULL, "x0", values[i][0], NULL), OTTER_OK);
    ck_assert_int_eq(otter_instance_num(inst, NULL, "x1", values[i][1], NULL), OTTER_OK);
    if (with_cat)
        ck_assert_int_eq(otter_instance_cat(inst, NULL, "color", colors[i], NULL), OTTER_OK);
    if (with_ns)
        ck_assert_int_eq(otter_instance_num(inst, "g", "v", i * 0.25, NULL), OTTER_OK);
    memset(row, 0, sizeof *row);
    row->label = i % 2;
    row->meta[0] = i == 3 ? NAN : i * 1.5;
}

static FILE *write_rows(const char *format, int with_cat, int with_ns)
{
    FILE *f = tmpfile();
    const char *meta[] = {"_label_delay"};
    otter__writer_options o = {.format = format, .n_meta = 1, .meta_names = meta, .binary = 1};
    otter__writer *w = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__writer_open(f, &o, &w, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    otter_gen_row row;
    for (int i = 0; i < N_ROWS; i++) {
        fill_row(inst, i, with_cat, with_ns, &row);
        ck_assert_msg(otter__writer_write(w, inst, &row, &err) == OTTER_OK, "%s", err.message);
    }
    ck_assert_int_eq(otter__writer_close(w, &err), OTTER_OK);
    otter_instance_destroy(inst);
    rewind(f);
    return f;
}

static void read_back(FILE *in, const char *format, int with_cat, int with_ns)
{
    otter__reader_options opts = {
        .format = format, .require_label = 1, .cat = (const char *const[]){"color"}, .n_cat = 1};
    otter__reader *r = NULL;
    otter_error err = {0};
    ck_assert_int_eq(otter__reader_open(in, &opts, &r, &err), OTTER_OK);
    otter_instance *inst = new_instance();
    const int vw = strcmp(format, "vw") == 0, csv = strcmp(format, "csv") == 0;
    const char *x0 = strcmp(format, "libsvm") == 0 ? "1" : "x0";
    const char *x1 = strcmp(format, "libsvm") == 0 ? "2" : "x1";
    for (int i = 0; i < N_ROWS; i++) {
        double label, weight;
        int eof = 0;
        ck_assert_msg(otter__reader_next(r, inst, &label, &weight, &eof, &err) == OTTER_OK,
                      "%s row %d: %s", format, i, err.message);
        ck_assert(!eof);
        ck_assert(label == (vw && i % 2 == 0 ? -1 : i % 2));
        ck_assert(weight == 1);
        ck_assert_msg(same_bits(num_feature(inst, NULL, x0), values[i][0]), "%s x0 row %d", format,
                      i);
        ck_assert_msg(same_bits(num_feature(inst, NULL, x1), values[i][1]), "%s x1 row %d", format,
                      i);
        otter_feature f;
        if (with_cat && vw) {
            char name[32];
            snprintf(name, sizeof name, "color=%s", colors[i]);
            ck_assert(num_feature(inst, NULL, name) == 1);
        } else if (with_cat && (colors[i][0] != '\0' || !csv)) {
            ck_assert_str_eq(cat_feature(inst, NULL, "color"), colors[i]);
        } else if (with_cat) {
            ck_assert(!find_feature(inst, NULL, "color", &f)); /* CSV: "" is missing */
        }
        if (with_ns)
            ck_assert(num_feature(inst, csv ? NULL : "g", csv ? "g.v" : "v") == i * 0.25);
    }
    double label, weight;
    int eof = 0;
    ck_assert_int_eq(otter__reader_next(r, inst, &label, &weight, &eof, &err), OTTER_OK);
    ck_assert(eof);
    otter_instance_destroy(inst);
    otter__reader_close(r);
}

/* Mutation fuzzing of every reader: valid inputs with random byte edits (flips,
 * structural characters, NUL, deletions, truncation), read to the end with skip-bad.
 * Every row must come back OK or as a row error (OTTER_PARSE); nothing may crash or
 * read out of bounds (the CI runs this under AddressSanitizer). Seeded: reproducible. */
static const char *const fuzz_seeds[][2] = {
    {"csv", "a,b,c,label\n1.5,x,\"q,\"\"r\",1\n-2e3,,y,0\n3,z,\"multi\nline\",1\n"},
    {"libsvm", "1 1:0.5 7:2 # c\n-1 3:1e-3 10:4\n0 2:7\n"},
    {"vw", "1 2.0 'tag|ns a:1 b c:3.5 |other d e:-1\n-1 |ns:2 a:1\n0 | x y:2\n"},
    {"jsonl", "{\"a\":1.5,\"c\":\"red\",\"ns\":{\"x\":2},\"label\":1}\n"
              "{\"a\":null,\"b\":true,\"label\":0,\"_m\":3}\n"},
};

static void fuzz_one(const char *format, const char *text, size_t len)
{
    FILE *f = len ? fmemopen((void *)text, len, "r") : fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(f);
    otter__reader_options o = {format, NULL, NULL, NULL, 0, NULL, 0, 0};
    otter__reader *r = NULL;
    otter_error e = {OTTER_OK, {0}};
    otter_status st = otter__reader_open(f, &o, &r, &e);
    if (st == OTTER_OK) {
        otter_instance *inst = new_instance();
        for (int rows = 0; rows < 1000; rows++) { /* inputs are tiny: never reached */
            double label, weight;
            int eof = 0;
            otter_error re = {OTTER_OK, {0}};
            st = otter__reader_next(r, inst, &label, &weight, &eof, &re);
            if (st != OTTER_OK && st != OTTER_PARSE)
                ck_abort_msg("%s: status %s (%s)", format, otter_status_name(st), re.message);
            if (st == OTTER_OK && eof)
                break;
            if (st == OTTER_PARSE && strncmp(re.message, "line ", 5) != 0)
                ck_abort_msg("%s: row error without a line number: %s", format, re.message);
        }
        otter_instance_destroy(inst);
        otter__reader_close(r);
    } else if (st != OTTER_PARSE && st != OTTER_INVALID) {
        ck_abort_msg("%s open: %s (%s)", format, otter_status_name(st), e.message);
    }
    fclose(f);
}

START_TEST(readers_survive_mutations)
{
    static const char specials[] = {'"', ',',  ':', '|', '{', '}', '\n', '\r', '\0',
                                    ' ', '\'', '#', '-', 'e', '.', '9',  '\\', '['};
    otter_rng rng;
    otter_rng_seed(&rng, 2026);
    for (size_t s = 0; s < sizeof fuzz_seeds / sizeof *fuzz_seeds; s++) {
        const char *seed = fuzz_seeds[s][1];
        size_t n = strlen(seed);
        char *buf = malloc(2 * n + 8);
        ck_assert_ptr_nonnull(buf);
        for (int iter = 0; iter < 3000; iter++) {
            size_t len = n;
            memcpy(buf, seed, n);
            int edits = 1 + (int)otter_rng_below(&rng, 4);
            for (int k = 0; k < edits && len > 0; k++) {
                size_t pos = (size_t)otter_rng_below(&rng, len);
                switch (otter_rng_below(&rng, 4)) {
                case 0: buf[pos] = (char)(buf[pos] ^ (1 << otter_rng_below(&rng, 8))); break;
                case 1: buf[pos] = specials[otter_rng_below(&rng, sizeof specials)]; break;
                case 2:
                    memmove(buf + pos, buf + pos + 1, len - pos - 1);
                    len--;
                    break;
                default:
                    if (len < 2 * n) {
                        memmove(buf + pos + 1, buf + pos, len - pos);
                        len++;
                        buf[pos] = specials[otter_rng_below(&rng, sizeof specials)];
                    }
                }
            }
            if (otter_rng_below(&rng, 8) == 0)
                len = (size_t)otter_rng_below(&rng, len + 1); /* truncated input */
            /* an exact-size heap copy, so a read past the end is caught by ASan */
            char *exact = malloc(len ? len : 1);
            ck_assert_ptr_nonnull(exact);
            memcpy(exact, buf, len);
            fuzz_one(fuzz_seeds[s][0], exact, len);
            free(exact);
        }
        free(buf);
    }
}
END_TEST

START_TEST(round_trip_csv)
{
    FILE *f = write_rows("csv", 1, 1);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "x0,x1,color,g.v,label,_label_delay\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "0.1,-2.5e+17,red,0,0,0\n");
    rewind(f);
    read_back(f, "csv", 1, 1);
    fclose(f);
}
END_TEST

START_TEST(round_trip_libsvm)
{
    FILE *f = write_rows("libsvm", 0, 0);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "0 1:0.1 2:-2.5e+17\n");
    rewind(f);
    read_back(f, "libsvm", 0, 0);
    fclose(f);
}
END_TEST

START_TEST(round_trip_vw)
{
    /* "x y" cannot be a VW category: write the other colours only */
    FILE *f = write_rows("vw", 0, 1);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "-1 | x0:0.1 x1:-2.5e+17 |g v:0\n");
    rewind(f);
    read_back(f, "vw", 0, 1);
    fclose(f);
}
END_TEST

START_TEST(round_trip_jsonl)
{
    FILE *f = write_rows("jsonl", 1, 1);
    char line[256];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "{\"x0\":0.1,\"x1\":-2.5e+17,\"color\":\"red\","
                           "\"g\":{\"v\":0},\"label\":0,\"_label_delay\":0}\n");
    rewind(f);
    read_back(f, "jsonl", 1, 1);
    fclose(f);
}
END_TEST

START_TEST(writer_rejections)
{
    FILE *f = tmpfile();
    otter__writer *w = NULL;
    otter_error err = {0};
    otter_instance *inst = new_instance();
    otter_gen_row row = {0};

    otter__writer_options bad = {.format = "parquet"};
    ck_assert_int_eq(otter__writer_open(f, &bad, &w, &err), OTTER_INVALID);
    ck_assert_ptr_null(w);

    /* csv: a later row must match the header */
    otter_error_clear(&err);
    ck_assert_int_eq(otter__writer_open(f, NULL, &w, &err), OTTER_OK);
    otter_instance_num(inst, NULL, "a", 1, NULL);
    otter_instance_num(inst, NULL, "b", 2, NULL);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_OK);
    otter_instance_clear(inst);
    otter_instance_num(inst, NULL, "b", 2, NULL);
    otter_instance_num(inst, NULL, "a", 1, NULL);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_INVALID);
    ck_assert(strstr(err.message, "row 2: feature 1 ('b')") != NULL);
    otter_error_clear(&err);
    otter_instance_clear(inst);
    otter_instance_num(inst, NULL, "a", 1, NULL);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_INVALID);
    otter_error_clear(&err);
    row.label = NAN;
    otter_instance_num(inst, NULL, "b", 3, NULL);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_INVALID);
    row.label = 0;
    otter_error_clear(&err);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_OK);
    ck_assert_int_eq(otter__writer_close(w, &err), OTTER_OK);
    rewind(f);
    char text[128] = {0};
    ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
    ck_assert_str_eq(text, "a,b,label\n1,2,0\n1,3,0\n"); /* failed rows left no trace */

    /* libsvm: no categoricals; vw: no spaces; csv/jsonl: no feature named like the label */
    static const struct {
        const char *format, *name, *value;
        otter_status st;
        const char *msg;
    } cases[] = {
        {"libsvm", "color", "red", OTTER_UNSUPPORTED, "categorical feature 'color'"},
        {"vw", "color", "dark red", OTTER_UNSUPPORTED, "feature 'color'"},
        {"vw", "a|b", NULL, OTTER_UNSUPPORTED, "feature 'a|b'"},
        {"csv", "label", NULL, OTTER_INVALID, "feature 'label'"},
        {"jsonl", "label", "x", OTTER_INVALID, "feature 'label'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        otter__writer_options o = {.format = cases[i].format};
        otter_error_clear(&err);
        ck_assert_int_eq(otter__writer_open(f, &o, &w, &err), OTTER_OK);
        otter_instance_clear(inst);
        if (cases[i].value)
            otter_instance_cat(inst, NULL, cases[i].name, cases[i].value, NULL);
        else
            otter_instance_num(inst, NULL, cases[i].name, 1, NULL);
        ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), cases[i].st);
        ck_assert_msg(strstr(err.message, cases[i].msg) != NULL, "%zu: %s", i, err.message);
        ck_assert_int_eq(otter__writer_close(w, NULL), OTTER_OK);
    }

    /* dense arrays are not written */
    otter_error_clear(&err);
    ck_assert_int_eq(otter__writer_open(f, NULL, &w, &err), OTTER_OK);
    otter_instance_clear(inst);
    ck_assert_int_eq(otter_instance_set_dense(inst, (const double[]){1, 2}, 2, NULL), OTTER_OK);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, &err), OTTER_UNSUPPORTED);
    otter__writer_close(w, NULL);
    otter_instance_destroy(inst);
    fclose(f);
}
END_TEST

START_TEST(writer_reports_write_errors)
{
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        return; /* no /dev/full here */
    otter__writer *w = NULL;
    otter_error err = {0};
    otter_instance *inst = new_instance();
    otter_gen_row row = {0};
    otter__writer_options o = {.format = "libsvm"};
    ck_assert_int_eq(otter__writer_open(f, &o, &w, &err), OTTER_OK);
    otter_instance_num(inst, NULL, "a", 0.123456789, NULL);
    otter_status st = OTTER_OK;
    for (int i = 0; i < 100000 && st == OTTER_OK; i++) /* > 64 KiB: forces a flush */
        st = otter__writer_write(w, inst, &row, &err);
    ck_assert_int_eq(st, OTTER_IO);
    ck_assert(strstr(err.message, "write error") != NULL);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, NULL), OTTER_STATE);
    ck_assert_int_eq(otter__writer_close(w, NULL), OTTER_IO);
    fclose(f);

    /* an error that only shows when the stream is flushed at close */
    f = fopen("/dev/full", "w");
    ck_assert_int_eq(otter__writer_open(f, &o, &w, &err), OTTER_OK);
    ck_assert_int_eq(otter__writer_write(w, inst, &row, NULL), OTTER_OK);
    otter_error_clear(&err);
    ck_assert_int_eq(otter__writer_close(w, &err), OTTER_IO);
    ck_assert(strstr(err.message, "write error") != NULL);
    fclose(f);
    otter_instance_destroy(inst);
}
END_TEST

/* Odd columns: short decimals (the %.15g case); even: any finite bit pattern. */
static double random_value(int k)
{
    double v;
    do {
        uint64_t bits = rng_next();
        memcpy(&v, &bits, sizeof v);
        if (k % 2)
            v = (double)(int64_t)(rng_next() % 2000000) / 1000.0 - 1000;
    } while (!isfinite(v));
    return v;
}

START_TEST(writer_large_round_trip)
{
    /* many random doubles through csv: every one must come back bit-identical */
    FILE *f = tmpfile();
    otter__writer *w = NULL;
    otter_instance *inst = new_instance();
    otter_gen_row row = {0};
    enum { ROWS = 20000, COLS = 8 };
    ck_assert_int_eq(otter__writer_open(f, NULL, &w, NULL), OTTER_OK);
    rng_state = 7;
    for (int i = 0; i < ROWS; i++) {
        otter_instance_clear(inst);
        for (int k = 0; k < COLS; k++) {
            char name[16];
            snprintf(name, sizeof name, "f%u", (unsigned)k);
            double v = random_value(k);
            otter_instance_num(inst, NULL, name, v, NULL);
        }
        row.label = (double)(i % 3);
        ck_assert_int_eq(otter__writer_write(w, inst, &row, NULL), OTTER_OK);
    }
    ck_assert_int_eq(otter__writer_close(w, NULL), OTTER_OK);
    rewind(f);
    otter__reader *r = NULL;
    ck_assert_int_eq(otter__reader_open(f, NULL, &r, NULL), OTTER_OK);
    otter_instance *back = new_instance();
    rng_state = 7;
    for (int i = 0; i < ROWS; i++) {
        double label, weight;
        int eof;
        ck_assert_int_eq(otter__reader_next(r, back, &label, &weight, &eof, NULL), OTTER_OK);
        ck_assert(!eof && label == i % 3);
        for (int k = 0; k < COLS; k++) {
            char name[16];
            snprintf(name, sizeof name, "f%u", (unsigned)k);
            double v = random_value(k);
            ck_assert_msg(same_bits(num_feature(back, NULL, name), v), "row %d col %d", i, k);
        }
    }
    otter__reader_close(r);
    otter_instance_destroy(back);
    otter_instance_destroy(inst);
    fclose(f);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("parse_double");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parse_double_accepts);
    tcase_add_test(tc, parse_double_rejects);
    tcase_add_test(tc, parse_double_vs_strtod_random);
    tcase_add_test(tc, parse_double_random_garbage);
    suite_add_tcase(s, tc);

    tc = tcase_create("read");
    tcase_add_loop_test(tc, malformed_inputs, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, bad_headers_and_options);
    tcase_add_test(tc, csv_good_file);
    tcase_add_test(tc, csv_kinds_inferred_and_forced);
    tcase_add_test(tc, csv_rejected_row_does_not_fix_kind);
    tcase_add_test(tc, csv_label_optional_and_other_instance);
    tcase_add_test(tc, vw_rows);
    tcase_add_test(tc, jsonl_rows);
    tcase_add_test(tc, libsvm_rows);
    tcase_add_test(tc, nul_byte_is_a_row_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("write");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, readers_survive_mutations);
    tcase_add_test(tc, round_trip_csv);
    tcase_add_test(tc, round_trip_libsvm);
    tcase_add_test(tc, round_trip_vw);
    tcase_add_test(tc, round_trip_jsonl);
    tcase_add_test(tc, writer_rejections);
    tcase_add_test(tc, writer_reports_write_errors);
    tcase_add_test(tc, writer_large_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(io_suite());
    if (getenv("CK_FORK") == NULL) /* CK_FORK=no runs in-process (debuggers, valgrind) */
        srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

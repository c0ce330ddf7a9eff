/* Fast, exact parsing of decimal numbers for the stream readers.
 *
 * Reading a CSV or libsvm file is mostly turning digits into doubles, and strtod needs a
 * NUL-terminated string, honours the locale and is slow. Here one pass checks the
 * syntax and collects up to 19 significant digits. When the digits fit in 53 bits and
 * the decimal exponent is within +-22, both the mantissa and the power of ten are exact
 * doubles, so one IEEE multiply or divide gives the correctly rounded result (Clinger's
 * fast path). Numbers with up to 19 digits (printed doubles have 17) and exponents
 * within +-27 take a second path where long double has a 64-bit mantissa (x86), which
 * is exact except in rare, detected near-tie cases (see parse_extended). Everything
 * else (long mantissas, large exponents, those near ties) goes to strtod on a
 * NUL-terminated copy, after our own syntax check, so results are bit-identical.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

/* Exponents beyond this are clamped while scanning: far outside double's range, so
 * strtod gives 0 or overflow either way, and the int cannot overflow. */
#define EXP_CLAMP 100000
#define MAX_FAST_DIGITS 19
#define STACK_COPY 128

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The syntax scan's findings. */
typedef struct scan {
    int negative;
    uint64_t mantissa; /* first significant digits (up to MAX_FAST_DIGITS) */
    int n_sig;         /* significant digits seen (may exceed MAX_FAST_DIGITS) */
    long exp10;        /* value = mantissa * 10^exp10, when n_sig <= MAX_FAST_DIGITS */
} scan;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Eight ASCII digits at p as their value, or NO8 when any of the bytes is not a digit
 * (SWAR: all eight are checked and combined with three multiplies instead of a loop;
 * printed doubles have 17 digits, so this halves the CSV reader's hot loop). */
#define NO8 UINT64_MAX
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HAVE_SWAR8 1
#else
#define HAVE_SWAR8 0 /* the byte order below assumes little-endian loads */
#endif

static uint64_t swar8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    uint64_t lo = v - UINT64_C(0x3030303030303030);
    /* every byte in '0'..'9': high nibble 3, and adding 6 does not carry out of the nibble */
    if ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) != UINT64_C(0x3030303030303030) ||
        ((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) !=
            UINT64_C(0x3030303030303030))
        return NO8;
    /* Little-endian: byte 0 is the most significant digit. Pairs, then quads, then all. */
    lo = (lo * 10) + (lo >> 8);
    lo = (((lo & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
          (((lo >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
         32;
    return lo & 0xffffffffu;
}

/* Consumes digits at s[*i..len), folding them into sc; `frac` marks fraction digits.
 * Works on locals so the loop stays in registers (this is the CSV reader's hot loop). */
static size_t scan_digits(const char *s, size_t len, size_t *i, int frac, scan *sc)
{
    size_t j = *i;
    uint64_t m = sc->mantissa;
    int n = sc->n_sig;
    long e = sc->exp10;
    while (j < len) {
        uint64_t eight;
        if (HAVE_SWAR8 && n > 0 && n + 8 <= MAX_FAST_DIGITS && len - j >= 8 &&
            (eight = swar8(s + j)) != NO8) {
            m = m * 100000000u + eight;
            n += 8;
            e -= 8 * frac;
            j += 8;
            continue;
        }
        unsigned d = (unsigned)(unsigned char)s[j] - '0';
        if (d > 9)
            break;
        j++;
        if (n == 0 && d == 0) {
            e -= frac; /* a leading zero after the point only shifts the scale */
            continue;
        }
        if (n < MAX_FAST_DIGITS) {
            m = m * 10u + d;
            e -= frac;
        } else {
            e += !frac; /* dropped integer digit (only matters for the fast-path test) */
        }
        n++;
    }
    sc->mantissa = m;
    sc->n_sig = n;
    sc->exp10 = e;
    size_t consumed = j - *i;
    *i = j;
    return consumed;
}

/* Validates the syntax; returns 0 and fills sc, or -1. */
static int scan_number(const char *s, size_t len, scan *sc)
{
    size_t i = 0;
    memset(sc, 0, sizeof *sc);
    if (i < len && (s[i] == '+' || s[i] == '-'))
        sc->negative = s[i++] == '-';
    size_t n_digits = scan_digits(s, len, &i, 0, sc);
    if (i < len && s[i] == '.') {
        i++;
        n_digits += scan_digits(s, len, &i, 1, sc);
    }
    if (n_digits == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i == len || !is_digit(s[i]))
            return -1;
        long e = 0;
        for (; i < len && is_digit(s[i]); i++)
            if (e < EXP_CLAMP)
                e = e * 10 + (s[i] - '0');
        sc->exp10 += eneg ? -e : e;
    }
    return i == len ? 0 : -1;
}

#if LDBL_MANT_DIG == 64
static const long double pow10_ld[28] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

/* 10^-k rounded to long double: multiplying is several times faster than dividing. */
static const long double pow10_neg_ld[28] = {
    1e-0L,  1e-1L,  1e-2L,  1e-3L,  1e-4L,  1e-5L,  1e-6L,  1e-7L,  1e-8L,  1e-9L,
    1e-10L, 1e-11L, 1e-12L, 1e-13L, 1e-14L, 1e-15L, 1e-16L, 1e-17L, 1e-18L, 1e-19L,
    1e-20L, 1e-21L, 1e-22L, 1e-23L, 1e-24L, 1e-25L, 1e-26L, 1e-27L,
};

/* The extended-precision path described at the top. For negative exponents r is
 * m * RN(10^-k), two roundings of at most 2^-64 relative each, so r is within 2
 * long-double ulps of the true value v. Rounding r and v to double can then only differ
 * when a double midpoint (low 11 bits 0x400 on the long-double grid) or a power of two
 * (a binade edge, where the grid changes) lies within those 2 ulps of r; both are
 * detected with a margin and left to strtod. Positive exponents use the exact 10^k and
 * one rounding, which the same test covers. Returns -1 when it cannot decide. */
static int parse_extended(const scan *sc, double *out)
{
    if (sc->n_sig > MAX_FAST_DIGITS || sc->exp10 < -27 || sc->exp10 > 27)
        return -1;
    long double m = (long double)sc->mantissa;
    long double r = sc->exp10 < 0 ? m * pow10_neg_ld[-sc->exp10] : m * pow10_ld[sc->exp10];
    /* r is normal (mantissa < 2^64, |exponent| <= 27): its explicit 64-bit significand
     * sits in the low 8 bytes, and double keeps its top 53 bits. */
    uint64_t sig;
    memcpy(&sig, &r, sizeof sig);
    uint64_t low = sig & 0x7ff;
    if ((low >= 0x400 - 4 && low <= 0x400 + 4) || sig <= UINT64_C(0x8000000000000004) ||
        sig >= UINT64_C(0xfffffffffffffffb))
        return -1;
    double d = (double)r;
    *out = sc->negative ? -d : d;
    return 0;
}
#endif

/* strtod on a NUL-terminated copy; the syntax is already known to be good. */
static int parse_slow(const char *s, size_t len, double *out)
{
    char stack[STACK_COPY];
    char *copy = len < sizeof stack ? stack : malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    char *end = NULL;
    double v = strtod(copy, &end);
    int ok = end == copy + len && isfinite(v);
    if (copy != stack)
        free(copy);
    if (!ok)
        return -1;
    *out = v;
    return 0;
}

int otter__parse_double(const char *s, size_t len, double *out)
{
    scan sc;
    if (s == NULL || scan_number(s, len, &sc) != 0)
        return -1;
#if FLT_EVAL_METHOD == 0
    if (sc.n_sig == 0) {
        *out = sc.negative ? -0.0 : 0.0;
        return 0;
    }
    if (sc.n_sig <= MAX_FAST_DIGITS && sc.mantissa <= (UINT64_C(1) << 53) && sc.exp10 >= -22 &&
        sc.exp10 <= 22) {
        double v = (double)sc.mantissa;
        v = sc.exp10 < 0 ? v / pow10_exact[-sc.exp10] : v * pow10_exact[sc.exp10];
        *out = sc.negative ? -v : v;
        return 0;
    }
#endif
#if LDBL_MANT_DIG == 64
    if (parse_extended(&sc, out) == 0)
        return 0;
#endif
    return parse_slow(s, len, out);
}

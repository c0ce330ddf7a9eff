/* Fast, exact parsing of decimal numbers for the stream readers.
 *
 * Reading a CSV or libsvm file is mostly turning digits into doubles, and strtod needs a
 * NUL-terminated string, honours the locale and is slow. Here one pass checks the
 * syntax and collects up to 19 significant digits. When the digits fit in 53 bits and
 * the decimal exponent is within +-22, both the mantissa and the power of ten are exact
 * doubles, so one IEEE multiply or divide gives the correctly rounded result (Clinger's
 * fast path). Numbers with up to 19 digits (printed doubles have 17) and exponents
 * within +-27 go through Eisel-Lemire with a 55-entry table (see parse_eisel_lemire).
 * Everything else (longer mantissas, larger exponents) goes to strtod on a
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

static inline __attribute__((always_inline)) uint64_t swar8(const char *p)
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
static inline __attribute__((always_inline)) size_t scan_digits(const char *s, size_t len,
                                                                size_t *i, int frac, scan *sc)
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
static inline __attribute__((always_inline)) int scan_number(const char *s, size_t len, scan *sc)
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

/* 5^q for q in [-27, 27] as 128-bit values normalized so that bit 127 is set: truncated
 * for q >= 0, rounded up for q < 0 (2^b / 5^-q + 1), as Eisel-Lemire needs. Generated
 * with Python's exact integers:
 *   q >= 0: c = 5**q, doubled until >= 2**127, halved until < 2**128
 *   q <  0: z = bit length of 5**-q; c = 2**(z + 127) // 5**-q + 1 */
static const uint64_t pow5_128[55][2] = {
    {UINT64_C(0x9e74d1b791e07e48), UINT64_C(0x775ea264cf55347e)}, /* 5^-27 */
    {UINT64_C(0xc612062576589dda), UINT64_C(0x95364afe032a819e)}, /* 5^-26 */
    {UINT64_C(0xf79687aed3eec551), UINT64_C(0x3a83ddbd83f52205)}, /* 5^-25 */
    {UINT64_C(0x9abe14cd44753b52), UINT64_C(0xc4926a9672793543)}, /* 5^-24 */
    {UINT64_C(0xc16d9a0095928a27), UINT64_C(0x75b7053c0f178294)}, /* 5^-23 */
    {UINT64_C(0xf1c90080baf72cb1), UINT64_C(0x5324c68b12dd6339)}, /* 5^-22 */
    {UINT64_C(0x971da05074da7bee), UINT64_C(0xd3f6fc16ebca5e04)}, /* 5^-21 */
    {UINT64_C(0xbce5086492111aea), UINT64_C(0x88f4bb1ca6bcf585)}, /* 5^-20 */
    {UINT64_C(0xec1e4a7db69561a5), UINT64_C(0x2b31e9e3d06c32e6)}, /* 5^-19 */
    {UINT64_C(0x9392ee8e921d5d07), UINT64_C(0x3aff322e62439fd0)}, /* 5^-18 */
    {UINT64_C(0xb877aa3236a4b449), UINT64_C(0x09befeb9fad487c3)}, /* 5^-17 */
    {UINT64_C(0xe69594bec44de15b), UINT64_C(0x4c2ebe687989a9b4)}, /* 5^-16 */
    {UINT64_C(0x901d7cf73ab0acd9), UINT64_C(0x0f9d37014bf60a11)}, /* 5^-15 */
    {UINT64_C(0xb424dc35095cd80f), UINT64_C(0x538484c19ef38c95)}, /* 5^-14 */
    {UINT64_C(0xe12e13424bb40e13), UINT64_C(0x2865a5f206b06fba)}, /* 5^-13 */
    {UINT64_C(0x8cbccc096f5088cb), UINT64_C(0xf93f87b7442e45d4)}, /* 5^-12 */
    {UINT64_C(0xafebff0bcb24aafe), UINT64_C(0xf78f69a51539d749)}, /* 5^-11 */
    {UINT64_C(0xdbe6fecebdedd5be), UINT64_C(0xb573440e5a884d1c)}, /* 5^-10 */
    {UINT64_C(0x89705f4136b4a597), UINT64_C(0x31680a88f8953031)}, /* 5^-9 */
    {UINT64_C(0xabcc77118461cefc), UINT64_C(0xfdc20d2b36ba7c3e)}, /* 5^-8 */
    {UINT64_C(0xd6bf94d5e57a42bc), UINT64_C(0x3d32907604691b4d)}, /* 5^-7 */
    {UINT64_C(0x8637bd05af6c69b5), UINT64_C(0xa63f9a49c2c1b110)}, /* 5^-6 */
    {UINT64_C(0xa7c5ac471b478423), UINT64_C(0x0fcf80dc33721d54)}, /* 5^-5 */
    {UINT64_C(0xd1b71758e219652b), UINT64_C(0xd3c36113404ea4a9)}, /* 5^-4 */
    {UINT64_C(0x83126e978d4fdf3b), UINT64_C(0x645a1cac083126ea)}, /* 5^-3 */
    {UINT64_C(0xa3d70a3d70a3d70a), UINT64_C(0x3d70a3d70a3d70a4)}, /* 5^-2 */
    {UINT64_C(0xcccccccccccccccc), UINT64_C(0xcccccccccccccccd)}, /* 5^-1 */
    {UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000000)}, /* 5^0 */
    {UINT64_C(0xa000000000000000), UINT64_C(0x0000000000000000)}, /* 5^1 */
    {UINT64_C(0xc800000000000000), UINT64_C(0x0000000000000000)}, /* 5^2 */
    {UINT64_C(0xfa00000000000000), UINT64_C(0x0000000000000000)}, /* 5^3 */
    {UINT64_C(0x9c40000000000000), UINT64_C(0x0000000000000000)}, /* 5^4 */
    {UINT64_C(0xc350000000000000), UINT64_C(0x0000000000000000)}, /* 5^5 */
    {UINT64_C(0xf424000000000000), UINT64_C(0x0000000000000000)}, /* 5^6 */
    {UINT64_C(0x9896800000000000), UINT64_C(0x0000000000000000)}, /* 5^7 */
    {UINT64_C(0xbebc200000000000), UINT64_C(0x0000000000000000)}, /* 5^8 */
    {UINT64_C(0xee6b280000000000), UINT64_C(0x0000000000000000)}, /* 5^9 */
    {UINT64_C(0x9502f90000000000), UINT64_C(0x0000000000000000)}, /* 5^10 */
    {UINT64_C(0xba43b74000000000), UINT64_C(0x0000000000000000)}, /* 5^11 */
    {UINT64_C(0xe8d4a51000000000), UINT64_C(0x0000000000000000)}, /* 5^12 */
    {UINT64_C(0x9184e72a00000000), UINT64_C(0x0000000000000000)}, /* 5^13 */
    {UINT64_C(0xb5e620f480000000), UINT64_C(0x0000000000000000)}, /* 5^14 */
    {UINT64_C(0xe35fa931a0000000), UINT64_C(0x0000000000000000)}, /* 5^15 */
    {UINT64_C(0x8e1bc9bf04000000), UINT64_C(0x0000000000000000)}, /* 5^16 */
    {UINT64_C(0xb1a2bc2ec5000000), UINT64_C(0x0000000000000000)}, /* 5^17 */
    {UINT64_C(0xde0b6b3a76400000), UINT64_C(0x0000000000000000)}, /* 5^18 */
    {UINT64_C(0x8ac7230489e80000), UINT64_C(0x0000000000000000)}, /* 5^19 */
    {UINT64_C(0xad78ebc5ac620000), UINT64_C(0x0000000000000000)}, /* 5^20 */
    {UINT64_C(0xd8d726b7177a8000), UINT64_C(0x0000000000000000)}, /* 5^21 */
    {UINT64_C(0x878678326eac9000), UINT64_C(0x0000000000000000)}, /* 5^22 */
    {UINT64_C(0xa968163f0a57b400), UINT64_C(0x0000000000000000)}, /* 5^23 */
    {UINT64_C(0xd3c21bcecceda100), UINT64_C(0x0000000000000000)}, /* 5^24 */
    {UINT64_C(0x84595161401484a0), UINT64_C(0x0000000000000000)}, /* 5^25 */
    {UINT64_C(0xa56fa5b99019a5c8), UINT64_C(0x0000000000000000)}, /* 5^26 */
    {UINT64_C(0xcecb8f27f4200f3a), UINT64_C(0x0000000000000000)}, /* 5^27 */
};

static int floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021): the
 * correctly rounded double of mantissa * 10^q from one or two 64x128-bit products.
 * Restricted to q in [-27, 27], where the algorithm never needs a slower fallback, and
 * to normal results (always the case there). Returns -1 outside that domain. */
static int parse_eisel_lemire(const scan *sc, double *out)
{
    if (sc->n_sig > MAX_FAST_DIGITS || sc->exp10 < -27 || sc->exp10 > 27 || sc->mantissa == 0)
        return -1;
    int q = (int)sc->exp10;
    int lz = __builtin_clzll(sc->mantissa);
    uint64_t w = sc->mantissa << lz;
    const uint64_t *t = pow5_128[q + 27];
    unsigned __int128 first = (unsigned __int128)w * t[0];
    uint64_t hi = (uint64_t)(first >> 64), lo = (uint64_t)first;
    if ((hi & 0x1ff) == 0x1ff) { /* the bits that decide rounding are not settled yet */
        uint64_t second_hi = (uint64_t)(((unsigned __int128)w * t[1]) >> 64);
        lo += second_hi;
        hi += second_hi > lo;
    }
    int upperbit = (int)(hi >> 63);
    uint64_t mantissa = hi >> (upperbit + 9); /* 54 bits: the result and a round bit */
    int power2 = floor_div(217706 * q, 65536) + 63 + upperbit - lz + 1023;
    /* exactly halfway (nothing below the round bit): round to even, not up */
    if (lo <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1 && (mantissa << (upperbit + 9)) == hi)
        mantissa &= ~(uint64_t)1;
    mantissa += mantissa & 1;
    mantissa >>= 1;
    if (mantissa >= (UINT64_C(2) << 52)) { /* rounding carried into a new binade */
        mantissa = UINT64_C(1) << 52;
        power2++;
    }
    if (power2 <= 0 || power2 >= 2047)
        return -1;
    uint64_t bits = (mantissa & ~(UINT64_C(1) << 52)) | ((uint64_t)power2 << 52) |
                    ((uint64_t)sc->negative << 63);
    memcpy(out, &bits, sizeof bits);
    return 0;
}

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
    if (parse_eisel_lemire(&sc, out) == 0)
        return 0;
    return parse_slow(s, len, out);
}

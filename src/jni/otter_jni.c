/* The JNI binding: the native half of the Java API in flink/ (org.otter.Native).
 *
 * Each Java handle is the address of a small struct (jlearner, jbandit, jstore) that
 * starts with a magic number and a kind, checked on every call, so 0 (a closed handle)
 * or a handle of the wrong kind throws org.otter.OtterException instead of crashing.
 * Every argument is validated here or by the C library before any state changes, and
 * every error becomes an OtterException carrying the C status name and message.
 *
 * Rows cross as one direct buffer per record (or per batch) in the layout documented in
 * Features.java and docs/flink.md, decoded straight into a reused otter_instance: names
 * are interned once, so steady-state rows allocate nothing. Strings (types, names, event
 * ids) are read with GetStringUTFRegion into stack buffers and converted from Java's
 * modified UTF-8 to real UTF-8 (rejecting NUL and unpaired surrogates); C strings go back
 * the other way, so any bytes the library reports reach Java intact.
 *
 * The only globals are the classes and method ids cached in JNI_OnLoad (released in
 * JNI_OnUnload). Each class loader that loads the library gets its own copy of it (see
 * NativeLibrary.java), so these never cross class loaders. OtterException is held by a
 * weak reference: a strong one would keep its class loader, and so this copy of the
 * library, alive after the job that loaded it is gone (JNI_OnUnload would never run).
 */
#include <jni.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jni/org_otter_Native.h"
#include "otter/otter.h"

/* ---- cached classes and methods ---- */

static jweak exc_class;     /* org.otter.OtterException (weak: see above) */
static jmethodID exc_init;  /* OtterException(String status, String detail) */
static jclass string_class; /* java.lang.String */
static jmethodID out_write; /* java.io.OutputStream.write(byte[], int, int) */
static jmethodID in_read;   /* java.io.InputStream.read(byte[], int, int) */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    jclass c = (*env)->FindClass(env, "org/otter/OtterException");
    if (!c || !(exc_class = (*env)->NewWeakGlobalRef(env, c)))
        return JNI_ERR;
    exc_init = (*env)->GetMethodID(env, c, "<init>", "(Ljava/lang/String;Ljava/lang/String;)V");
    jclass s = (*env)->FindClass(env, "java/lang/String");
    if (!exc_init || !s || !(string_class = (*env)->NewGlobalRef(env, s)))
        return JNI_ERR;
    jclass o = (*env)->FindClass(env, "java/io/OutputStream");
    jclass i = (*env)->FindClass(env, "java/io/InputStream");
    if (!o || !i)
        return JNI_ERR;
    out_write = (*env)->GetMethodID(env, o, "write", "([BII)V");
    in_read = (*env)->GetMethodID(env, i, "read", "([BII)I");
    if (!out_write || !in_read)
        return JNI_ERR;
    return JNI_VERSION_1_8;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return;
    if (exc_class)
        (*env)->DeleteWeakGlobalRef(env, exc_class);
    if (string_class)
        (*env)->DeleteGlobalRef(env, string_class);
    exc_class = string_class = NULL;
}

/* ---- UTF-8 both ways ---- */

/* Length of the valid UTF-8 sequence at p (strict: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0; *cp receives the code point. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t b = p[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (!len || len > n || b > 0xF4)
        return 0;
    uint32_t c = b & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* 0 when (p, n) is valid UTF-8 without NUL; otherwise the 1-based offset of the first
 * bad byte. */
static size_t utf8_bad(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (!k || cp == 0)
            return i + 1;
        i += k;
    }
    return 0;
}

/* A Java string from UTF-8 bytes: converted to modified UTF-8 (NUL as C0 80, code points
 * above U+FFFF as surrogate pairs) for NewStringUTF; invalid bytes become '?'. NULL
 * with an OutOfMemoryError pending when memory runs out. */
static jstring new_string(JNIEnv *env, const char *s, size_t n)
{
    char small[512];
    size_t cap = 2 * n + 1;
    char *out = cap <= sizeof small ? small : malloc(cap);
    if (!out) {
        jclass oom = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
        if (oom)
            (*env)->ThrowNew(env, oom, "Otter JNI: cannot convert a string");
        return NULL;
    }
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_seq(p + i, n - i, &cp);
        if (!k) { /* not UTF-8: shown as '?' */
            k = 1;
            cp = '?';
        }
        if (cp == 0) {
            out[o++] = (char)0xC0;
            out[o++] = (char)0x80;
        } else if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xE0 | cp >> 12);
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else { /* a surrogate pair, 3 bytes each, from 4 input bytes */
            uint32_t v = cp - 0x10000, hi = 0xD800 | v >> 10, lo = 0xDC00 | (v & 0x3FF);
            out[o++] = (char)0xED;
            out[o++] = (char)(0x80 | (hi >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (hi & 0x3F));
            out[o++] = (char)0xED;
            out[o++] = (char)(0x80 | (lo >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (lo & 0x3F));
        }
        i += k;
    }
    out[o] = 0;
    jstring js = (*env)->NewStringUTF(env, out);
    if (out != small)
        free(out);
    return js;
}

/* ---- exceptions ---- */

static void throw_status(JNIEnv *env, otter_status st, const char *msg)
{
    if ((*env)->ExceptionCheck(env))
        return; /* the first exception wins, like otter_error */
    jstring name = new_string(env, otter_status_name(st), strlen(otter_status_name(st)));
    jstring detail = name ? new_string(env, msg, strlen(msg)) : NULL;
    if (!detail)
        return; /* OutOfMemoryError pending */
    /* alive: the calling class, Native, shares OtterException's class loader */
    jclass c = (*env)->NewLocalRef(env, exc_class);
    jobject e = c ? (*env)->NewObject(env, c, exc_init, name, detail) : NULL;
    if (e)
        (*env)->Throw(env, (jthrowable)e);
}

static void throw_err(JNIEnv *env, const otter_error *err, otter_status st)
{
    throw_status(env, st, err->message[0] ? err->message : otter_status_message(st));
}

static void throwf(JNIEnv *env, otter_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void throwf(JNIEnv *env, otter_status st, const char *fmt, ...)
{
    char msg[OTTER_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    throw_status(env, st, msg);
}

/* ---- Java strings in ---- */

/* A Java string as NUL-terminated UTF-8; small ones live in the struct. */
typedef struct jtext {
    char *s; /* NULL for a null string that was allowed */
    size_t len;
    char small[256];
} jtext;

static void jtext_free(jtext *t)
{
    if (t->s && t->s != t->small)
        free(t->s);
    t->s = NULL;
}

/* Reads js into t (converting modified UTF-8 to UTF-8). A null js is allowed when
 * !required (t->s = NULL). Throws INVALID (naming `what`) for null, NUL characters,
 * unpaired surrogates or more than max bytes; returns 0 on success, -1 with a pending
 * exception. */
static int jtext_get(JNIEnv *env, jstring js, jtext *t, const char *what, int required, size_t max)
{
    t->s = NULL;
    t->len = 0;
    if (!js) {
        if (required)
            throwf(env, OTTER_INVALID, "%s is required (got null)", what);
        return required ? -1 : 0;
    }
    jsize ulen = (*env)->GetStringUTFLength(env, js), clen = (*env)->GetStringLength(env, js);
    if ((size_t)ulen > 4 * max + 16) {
        throwf(env, OTTER_INVALID, "%s is longer than %zu bytes", what, max);
        return -1;
    }
    char *b = (size_t)ulen < sizeof t->small ? t->small : malloc((size_t)ulen + 1);
    if (!b) {
        throwf(env, OTTER_NOMEM, "cannot copy %s", what);
        return -1;
    }
    t->s = b;
    (*env)->GetStringUTFRegion(env, js, 0, clen, b);
    /* modified UTF-8 -> UTF-8, in place (a 6-byte surrogate pair becomes 4 bytes) */
    const uint8_t *p = (const uint8_t *)b;
    size_t o = 0, n = (size_t)ulen;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c == 0xC0 && i + 1 < n && p[i + 1] == 0x80) {
            throwf(env, OTTER_INVALID, "%s contains a NUL character", what);
            goto fail;
        }
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : 3;
        if (i + k > n)
            k = n - i;
        uint32_t cp = 0;
        if (k == 3)
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
        if (k == 3 && cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && p[i + 3] == 0xED &&
            (p[i + 4] & 0xF0) == 0xB0) {
            uint32_t lo = 0xD000 | (uint32_t)(p[i + 4] & 0x3F) << 6 | (p[i + 5] & 0x3F);
            uint32_t v = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            b[o++] = (char)(0xF0 | v >> 18);
            b[o++] = (char)(0x80 | (v >> 12 & 0x3F));
            b[o++] = (char)(0x80 | (v >> 6 & 0x3F));
            b[o++] = (char)(0x80 | (v & 0x3F));
            i += 6;
            continue;
        }
        if (k == 3 && cp >= 0xD800 && cp <= 0xDFFF) {
            throwf(env, OTTER_INVALID, "%s contains an unpaired surrogate (not valid UTF-8)", what);
            goto fail;
        }
        memmove(b + o, p + i, k);
        o += k;
        i += k;
    }
    b[o] = 0;
    t->len = o;
    if (o > max) {
        throwf(env, OTTER_INVALID, "%s is longer than %zu bytes", what, max);
        goto fail;
    }
    if (utf8_bad((const uint8_t *)b, o)) {
        throwf(env, OTTER_INVALID, "%s is not valid UTF-8", what);
        goto fail;
    }
    return 0;
fail:
    jtext_free(t);
    return -1;
}

/* A String[] as an array of malloc'd UTF-8 strings (NULL for a null array when allowed).
 * Frees with strings_free. */
static int strings_get(JNIEnv *env, jobjectArray a, char ***out, size_t *n, const char *what,
                       int required)
{
    *out = NULL;
    *n = 0;
    if (!a) {
        if (required)
            throwf(env, OTTER_INVALID, "%s are required (got null)", what);
        return required ? -1 : 0;
    }
    jsize len = (*env)->GetArrayLength(env, a);
    char **v = calloc((size_t)len + 1, sizeof *v);
    if (!v) {
        throwf(env, OTTER_NOMEM, "cannot copy %s", what);
        return -1;
    }
    for (jsize i = 0; i < len; i++) {
        jstring s = (jstring)(*env)->GetObjectArrayElement(env, a, i);
        char label[64];
        snprintf(label, sizeof label, "%s[%d]", what, (int)i);
        jtext t;
        int rc = jtext_get(env, s, &t, label, 1, 4096);
        (*env)->DeleteLocalRef(env, s);
        if (rc == 0 && !(v[i] = malloc(t.len + 1)))
            throwf(env, OTTER_NOMEM, "cannot copy %s", label);
        if (rc == 0 && v[i])
            memcpy(v[i], t.s, t.len + 1);
        jtext_free(&t);
        if (rc != 0 || !v[i]) {
            for (jsize j = 0; j < i; j++)
                free(v[j]);
            free(v);
            return -1;
        }
    }
    *out = v;
    *n = (size_t)len;
    return 0;
}

static void strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* Parses "k=v,..." (may be NULL) into a new otter_params. */
static otter_params *params_get(JNIEnv *env, jstring js)
{
    jtext t;
    if (jtext_get(env, js, &t, "params", 0, 1 << 20) != 0)
        return NULL;
    otter_params *p = NULL;
    otter_error err = {0};
    otter_status st = otter_params_create(&p, &err);
    if (st == OTTER_OK && t.s && t.len)
        st = otter_params_parse(p, t.s, &err);
    jtext_free(&t);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        otter_params_destroy(p);
        return NULL;
    }
    return p;
}

/* ---- handles ---- */

#define JH_MAGIC 0x4f4a4e49u /* "OJNI" */
#define JH_DEAD 0xdeadbeefu
enum { JH_LEARNER = 1, JH_BANDIT = 2, JH_STORE = 3, JH_GEN = 4 };
static const char *const kind_name[] = {"?", "learner", "bandit", "store", "generator"};

typedef struct jhead {
    uint32_t magic, kind;
    otter_context *ctx; /* owned: each handle has its own registry, no shared state */
} jhead;

/* A reusable row: the instance it is decoded into and an aligned copy of the dense
 * array (the buffer's doubles need not be aligned). */
typedef struct jrow {
    otter_instance *inst;
    double *dense;
    size_t dense_cap;
} jrow;

typedef struct jlearner {
    jhead h;
    otter_learner *l;
    jrow row;
    otter_buf buf;
} jlearner;

typedef struct jbandit {
    jhead h;
    otter_bandit *b;
    jrow row;
    otter_decision d;
    otter_buf buf;
} jbandit;

#define STORE_ROWS 8 /* rows kept for reuse by concurrent callers */
typedef struct jstore {
    jhead h;
    otter_store *s;
    pthread_mutex_t mu; /* guards rows */
    jrow *rows[STORE_ROWS];
    size_t n_rows;
} jstore;

/* The handle behind a Java long, or NULL with OtterException STATE pending. */
static void *handle(JNIEnv *env, jlong h, uint32_t kind)
{
    if (h == 0) {
        throwf(env, OTTER_STATE, "the %s is closed", kind_name[kind]);
        return NULL;
    }
    jhead *p = (jhead *)(intptr_t)h;
    if (p->magic != JH_MAGIC || p->kind != kind) {
        throwf(env, OTTER_STATE, "not a live %s handle", kind_name[kind]);
        return NULL;
    }
    return p;
}

/* Checks a handle about to be freed; freeing 0 or a dead handle does nothing. */
static void *handle_for_free(jlong h, uint32_t kind)
{
    jhead *p = (jhead *)(intptr_t)h;
    if (!p || p->magic != JH_MAGIC || p->kind != kind)
        return NULL;
    p->magic = JH_DEAD;
    return p;
}

/* ---- rows: the feature buffer layout (Features.java, docs/flink.md) ---- */

#define ROW_MAX_KEYS 65536 /* interned names kept before the instance starts over */

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd;

static int rd_need(const rd *r, size_t k)
{
    return r->n - r->i >= k;
}

static uint32_t rd_u32(rd *r)
{
    const uint8_t *p = r->p + r->i;
    r->i += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd_u16(rd *r)
{
    const uint8_t *p = r->p + r->i;
    r->i += 2;
    return (uint16_t)(p[0] | p[1] << 8);
}

static double rd_f64(rd *r)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = v << 8 | r->p[r->i + (size_t)k];
    r->i += 8;
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* A str16 (u16 length, UTF-8 bytes without NUL) of feature j. */
static otter_status rd_str(rd *r, size_t j, const char *what, const char **s, size_t *len,
                           otter_error *err)
{
    if (!rd_need(r, 2))
        return otter_error_set(err, OTTER_INVALID, "feature buffer is truncated in feature %zu", j);
    *len = rd_u16(r);
    if (!rd_need(r, *len))
        return otter_error_set(err, OTTER_INVALID,
                               "feature buffer is truncated in the %s of feature %zu", what, j);
    *s = (const char *)r->p + r->i;
    r->i += *len;
    if (utf8_bad((const uint8_t *)*s, *len))
        return otter_error_set(err, OTTER_INVALID,
                               "the %s of feature %zu is not valid UTF-8 without NUL", what, j);
    return OTTER_OK;
}

static otter_status row_init(jrow *row, otter_error *err)
{
    memset(row, 0, sizeof *row);
    return otter_instance_create(&row->inst, err);
}

static void row_free(jrow *row)
{
    otter_instance_destroy(row->inst);
    free(row->dense);
    memset(row, 0, sizeof *row);
}

/* Decodes one record at r into row->inst (cleared first). */
static otter_status row_read(jrow *row, rd *r, otter_error *err)
{
    if (otter_instance_key_count(row->inst) > ROW_MAX_KEYS) {
        /* unbounded distinct names would grow the intern table forever */
        otter_instance *fresh = NULL;
        otter_status st = otter_instance_create(&fresh, err);
        if (st != OTTER_OK)
            return st;
        otter_instance_destroy(row->inst);
        row->inst = fresh;
    }
    otter_instance_clear(row->inst);
    if (!rd_need(r, 4))
        return otter_error_set(err, OTTER_INVALID, "feature buffer is truncated (no count)");
    uint32_t n = rd_u32(r);
    for (size_t j = 0; j < n; j++) {
        if (!rd_need(r, 1))
            return otter_error_set(err, OTTER_INVALID,
                                   "feature buffer is truncated before feature %zu of %u", j, n);
        uint8_t kind = r->p[r->i++];
        const char *ns, *name, *cat;
        size_t ns_len, name_len, cat_len;
        otter_status st = rd_str(r, j, "namespace", &ns, &ns_len, err);
        if (st == OTTER_OK)
            st = rd_str(r, j, "name", &name, &name_len, err);
        if (st != OTTER_OK)
            return st;
        if (!name_len)
            return otter_error_set(err, OTTER_INVALID, "feature %zu has an empty name", j);
        otter_feature_key key;
        if ((st = otter_instance_intern(row->inst, ns, ns_len, name, name_len, &key, err)) !=
            OTTER_OK)
            return st;
        if (kind == 0) {
            if (!rd_need(r, 8))
                return otter_error_set(err, OTTER_INVALID,
                                       "feature buffer is truncated in the value of feature %zu",
                                       j);
            st = otter_instance_add_num(row->inst, key, rd_f64(r), err);
        } else if (kind == 1) {
            if ((st = rd_str(r, j, "category", &cat, &cat_len, err)) == OTTER_OK)
                st = otter_instance_add_cat(row->inst, key, cat, cat_len, err);
        } else
            return otter_error_set(err, OTTER_INVALID, "feature %zu has an unknown kind %u", j,
                                   (unsigned)kind);
        if (st != OTTER_OK)
            return st;
    }
    if (!rd_need(r, 4))
        return otter_error_set(err, OTTER_INVALID, "feature buffer is truncated (no dense length)");
    uint32_t d = rd_u32(r);
    if (!rd_need(r, (size_t)d * 8))
        return otter_error_set(err, OTTER_INVALID,
                               "feature buffer is truncated in the dense array (%u values)", d);
    if (d > row->dense_cap) {
        double *nd = realloc(row->dense, (size_t)d * sizeof *nd);
        if (!nd)
            return otter_error_set(err, OTTER_NOMEM, "cannot hold %u dense values", d);
        row->dense = nd;
        row->dense_cap = d;
    }
    for (size_t k = 0; k < d; k++)
        row->dense[k] = rd_f64(r);
    return otter_instance_set_dense(row->inst, row->dense, d, err);
}

/* Decodes the single record of (p, len); trailing bytes are an error. */
static otter_status row_fill(jrow *row, const uint8_t *p, size_t len, otter_error *err)
{
    rd r = {p, len, 0};
    otter_status st = row_read(row, &r, err);
    if (st == OTTER_OK && r.i != len)
        st = otter_error_set(err, OTTER_INVALID, "feature buffer has %zu bytes after the row",
                             len - r.i);
    return st;
}

/* The bytes of a direct ByteBuffer holding len bytes. A null buffer gives *p = NULL when
 * !required. Returns 0, or -1 with an exception pending. */
static int buffer_get(JNIEnv *env, jobject bb, jint len, const uint8_t **p, const char *what,
                      int required)
{
    *p = NULL;
    if (!bb) {
        if (required)
            throwf(env, OTTER_INVALID, "%s are required (got null)", what);
        return required ? -1 : 0;
    }
    void *a = (*env)->GetDirectBufferAddress(env, bb);
    jlong cap = (*env)->GetDirectBufferCapacity(env, bb);
    if (!a || cap < 0) {
        throwf(env, OTTER_INVALID, "%s must be in a direct buffer", what);
        return -1;
    }
    if (len < 0 || (jlong)len > cap) {
        throwf(env, OTTER_INVALID, "%s length %d is outside the buffer (capacity %lld)", what,
               (int)len, (long long)cap);
        return -1;
    }
    *p = a;
    return 0;
}

/* ---- predictions out ---- */

#define PRED_STRIDE (6 + OTTER_MAX_CLASSES)

/* Checks that out (may be NULL when !required) holds n predictions. */
static int pred_check(JNIEnv *env, jdoubleArray out, jint n, const char *what, int required)
{
    if (!out) {
        if (required)
            throwf(env, OTTER_INVALID, "%s is required (got null)", what);
        return required ? -1 : 0;
    }
    jsize len = (*env)->GetArrayLength(env, out);
    if (n < 0 || (jlong)len < (jlong)n * PRED_STRIDE) {
        throwf(env, OTTER_INVALID, "%s holds %d doubles, fewer than %d predictions need", what,
               (int)len, (int)n);
        return -1;
    }
    return 0;
}

/* Writes prediction p at index i of out (layout of Prediction.java). */
static void pred_put(JNIEnv *env, jdoubleArray out, jint i, const otter_prediction *p)
{
    double v[PRED_STRIDE];
    size_t nc = p->n_classes > OTTER_MAX_CLASSES ? OTTER_MAX_CLASSES : p->n_classes;
    v[0] = (double)p->task;
    v[1] = p->score;
    v[2] = p->has_proba ? p->proba : NAN;
    v[3] = p->has_proba ? 1.0 : 0.0;
    v[4] = (double)p->label;
    v[5] = (double)nc;
    for (size_t c = 0; c < nc; c++)
        v[6 + c] = p->has_proba ? p->probs[c] : NAN;
    (*env)->SetDoubleArrayRegion(env, out, i * PRED_STRIDE, (jsize)(6 + nc), v);
}

/* ---- small helpers ---- */

static jbyteArray new_bytes(JNIEnv *env, const void *data, size_t len)
{
    if (len > INT32_MAX) {
        throwf(env, OTTER_INVALID, "%zu bytes do not fit in a Java array", len);
        return NULL;
    }
    jbyteArray a = (*env)->NewByteArray(env, (jsize)len);
    if (a && len)
        (*env)->SetByteArrayRegion(env, a, 0, (jsize)len, data);
    return a;
}

static jlongArray new_longs(JNIEnv *env, const jlong *v, size_t n)
{
    jlongArray a = (*env)->NewLongArray(env, (jsize)n);
    if (a && n)
        (*env)->SetLongArrayRegion(env, a, 0, (jsize)n, v);
    return a;
}

/* A byte[] argument copied into malloc'd memory (*p NULL for an empty array). */
static int bytes_get(JNIEnv *env, jbyteArray a, uint8_t **p, size_t *len, const char *what)
{
    *p = NULL;
    *len = 0;
    if (!a) {
        throwf(env, OTTER_INVALID, "%s is required (got null)", what);
        return -1;
    }
    jsize n = (*env)->GetArrayLength(env, a);
    if (n == 0)
        return 0;
    if (!(*p = malloc((size_t)n))) {
        throwf(env, OTTER_NOMEM, "cannot copy %s (%d bytes)", what, (int)n);
        return -1;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)*p);
    *len = (size_t)n;
    return 0;
}

/* The label rule of src/learners/learner.c, checked before a batch changes anything. */
static otter_status check_example(otter_task task, size_t k, double y, double w, otter_error *err)
{
    if (!isfinite(w) || w <= 0)
        return otter_error_set(err, OTTER_INVALID,
                               "importance weight must be a finite number > 0, got %.17g", w);
    if (!isfinite(y))
        return otter_error_set(err, OTTER_INVALID, "label must be a finite number");
    if (task == OTTER_TASK_BINARY && y != 0.0 && y != 1.0 && y != -1.0)
        return otter_error_set(err, OTTER_INVALID, "binary label must be 0, 1 or -1, got %.17g", y);
    if (task == OTTER_TASK_MULTICLASS && (y < 0 || y != floor(y) || y >= (double)k))
        return otter_error_set(err, OTTER_INVALID,
                               "class label must be an integer in [0, %zu), got %.17g", k, y);
    return OTTER_OK;
}

/* Labels (required) and weights (NULL: 1) of a batch, copied; checks their lengths. */
static int batch_labels(JNIEnv *env, jint n, jdoubleArray labels, jdoubleArray weights, double **y,
                        double **w)
{
    *y = *w = NULL;
    if (!labels) {
        throwf(env, OTTER_INVALID, "labels are required (got null)");
        return -1;
    }
    if ((*env)->GetArrayLength(env, labels) < n ||
        (weights && (*env)->GetArrayLength(env, weights) < n)) {
        throwf(env, OTTER_INVALID, "labels and weights must hold %d values", (int)n);
        return -1;
    }
    size_t m = n > 0 ? (size_t)n : 1;
    *y = malloc(m * sizeof **y);
    *w = malloc(m * sizeof **w);
    if (!*y || !*w) {
        free(*y);
        free(*w);
        *y = *w = NULL;
        throwf(env, OTTER_NOMEM, "cannot copy %d labels", (int)n);
        return -1;
    }
    (*env)->GetDoubleArrayRegion(env, labels, 0, n, *y);
    for (jint i = 0; i < n; i++)
        (*w)[i] = 1.0;
    if (weights)
        (*env)->GetDoubleArrayRegion(env, weights, 0, n, *w);
    return 0;
}

/* The status an event call ends with, as an EventResult code; -1 to throw. */
static int event_code(otter_status st)
{
    switch (st) {
    case OTTER_OK: return org_otter_Native_EVENT_OK;
    case OTTER_NOT_FOUND: return org_otter_Native_EVENT_UNKNOWN;
    case OTTER_EXPIRED: return org_otter_Native_EVENT_EXPIRED;
    case OTTER_CONFLICT: return org_otter_Native_EVENT_DUPLICATE;
    case OTTER_STATE: return org_otter_Native_EVENT_NOT_ACTIVE;
    default: return -1;
    }
}

/* ---- library ---- */

JNIEXPORT jstring JNICALL Java_org_otter_Native_version(JNIEnv *env, jclass cls)
{
    return new_string(env, OTTER_VERSION_STRING, strlen(OTTER_VERSION_STRING));
}

JNIEXPORT jint JNICALL Java_org_otter_Native_keyGroupOf(JNIEnv *env, jclass cls, jstring name)
{
    jtext t;
    if (jtext_get(env, name, &t, "name", 1, OTTER_ENTITY_NAME_MAX) != 0)
        return 0;
    jint kg = otter_store_key_group(t.s);
    jtext_free(&t);
    return kg;
}

static jobjectArray type_names(JNIEnv *env, int bandits)
{
    otter_context *ctx = NULL;
    otter_error err = {0};
    otter_status st = otter_context_create(&ctx, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    size_t n = bandits ? otter_context_bandit_count(ctx) : otter_context_learner_count(ctx);
    jobjectArray a = (*env)->NewObjectArray(env, (jsize)n, string_class, NULL);
    for (size_t i = 0; a && i < n; i++) {
        const char *name = bandits ? otter_context_bandit_at(ctx, i)->name
                                   : otter_context_learner_at(ctx, i)->name;
        jstring s = new_string(env, name, strlen(name));
        if (!s)
            break;
        (*env)->SetObjectArrayElement(env, a, (jsize)i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    otter_context_destroy(ctx);
    return a;
}

JNIEXPORT jobjectArray JNICALL Java_org_otter_Native_learnerTypes(JNIEnv *env, jclass cls)
{
    return type_names(env, 0);
}

JNIEXPORT jobjectArray JNICALL Java_org_otter_Native_banditTypes(JNIEnv *env, jclass cls)
{
    return type_names(env, 1);
}

/* ---- learners ---- */

static void learner_free(jlearner *jl)
{
    if (!jl)
        return;
    otter_learner_destroy(jl->l);
    row_free(&jl->row);
    otter_buf_free(&jl->buf);
    otter_context_destroy(jl->h.ctx);
    free(jl);
}

/* A handle around a new learner from create (blob NULL) or decode. */
static jlong learner_new(JNIEnv *env, const char *type, const otter_params *params,
                         const uint8_t *blob, size_t len)
{
    jlearner *jl = calloc(1, sizeof *jl);
    if (!jl) {
        throwf(env, OTTER_NOMEM, "cannot allocate a learner handle");
        return 0;
    }
    jl->h.magic = JH_MAGIC;
    jl->h.kind = JH_LEARNER;
    otter_error err = {0};
    otter_status st = otter_context_create(&jl->h.ctx, &err);
    if (st == OTTER_OK)
        st = row_init(&jl->row, &err);
    if (st == OTTER_OK)
        st = type ? otter_learner_create(jl->h.ctx, type, params, &jl->l, &err)
                  : otter_learner_decode(jl->h.ctx, blob, len, &jl->l, &err);
    if (st != OTTER_OK) {
        learner_free(jl);
        throw_err(env, &err, st);
        return 0;
    }
    return (jlong)(intptr_t)jl;
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_learnerCreate(JNIEnv *env, jclass cls, jstring type,
                                                            jstring params)
{
    jtext t;
    if (jtext_get(env, type, &t, "learner type", 1, 255) != 0)
        return 0;
    otter_params *p = params_get(env, params);
    jlong h = p ? learner_new(env, t.s, p, NULL, 0) : 0;
    otter_params_destroy(p);
    jtext_free(&t);
    return h;
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_learnerDecode(JNIEnv *env, jclass cls,
                                                            jbyteArray blob)
{
    uint8_t *b;
    size_t len;
    if (bytes_get(env, blob, &b, &len, "blob") != 0)
        return 0;
    jlong h = learner_new(env, NULL, NULL, b ? b : (const uint8_t *)"", len);
    free(b);
    return h;
}

JNIEXPORT void JNICALL Java_org_otter_Native_learnerFree(JNIEnv *env, jclass cls, jlong h)
{
    learner_free(handle_for_free(h, JH_LEARNER));
}

JNIEXPORT void JNICALL Java_org_otter_Native_learnerPredict(JNIEnv *env, jclass cls, jlong h,
                                                            jobject bb, jint len, jdoubleArray out)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    const uint8_t *p;
    if (!jl || buffer_get(env, bb, len, &p, "features", 1) != 0 ||
        pred_check(env, out, 1, "prediction", 1) != 0)
        return;
    otter_error err = {0};
    otter_prediction pr;
    otter_status st = row_fill(&jl->row, p, (size_t)len, &err);
    if (st == OTTER_OK)
        st = otter_learner_predict(jl->l, jl->row.inst, &pr, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    else
        pred_put(env, out, 0, &pr);
}

JNIEXPORT void JNICALL Java_org_otter_Native_learnerLearn(JNIEnv *env, jclass cls, jlong h,
                                                          jobject bb, jint len, jdouble label,
                                                          jdouble weight, jdoubleArray before)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    const uint8_t *p;
    if (!jl || buffer_get(env, bb, len, &p, "features", 1) != 0 ||
        pred_check(env, before, 1, "before", 0) != 0)
        return;
    otter_error err = {0};
    otter_prediction pr;
    otter_status st = row_fill(&jl->row, p, (size_t)len, &err);
    if (st == OTTER_OK)
        st = before ? otter_learner_predict_learn(jl->l, jl->row.inst, label, weight, &pr, &err)
                    : otter_learner_learn(jl->l, jl->row.inst, label, weight, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    else if (before)
        pred_put(env, before, 0, &pr);
}

/* Checks the common arguments of a batch call; 0 or -1 with an exception pending. */
static int batch_args(JNIEnv *env, jobject bb, jint len, jint n, const uint8_t **p)
{
    if (n < 0) {
        throwf(env, OTTER_INVALID, "row count %d is negative", (int)n);
        return -1;
    }
    return buffer_get(env, bb, len, p, "rows", 1);
}

/* Decodes row i of a batch at r into row, prefixing errors with the row number. */
static otter_status batch_row(jrow *row, rd *r, jint i, otter_error *err)
{
    otter_status st = row_read(row, r, err);
    if (st != OTTER_OK)
        otter_error_prefix(err, "row %d", (int)i);
    return st;
}

static otter_status batch_end(const rd *r, otter_error *err)
{
    if (r->i != r->n)
        return otter_error_set(err, OTTER_INVALID, "batch buffer has %zu bytes after the last row",
                               r->n - r->i);
    return OTTER_OK;
}

JNIEXPORT void JNICALL Java_org_otter_Native_learnerPredictBatch(JNIEnv *env, jclass cls, jlong h,
                                                                 jobject bb, jint len, jint n,
                                                                 jdoubleArray out)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    const uint8_t *p;
    if (!jl || batch_args(env, bb, len, n, &p) != 0 ||
        pred_check(env, out, n, "predictions", 1) != 0)
        return;
    otter_error err = {0};
    otter_status st = OTTER_OK;
    rd r = {p, (size_t)len, 0};
    for (jint i = 0; st == OTTER_OK && i < n; i++) {
        otter_prediction pr;
        if ((st = batch_row(&jl->row, &r, i, &err)) == OTTER_OK &&
            (st = otter_learner_predict(jl->l, jl->row.inst, &pr, &err)) == OTTER_OK)
            pred_put(env, out, i, &pr);
    }
    if (st == OTTER_OK)
        st = batch_end(&r, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT void JNICALL Java_org_otter_Native_learnerLearnBatch(JNIEnv *env, jclass cls, jlong h,
                                                               jobject bb, jint len, jint n,
                                                               jdoubleArray labels,
                                                               jdoubleArray weights,
                                                               jdoubleArray before)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    const uint8_t *p;
    double *y, *w;
    if (!jl || batch_args(env, bb, len, n, &p) != 0 ||
        pred_check(env, before, n, "before", 0) != 0 ||
        batch_labels(env, n, labels, weights, &y, &w) != 0)
        return;
    otter_error err = {0};
    otter_status st = OTTER_OK;
    otter_task task = otter_learner_task(jl->l);
    size_t k = otter_learner_n_classes(jl->l);
    /* all or nothing: every row, label and weight is checked first */
    rd r = {p, (size_t)len, 0};
    for (jint i = 0; st == OTTER_OK && i < n; i++)
        if ((st = batch_row(&jl->row, &r, i, &err)) == OTTER_OK &&
            (st = check_example(task, k, y[i], w[i], &err)) != OTTER_OK)
            otter_error_prefix(&err, "row %d", (int)i);
    if (st == OTTER_OK)
        st = batch_end(&r, &err);
    r.i = 0;
    for (jint i = 0; st == OTTER_OK && i < n; i++) {
        otter_prediction pr;
        if ((st = batch_row(&jl->row, &r, i, &err)) != OTTER_OK)
            break;
        st = before ? otter_learner_predict_learn(jl->l, jl->row.inst, y[i], w[i], &pr, &err)
                    : otter_learner_learn(jl->l, jl->row.inst, y[i], w[i], &err);
        if (st == OTTER_OK && before)
            pred_put(env, before, i, &pr);
    }
    free(y);
    free(w);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_learnerEncode(JNIEnv *env, jclass cls, jlong h)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    if (!jl)
        return NULL;
    otter_error err = {0};
    otter_buf_reset(&jl->buf);
    otter_status st = otter_learner_encode(jl->l, &jl->buf, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return new_bytes(env, jl->buf.data, jl->buf.len);
}

JNIEXPORT jstring JNICALL Java_org_otter_Native_learnerType(JNIEnv *env, jclass cls, jlong h)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    if (!jl)
        return NULL;
    const char *name = otter_learner_type_of(jl->l)->name;
    return new_string(env, name, strlen(name));
}

JNIEXPORT jstring JNICALL Java_org_otter_Native_learnerParams(JNIEnv *env, jclass cls, jlong h)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    if (!jl)
        return NULL;
    const char *text = otter_learner_params_text(jl->l);
    return new_string(env, text, strlen(text));
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_learnerInfo(JNIEnv *env, jclass cls, jlong h)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    if (!jl)
        return NULL;
    jlong v[4] = {(jlong)otter_learner_task(jl->l), (jlong)otter_learner_n_classes(jl->l),
                  (jlong)otter_learner_bytes(jl->l), (jlong)otter_learner_updates(jl->l)};
    return new_longs(env, v, 4);
}

JNIEXPORT jstring JNICALL Java_org_otter_Native_learnerDump(JNIEnv *env, jclass cls, jlong h)
{
    jlearner *jl = handle(env, h, JH_LEARNER);
    if (!jl)
        return NULL;
    otter_error err = {0};
    otter_buf_reset(&jl->buf);
    otter_status st = otter_learner_dump(jl->l, &jl->buf, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return new_string(env, (const char *)jl->buf.data, jl->buf.len);
}

/* ---- bandits ---- */

static void bandit_free(jbandit *jb)
{
    if (!jb)
        return;
    otter_bandit_destroy(jb->b);
    row_free(&jb->row);
    otter_decision_free(&jb->d);
    otter_buf_free(&jb->buf);
    otter_context_destroy(jb->h.ctx);
    free(jb);
}

static jlong bandit_new(JNIEnv *env, const char *policy, const otter_params *params,
                        char *const *arms, size_t n_arms, const uint8_t *blob, size_t len)
{
    jbandit *jb = calloc(1, sizeof *jb);
    if (!jb) {
        throwf(env, OTTER_NOMEM, "cannot allocate a bandit handle");
        return 0;
    }
    jb->h.magic = JH_MAGIC;
    jb->h.kind = JH_BANDIT;
    otter_decision d0 = OTTER_DECISION_INIT;
    jb->d = d0;
    otter_error err = {0};
    otter_status st = otter_context_create(&jb->h.ctx, &err);
    if (st == OTTER_OK)
        st = row_init(&jb->row, &err);
    if (st == OTTER_OK)
        st = policy ? otter_bandit_create(jb->h.ctx, policy, params, (const char *const *)arms,
                                          n_arms, &jb->b, &err)
                    : otter_bandit_decode(jb->h.ctx, blob, len, &jb->b, &err);
    if (st != OTTER_OK) {
        bandit_free(jb);
        throw_err(env, &err, st);
        return 0;
    }
    return (jlong)(intptr_t)jb;
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_banditCreate(JNIEnv *env, jclass cls, jstring policy,
                                                           jobjectArray arms, jstring params)
{
    jtext t;
    if (jtext_get(env, policy, &t, "bandit policy", 1, 255) != 0)
        return 0;
    char **a = NULL;
    size_t n = 0;
    otter_params *p = NULL;
    jlong h = 0;
    if (strings_get(env, arms, &a, &n, "arms", 1) == 0 && (p = params_get(env, params)))
        h = bandit_new(env, t.s, p, a, n, NULL, 0);
    otter_params_destroy(p);
    strings_free(a, n);
    jtext_free(&t);
    return h;
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_banditDecode(JNIEnv *env, jclass cls, jbyteArray blob)
{
    uint8_t *b;
    size_t len;
    if (bytes_get(env, blob, &b, &len, "blob") != 0)
        return 0;
    jlong h = bandit_new(env, NULL, NULL, NULL, 0, b ? b : (const uint8_t *)"", len);
    free(b);
    return h;
}

JNIEXPORT void JNICALL Java_org_otter_Native_banditFree(JNIEnv *env, jclass cls, jlong h)
{
    bandit_free(handle_for_free(h, JH_BANDIT));
}

/* A rank request's Java arguments, converted; rank_args_free releases them. */
typedef struct rank_args {
    jtext id, unit;
    char **cand, **excl;
    size_t n_cand, n_excl;
} rank_args;

static void rank_args_free(rank_args *a)
{
    jtext_free(&a->id);
    jtext_free(&a->unit);
    strings_free(a->cand, a->n_cand);
    strings_free(a->excl, a->n_excl);
}

static int rank_args_get(JNIEnv *env, jstring id, jobjectArray cand, jobjectArray excl,
                         jstring unit, rank_args *a)
{
    memset(a, 0, sizeof *a);
    if (jtext_get(env, id, &a->id, "event id", 0, OTTER_EVENT_ID_MAX - 1) != 0 ||
        jtext_get(env, unit, &a->unit, "unit", 0, 4096) != 0 ||
        strings_get(env, cand, &a->cand, &a->n_cand, "candidates", 0) != 0 ||
        strings_get(env, excl, &a->excl, &a->n_excl, "exclude", 0) != 0) {
        rank_args_free(a);
        return -1;
    }
    return 0;
}

static otter_rank_request rank_request(const rank_args *a, const otter_instance *ctx,
                                       jboolean defer, jlong now)
{
    otter_rank_request rq;
    memset(&rq, 0, sizeof rq);
    rq.context = ctx;
    rq.arms = (const char *const *)a->cand;
    rq.n_arms = a->n_cand;
    rq.exclude = (const char *const *)a->excl;
    rq.n_exclude = a->n_excl;
    rq.unit = a->unit.s;
    rq.event_id = a->id.s;
    rq.defer = defer ? 1 : 0;
    rq.now_ms = now;
    return rq;
}

/* A decision as bytes (layout in Decision.java). */
static jbyteArray decision_bytes(JNIEnv *env, const otter_decision *d, otter_buf *b)
{
    otter_error err = {0};
    otter_buf_reset(b);
    uint8_t idl = (uint8_t)strlen(d->event_id), est = (uint8_t)(d->propensity_estimated != 0);
    uint32_t n = (uint32_t)d->n_ranking;
    uint8_t n4[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    otter_status st = otter_buf_append(b, &idl, 1, &err);
    if (st == OTTER_OK)
        st = otter_buf_append(b, d->event_id, idl, &err);
    if (st == OTTER_OK)
        st = otter_buf_append(b, &est, 1, &err);
    if (st == OTTER_OK)
        st = otter_buf_append(b, n4, 4, &err);
    for (size_t i = 0; st == OTTER_OK && i < d->n_ranking; i++) {
        const otter_ranked_arm *ra = &d->ranking[i];
        size_t al = strlen(ra->arm);
        uint8_t l2[2] = {(uint8_t)al, (uint8_t)(al >> 8)}, num[16];
        uint64_t bits[2];
        memcpy(&bits[0], &ra->score, 8);
        memcpy(&bits[1], &ra->probability, 8);
        for (int k = 0; k < 16; k++)
            num[k] = (uint8_t)(bits[k / 8] >> (8 * (k % 8)));
        if ((st = otter_buf_append(b, l2, 2, &err)) == OTTER_OK &&
            (st = otter_buf_append(b, ra->arm, al, &err)) == OTTER_OK)
            st = otter_buf_append(b, num, 16, &err);
    }
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return new_bytes(env, b->data, b->len);
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_banditRank(JNIEnv *env, jclass cls, jlong h,
                                                              jobject bb, jint len, jstring id,
                                                              jobjectArray cand, jobjectArray excl,
                                                              jstring unit, jboolean defer,
                                                              jlong now)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    const uint8_t *p;
    rank_args a;
    if (!jb || buffer_get(env, bb, len, &p, "context features", 0) != 0 ||
        rank_args_get(env, id, cand, excl, unit, &a) != 0)
        return NULL;
    otter_error err = {0};
    otter_status st = p ? row_fill(&jb->row, p, (size_t)len, &err) : OTTER_OK;
    otter_rank_request rq = rank_request(&a, p ? jb->row.inst : NULL, defer, now);
    if (st == OTTER_OK)
        st = otter_bandit_rank(jb->b, &rq, &jb->d, &err);
    rank_args_free(&a);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return decision_bytes(env, &jb->d, &jb->buf);
}

/* Runs a bandit event call (reward or activate) and maps its status to a code. */
static jint bandit_event(JNIEnv *env, jlong h, jstring id, int reward, double value, jlong now)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    jtext t;
    if (!jb || jtext_get(env, id, &t, "event id", 1, OTTER_EVENT_ID_MAX - 1) != 0)
        return -1;
    otter_error err = {0};
    otter_status st = reward ? otter_bandit_reward(jb->b, t.s, value, now, &err)
                             : otter_bandit_activate(jb->b, t.s, now, &err);
    jtext_free(&t);
    int code = event_code(st);
    if (code < 0)
        throw_err(env, &err, st);
    return code;
}

JNIEXPORT jint JNICALL Java_org_otter_Native_banditReward(JNIEnv *env, jclass cls, jlong h,
                                                          jstring id, jdouble reward, jlong now)
{
    return bandit_event(env, h, id, 1, reward, now);
}

JNIEXPORT jint JNICALL Java_org_otter_Native_banditActivate(JNIEnv *env, jclass cls, jlong h,
                                                            jstring id, jlong now)
{
    return bandit_event(env, h, id, 0, 0, now);
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_banditExpire(JNIEnv *env, jclass cls, jlong h,
                                                           jlong now)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return 0;
    otter_error err = {0};
    size_t n = 0;
    otter_status st = otter_bandit_expire(jb->b, now, &n, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    return (jlong)n;
}

static void bandit_arm(JNIEnv *env, jlong h, jstring arm, int add)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    jtext t;
    if (!jb || jtext_get(env, arm, &t, "arm", 1, OTTER_ARM_NAME_MAX) != 0)
        return;
    otter_error err = {0};
    otter_status st =
        add ? otter_bandit_add_arm(jb->b, t.s, &err) : otter_bandit_remove_arm(jb->b, t.s, &err);
    jtext_free(&t);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT void JNICALL Java_org_otter_Native_banditAddArm(JNIEnv *env, jclass cls, jlong h,
                                                          jstring arm)
{
    bandit_arm(env, h, arm, 1);
}

JNIEXPORT void JNICALL Java_org_otter_Native_banditRemoveArm(JNIEnv *env, jclass cls, jlong h,
                                                             jstring arm)
{
    bandit_arm(env, h, arm, 0);
}

JNIEXPORT jobjectArray JNICALL Java_org_otter_Native_banditArms(JNIEnv *env, jclass cls, jlong h)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    size_t n = otter_bandit_arm_count(jb->b);
    jobjectArray a = (*env)->NewObjectArray(env, (jsize)n, string_class, NULL);
    for (size_t i = 0; a && i < n; i++) {
        const char *arm = otter_bandit_arm_at(jb->b, i);
        jstring s = new_string(env, arm, strlen(arm));
        if (!s)
            return NULL;
        (*env)->SetObjectArrayElement(env, a, (jsize)i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    return a;
}

JNIEXPORT jdoubleArray JNICALL Java_org_otter_Native_banditArmStats(JNIEnv *env, jclass cls,
                                                                    jlong h, jint i)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    size_t n = otter_bandit_arm_count(jb->b);
    if (i < 0 || (size_t)i >= n) {
        throwf(env, OTTER_INVALID, "arm index %d is outside 0..%zu", (int)i, n - 1);
        return NULL;
    }
    otter_arm_stats s;
    otter_error err = {0};
    otter_status st = otter_bandit_arm_stats(jb->b, (size_t)i, &s, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    double v[7] = {(double)s.pulls, s.reward_sum, s.mean,     s.estimate,
                   s.lower,         s.upper,      s.prob_best};
    jdoubleArray a = (*env)->NewDoubleArray(env, 7);
    if (a)
        (*env)->SetDoubleArrayRegion(env, a, 0, 7, v);
    return a;
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_banditEncode(JNIEnv *env, jclass cls, jlong h)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    otter_error err = {0};
    otter_buf_reset(&jb->buf);
    otter_status st = otter_bandit_encode(jb->b, &jb->buf, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return new_bytes(env, jb->buf.data, jb->buf.len);
}

JNIEXPORT jstring JNICALL Java_org_otter_Native_banditType(JNIEnv *env, jclass cls, jlong h)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    const char *name = otter_bandit_type_of(jb->b)->name;
    return new_string(env, name, strlen(name));
}

JNIEXPORT jstring JNICALL Java_org_otter_Native_banditParams(JNIEnv *env, jclass cls, jlong h)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    const char *text = otter_bandit_params_text(jb->b);
    return new_string(env, text, strlen(text));
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_banditInfo(JNIEnv *env, jclass cls, jlong h)
{
    jbandit *jb = handle(env, h, JH_BANDIT);
    if (!jb)
        return NULL;
    jlong v[2] = {(jlong)otter_bandit_pending(jb->b), (jlong)otter_bandit_bytes(jb->b)};
    return new_longs(env, v, 2);
}

/* ---- the store ---- */

static void store_free(jstore *js)
{
    if (!js)
        return;
    otter_store_close(js->s);
    for (size_t i = 0; i < js->n_rows; i++) {
        row_free(js->rows[i]);
        free(js->rows[i]);
    }
    pthread_mutex_destroy(&js->mu);
    otter_context_destroy(js->h.ctx);
    free(js);
}

/* A row for one call (the store may be called from many threads); NULL with an
 * exception pending. */
static jrow *row_take(JNIEnv *env, jstore *js)
{
    jrow *row = NULL;
    pthread_mutex_lock(&js->mu);
    if (js->n_rows)
        row = js->rows[--js->n_rows];
    pthread_mutex_unlock(&js->mu);
    if (row)
        return row;
    otter_error err = {0};
    otter_status st = OTTER_NOMEM;
    if ((row = malloc(sizeof *row)) && (st = row_init(row, &err)) == OTTER_OK)
        return row;
    free(row);
    throw_err(env, &err, st);
    return NULL;
}

static void row_give(jstore *js, jrow *row)
{
    if (!row)
        return;
    pthread_mutex_lock(&js->mu);
    if (js->n_rows < STORE_ROWS) {
        js->rows[js->n_rows++] = row;
        row = NULL;
    }
    pthread_mutex_unlock(&js->mu);
    if (row) {
        row_free(row);
        free(row);
    }
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_storeOpen(JNIEnv *env, jclass cls, jstring dir,
                                                        jint durability, jlong cache)
{
    if (durability != OTTER_DURABILITY_SYNC && durability != OTTER_DURABILITY_NONE) {
        throwf(env, OTTER_INVALID, "durability %d is not SYNC (0) or NONE (1)", (int)durability);
        return 0;
    }
    if (cache < 0) {
        throwf(env, OTTER_INVALID, "cache size %lld is negative", (long long)cache);
        return 0;
    }
    jtext t;
    if (jtext_get(env, dir, &t, "directory", 1, 4095) != 0)
        return 0;
    jstore *js = calloc(1, sizeof *js);
    if (!js || pthread_mutex_init(&js->mu, NULL) != 0) {
        free(js);
        jtext_free(&t);
        throwf(env, OTTER_NOMEM, "cannot allocate a store handle");
        return 0;
    }
    js->h.magic = JH_MAGIC;
    js->h.kind = JH_STORE;
    otter_store_options opt = OTTER_STORE_OPTIONS_INIT;
    opt.durability = (otter_durability)durability;
    opt.cache_bytes = (size_t)cache;
    otter_error err = {0};
    otter_status st = otter_context_create(&js->h.ctx, &err);
    if (st == OTTER_OK)
        st = otter_store_open(js->h.ctx, t.s, &opt, &js->s, &err);
    jtext_free(&t);
    if (st != OTTER_OK) {
        store_free(js);
        throw_err(env, &err, st);
        return 0;
    }
    return (jlong)(intptr_t)js;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeClose(JNIEnv *env, jclass cls, jlong h)
{
    store_free(handle_for_free(h, JH_STORE));
}

/* The store, key group and entity name of an entity call; 0 or -1 with an exception
 * pending. name is released with jtext_free. */
static int entity_args(JNIEnv *env, jlong h, jint kg, jstring name, jstore **js, jtext *t)
{
    t->s = NULL;
    if (!(*js = handle(env, h, JH_STORE)))
        return -1;
    if (kg < 0 || kg >= (jint)OTTER_KEY_GROUPS) {
        throwf(env, OTTER_INVALID, "key group %d is outside 0..%u", (int)kg, OTTER_KEY_GROUPS - 1);
        return -1;
    }
    return jtext_get(env, name, t, "entity name", 1, OTTER_ENTITY_NAME_MAX);
}

static int range_args(JNIEnv *env, jint lo, jint hi)
{
    if (lo < 0 || hi < lo || hi >= (jint)OTTER_KEY_GROUPS) {
        throwf(env, OTTER_INVALID, "key-group range %d..%d is not within 0..%u", (int)lo, (int)hi,
               OTTER_KEY_GROUPS - 1);
        return -1;
    }
    return 0;
}

/* After an event call said NOT_FOUND: an unknown entity throws, an unknown event is a
 * result code. */
static int not_found_code(JNIEnv *env, jstore *js, jint kg, const char *name,
                          const otter_error *err)
{
    otter_entity_info info;
    if (otter_store_info(js->s, (uint16_t)kg, name, &info, NULL) == OTTER_OK)
        return org_otter_Native_EVENT_UNKNOWN;
    throwf(env, OTTER_NOT_FOUND, "no entity '%s' in key group %d", name, (int)kg);
    (void)err;
    return -1;
}

JNIEXPORT jboolean JNICALL Java_org_otter_Native_storeCreateLearner(JNIEnv *env, jclass cls,
                                                                    jlong h, jint kg, jstring name,
                                                                    jstring type, jstring params)
{
    jstore *js;
    jtext n, t;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return JNI_FALSE;
    otter_params *p = NULL;
    int created = 0;
    if (jtext_get(env, type, &t, "learner type", 1, 255) == 0) {
        if ((p = params_get(env, params))) {
            otter_error err = {0};
            otter_status st =
                otter_store_create_learner(js->s, (uint16_t)kg, n.s, t.s, p, &created, &err);
            if (st != OTTER_OK)
                throw_err(env, &err, st);
        }
        jtext_free(&t);
    }
    otter_params_destroy(p);
    jtext_free(&n);
    return created ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jboolean JNICALL Java_org_otter_Native_storeCreateBandit(JNIEnv *env, jclass cls, jlong h,
                                                                   jint kg, jstring name,
                                                                   jstring policy,
                                                                   jobjectArray arms,
                                                                   jstring params)
{
    jstore *js;
    jtext n, t;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return JNI_FALSE;
    char **a = NULL;
    size_t na = 0;
    otter_params *p = NULL;
    int created = 0;
    if (jtext_get(env, policy, &t, "bandit policy", 1, 255) == 0) {
        if (strings_get(env, arms, &a, &na, "arms", 1) == 0 && (p = params_get(env, params))) {
            otter_error err = {0};
            otter_status st = otter_store_create_bandit(js->s, (uint16_t)kg, n.s, t.s, p,
                                                        (const char *const *)a, na, &created, &err);
            if (st != OTTER_OK)
                throw_err(env, &err, st);
        }
        jtext_free(&t);
    }
    otter_params_destroy(p);
    strings_free(a, na);
    jtext_free(&n);
    return created ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storePredict(JNIEnv *env, jclass cls, jlong h, jint kg,
                                                          jstring name, jobject bb, jint len,
                                                          jstring id, jlong deadline,
                                                          jdoubleArray out)
{
    jstore *js;
    jtext n, e = {0};
    const uint8_t *p;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    jrow *row = NULL;
    if (buffer_get(env, bb, len, &p, "features", 1) == 0 &&
        pred_check(env, out, 1, "prediction", 1) == 0 &&
        jtext_get(env, id, &e, "event id", 0, OTTER_EVENT_ID_MAX - 1) == 0 &&
        (row = row_take(env, js))) {
        otter_error err = {0};
        otter_prediction pr;
        otter_status st = row_fill(row, p, (size_t)len, &err);
        if (st == OTTER_OK)
            st = e.s ? otter_store_predict_event(js->s, (uint16_t)kg, n.s, row->inst, e.s, deadline,
                                                 &pr, &err)
                     : otter_store_predict(js->s, (uint16_t)kg, n.s, row->inst, &pr, &err);
        if (st != OTTER_OK)
            throw_err(env, &err, st);
        else
            pred_put(env, out, 0, &pr);
    }
    row_give(js, row);
    jtext_free(&e);
    jtext_free(&n);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storePredictBatch(JNIEnv *env, jclass cls, jlong h,
                                                               jint kg, jstring name, jobject bb,
                                                               jint len, jint cnt, jdoubleArray out)
{
    jstore *js;
    jtext n;
    const uint8_t *p;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    jrow *row = NULL;
    if (batch_args(env, bb, len, cnt, &p) == 0 &&
        pred_check(env, out, cnt, "predictions", 1) == 0 && (row = row_take(env, js))) {
        otter_error err = {0};
        otter_status st = OTTER_OK;
        rd r = {p, (size_t)len, 0};
        for (jint i = 0; st == OTTER_OK && i < cnt; i++) {
            otter_prediction pr;
            if ((st = batch_row(row, &r, i, &err)) == OTTER_OK &&
                (st = otter_store_predict(js->s, (uint16_t)kg, n.s, row->inst, &pr, &err)) ==
                    OTTER_OK)
                pred_put(env, out, i, &pr);
        }
        if (st == OTTER_OK)
            st = batch_end(&r, &err);
        if (st != OTTER_OK)
            throw_err(env, &err, st);
    }
    row_give(js, row);
    jtext_free(&n);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeLearn(JNIEnv *env, jclass cls, jlong h, jint kg,
                                                        jstring name, jobject bb, jint len,
                                                        jdouble label, jdouble weight,
                                                        jdoubleArray before)
{
    jstore *js;
    jtext n;
    const uint8_t *p;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    jrow *row = NULL;
    if (buffer_get(env, bb, len, &p, "features", 1) == 0 &&
        pred_check(env, before, 1, "before", 0) == 0 && (row = row_take(env, js))) {
        otter_error err = {0};
        otter_prediction pr;
        otter_status st = row_fill(row, p, (size_t)len, &err);
        if (st == OTTER_OK)
            st = otter_store_learn_scored(js->s, (uint16_t)kg, n.s, row->inst, label, weight,
                                          before ? &pr : NULL, &err);
        if (st != OTTER_OK)
            throw_err(env, &err, st);
        else if (before)
            pred_put(env, before, 0, &pr);
    }
    row_give(js, row);
    jtext_free(&n);
}

typedef struct task_view {
    otter_task task;
    size_t k;
} task_view;

static otter_status read_task(void *ud, const otter_learner *l, const otter_bandit *b,
                              otter_error *err)
{
    task_view *v = ud;
    if (!l)
        return otter_error_set(err, OTTER_STATE, "the entity is a bandit, not a learner");
    v->task = otter_learner_task(l);
    v->k = otter_learner_n_classes(l);
    return OTTER_OK;
}

/* The all-or-nothing pass of storeLearnBatch: the entity's task, then every row. */
static otter_status store_batch_check(jstore *js, jint kg, const char *name, jrow *row, rd *r,
                                      jint cnt, const double *y, const double *w, otter_error *err)
{
    task_view tv = {OTTER_TASK_REGRESSION, 0};
    otter_status st = otter_store_read(js->s, (uint16_t)kg, name, read_task, &tv, err);
    for (jint i = 0; st == OTTER_OK && i < cnt; i++)
        if ((st = batch_row(row, r, i, err)) == OTTER_OK &&
            (st = check_example(tv.task, tv.k, y[i], w[i], err)) != OTTER_OK)
            otter_error_prefix(err, "row %d", (int)i);
    if (st == OTTER_OK)
        st = batch_end(r, err);
    r->i = 0;
    return st;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeLearnBatch(
    JNIEnv *env, jclass cls, jlong h, jint kg, jstring name, jobject bb, jint len, jint cnt,
    jdoubleArray labels, jdoubleArray weights, jdoubleArray before)
{
    jstore *js;
    jtext n;
    const uint8_t *p;
    double *y = NULL, *w = NULL;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    jrow *row = NULL;
    if (batch_args(env, bb, len, cnt, &p) == 0 && pred_check(env, before, cnt, "before", 0) == 0 &&
        batch_labels(env, cnt, labels, weights, &y, &w) == 0 && (row = row_take(env, js))) {
        otter_error err = {0};
        rd r = {p, (size_t)len, 0};
        otter_status st = store_batch_check(js, kg, n.s, row, &r, cnt, y, w, &err);
        for (jint i = 0; st == OTTER_OK && i < cnt; i++) {
            otter_prediction pr;
            if ((st = batch_row(row, &r, i, &err)) == OTTER_OK &&
                (st = otter_store_learn_scored(js->s, (uint16_t)kg, n.s, row->inst, y[i], w[i],
                                               before ? &pr : NULL, &err)) == OTTER_OK &&
                before)
                pred_put(env, before, i, &pr);
        }
        if (st != OTTER_OK)
            throw_err(env, &err, st);
    }
    free(y);
    free(w);
    row_give(js, row);
    jtext_free(&n);
}

JNIEXPORT jint JNICALL Java_org_otter_Native_storeFeedback(JNIEnv *env, jclass cls, jlong h,
                                                           jint kg, jstring name, jstring id,
                                                           jdouble label, jdouble weight,
                                                           jdoubleArray before)
{
    jstore *js;
    jtext n, e;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return -1;
    int code = -1;
    if (pred_check(env, before, 1, "before", 0) == 0 &&
        jtext_get(env, id, &e, "event id", 1, OTTER_EVENT_ID_MAX - 1) == 0) {
        otter_error err = {0};
        otter_prediction pr;
        otter_status st = otter_store_feedback_scored(js->s, (uint16_t)kg, n.s, e.s, label, weight,
                                                      before ? &pr : NULL, &err);
        if (st == OTTER_OK) {
            code = org_otter_Native_EVENT_OK;
            if (before)
                pred_put(env, before, 0, &pr);
        } else if (st == OTTER_NOT_FOUND)
            code = not_found_code(env, js, kg, n.s, &err);
        else
            throw_err(env, &err, st);
        jtext_free(&e);
    }
    jtext_free(&n);
    return code;
}

/* Generic pending events (otter_store_event_put / _take): a payload kept under an id in
 * the entity's key group until taken or expired; the entity need not exist. */
JNIEXPORT jboolean JNICALL Java_org_otter_Native_storeEventPut(JNIEnv *env, jclass cls, jlong h,
                                                               jint kg, jstring name, jstring id,
                                                               jbyteArray payload, jlong deadline)
{
    jstore *js;
    jtext n, e;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return JNI_FALSE;
    jboolean put = JNI_FALSE;
    if (!payload)
        throwf(env, OTTER_INVALID, "payload is required (got null)");
    else if (jtext_get(env, id, &e, "event id", 1, OTTER_EVENT_ID_MAX - 1) == 0) {
        jsize len = (*env)->GetArrayLength(env, payload);
        jbyte *p = (*env)->GetByteArrayElements(env, payload, NULL);
        if (p) {
            otter_error err = {0};
            otter_status st = otter_store_event_put(js->s, (uint16_t)kg, n.s, e.s, p, (size_t)len,
                                                    (int64_t)deadline, &err);
            (*env)->ReleaseByteArrayElements(env, payload, p, JNI_ABORT);
            if (st == OTTER_OK)
                put = JNI_TRUE;
            else if (st != OTTER_EXISTS)
                throw_err(env, &err, st);
        }
        jtext_free(&e);
    }
    jtext_free(&n);
    return put;
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_storeEventTake(JNIEnv *env, jclass cls, jlong h,
                                                                  jint kg, jstring name, jstring id)
{
    jstore *js;
    jtext n, e;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return NULL;
    jbyteArray out = NULL;
    if (jtext_get(env, id, &e, "event id", 1, OTTER_EVENT_ID_MAX - 1) == 0) {
        otter_buf b = OTTER_BUF_INIT;
        otter_error err = {0};
        otter_status st = otter_store_event_take(js->s, (uint16_t)kg, n.s, e.s, &b, &err);
        if (st == OTTER_OK)
            out = new_bytes(env, b.data, b.len);
        else if (st != OTTER_NOT_FOUND)
            throw_err(env, &err, st);
        otter_buf_free(&b);
        jtext_free(&e);
    }
    jtext_free(&n);
    return out;
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_storeRank(
    JNIEnv *env, jclass cls, jlong h, jint kg, jstring name, jobject bb, jint len, jstring id,
    jobjectArray cand, jobjectArray excl, jstring unit, jboolean defer, jlong now)
{
    jstore *js;
    jtext n;
    const uint8_t *p;
    rank_args a;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return NULL;
    jbyteArray out = NULL;
    jrow *row = NULL;
    if (buffer_get(env, bb, len, &p, "context features", 0) == 0 &&
        rank_args_get(env, id, cand, excl, unit, &a) == 0) {
        otter_error err = {0};
        otter_status st = OTTER_OK;
        otter_decision d = OTTER_DECISION_INIT;
        if (p && !(row = row_take(env, js)))
            st = OTTER_NOMEM; /* exception pending */
        else if (p)
            st = row_fill(row, p, (size_t)len, &err);
        if (st == OTTER_OK) {
            otter_rank_request rq = rank_request(&a, p ? row->inst : NULL, defer, now);
            st = otter_store_rank(js->s, (uint16_t)kg, n.s, &rq, &d, &err);
        }
        if (st == OTTER_OK) {
            otter_buf b = OTTER_BUF_INIT;
            out = decision_bytes(env, &d, &b);
            otter_buf_free(&b);
        } else
            throw_err(env, &err, st);
        otter_decision_free(&d);
        rank_args_free(&a);
    }
    row_give(js, row);
    jtext_free(&n);
    return out;
}

/* reward (op 0), activate (op 1) of a bandit entity, as an EventResult code. */
static jint store_event(JNIEnv *env, jlong h, jint kg, jstring name, jstring id, int op,
                        double reward, jlong now)
{
    jstore *js;
    jtext n, e;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return -1;
    int code = -1;
    if (jtext_get(env, id, &e, "event id", 1, OTTER_EVENT_ID_MAX - 1) == 0) {
        otter_error err = {0};
        otter_status st = op == 0
                              ? otter_store_reward(js->s, (uint16_t)kg, n.s, e.s, reward, now, &err)
                              : otter_store_activate(js->s, (uint16_t)kg, n.s, e.s, now, &err);
        if (st == OTTER_NOT_FOUND)
            code = not_found_code(env, js, kg, n.s, &err);
        else if ((code = event_code(st)) < 0)
            throw_err(env, &err, st);
        jtext_free(&e);
    }
    jtext_free(&n);
    return code;
}

JNIEXPORT jint JNICALL Java_org_otter_Native_storeReward(JNIEnv *env, jclass cls, jlong h, jint kg,
                                                         jstring name, jstring id, jdouble reward,
                                                         jlong now)
{
    return store_event(env, h, kg, name, id, 0, reward, now);
}

JNIEXPORT jint JNICALL Java_org_otter_Native_storeActivate(JNIEnv *env, jclass cls, jlong h,
                                                           jint kg, jstring name, jstring id,
                                                           jlong now)
{
    return store_event(env, h, kg, name, id, 1, 0, now);
}

static void store_arm(JNIEnv *env, jlong h, jint kg, jstring name, jstring arm, int add)
{
    jstore *js;
    jtext n, t;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    if (jtext_get(env, arm, &t, "arm", 1, OTTER_ARM_NAME_MAX) == 0) {
        otter_error err = {0};
        otter_status st = add ? otter_store_add_arm(js->s, (uint16_t)kg, n.s, t.s, &err)
                              : otter_store_remove_arm(js->s, (uint16_t)kg, n.s, t.s, &err);
        if (st != OTTER_OK)
            throw_err(env, &err, st);
        jtext_free(&t);
    }
    jtext_free(&n);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeAddArm(JNIEnv *env, jclass cls, jlong h, jint kg,
                                                         jstring name, jstring arm)
{
    store_arm(env, h, kg, name, arm, 1);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeRemoveArm(JNIEnv *env, jclass cls, jlong h,
                                                            jint kg, jstring name, jstring arm)
{
    store_arm(env, h, kg, name, arm, 0);
}

/* Little-endian appends for the packed results (expired events, entity lists). */
static otter_status put_le(otter_buf *b, uint64_t v, size_t n, otter_error *err)
{
    uint8_t x[8];
    for (size_t i = 0; i < n; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return otter_buf_append(b, x, n, err);
}

static otter_status put_str16(otter_buf *b, const char *s, otter_error *err)
{
    size_t n = strlen(s);
    otter_status st = put_le(b, n, 2, err);
    return st == OTTER_OK ? otter_buf_append(b, s, n, err) : st;
}

typedef struct packer {
    otter_buf buf;
    uint32_t n;
    otter_status st;
    otter_error err;
} packer;

static void expired_one(void *ud, const otter_expired_event *ev)
{
    packer *pk = ud;
    if (pk->st != OTTER_OK)
        return;
    if ((pk->st = put_le(&pk->buf, ev->key_group, 2, &pk->err)) == OTTER_OK &&
        (pk->st = put_str16(&pk->buf, ev->entity, &pk->err)) == OTTER_OK &&
        (pk->st = put_str16(&pk->buf, ev->event_id, &pk->err)) == OTTER_OK)
        pk->st = put_le(&pk->buf, (uint64_t)ev->deadline_ms, 8, &pk->err);
    pk->n++;
}

/* The packed bytes of pk with the count in front, as a byte[]. */
static jbyteArray packer_bytes(JNIEnv *env, packer *pk)
{
    for (int k = 0; k < 4; k++)
        pk->buf.data[k] = (uint8_t)(pk->n >> (8 * k));
    return new_bytes(env, pk->buf.data, pk->buf.len);
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_storeExpire(JNIEnv *env, jclass cls, jlong h,
                                                               jlong now)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return NULL;
    packer pk = {OTTER_BUF_INIT, 0, OTTER_OK, {0}};
    otter_error err = {0};
    otter_status st = put_le(&pk.buf, 0, 4, &err);
    if (st == OTTER_OK)
        st = otter_store_expire(js->s, now, expired_one, &pk, NULL, &err);
    jbyteArray out = NULL;
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    else if (pk.st != OTTER_OK)
        throw_err(env, &pk.err, pk.st);
    else
        out = packer_bytes(env, &pk);
    otter_buf_free(&pk.buf);
    return out;
}

static void snapshot_longs(const otter_snapshot_info *s, jlong *v)
{
    int64_t secs;
    memcpy(&secs, &s->seconds, sizeof secs);
    v[0] = (jlong)s->id;
    v[1] = (jlong)s->parent;
    v[2] = (jlong)s->time_ms;
    v[3] = (jlong)s->entities;
    v[4] = (jlong)s->events;
    v[5] = (jlong)s->kg_lo;
    v[6] = (jlong)s->kg_hi;
    v[7] = (jlong)s->bytes;
    v[8] = (jlong)s->files;
    v[9] = (jlong)secs;
}

#define SNAP_FIELDS 10

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_storeSnapshot(JNIEnv *env, jclass cls, jlong h,
                                                                 jlong id)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return NULL;
    otter_snapshot_info info;
    otter_error err = {0};
    otter_status st = otter_store_snapshot(js->s, (uint64_t)id, &info, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    jlong v[SNAP_FIELDS];
    snapshot_longs(&info, v);
    return new_longs(env, v, SNAP_FIELDS);
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_storeSnapshots(JNIEnv *env, jclass cls, jlong h)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return NULL;
    otter_snapshot_info *s = NULL;
    size_t n = 0;
    otter_error err = {0};
    otter_status st = otter_store_snapshots(js->s, &s, &n, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    jlong *v = malloc((n ? n : 1) * SNAP_FIELDS * sizeof *v);
    jlongArray out = NULL;
    if (!v)
        throwf(env, OTTER_NOMEM, "cannot list %zu snapshots", n);
    else {
        for (size_t i = 0; i < n; i++)
            snapshot_longs(&s[i], v + i * SNAP_FIELDS);
        out = new_longs(env, v, n * SNAP_FIELDS);
    }
    free(v);
    free(s);
    return out;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeRestore(JNIEnv *env, jclass cls, jlong h,
                                                          jlong id)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return;
    otter_error err = {0};
    otter_status st = otter_store_restore(js->s, (uint64_t)id, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeRetain(JNIEnv *env, jclass cls, jlong h, jint n)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return;
    if (n < 1) {
        throwf(env, OTTER_INVALID, "retain needs n >= 1, got %d", (int)n);
        return;
    }
    otter_error err = {0};
    otter_status st = otter_store_retain(js->s, (size_t)n, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeDropSnapshot(JNIEnv *env, jclass cls, jlong h,
                                                               jlong id)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return;
    otter_error err = {0};
    otter_status st = otter_store_drop(js->s, (uint64_t)id, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

/* A Java stream and its chunk array, for export and import. */
typedef struct jstream {
    JNIEnv *env;
    jobject stream;
    jbyteArray chunk;
    jsize cap;
} jstream;

static otter_status stream_write(void *ud, const void *data, size_t len, otter_error *err)
{
    jstream *s = ud;
    JNIEnv *env = s->env;
    const jbyte *p = data;
    while (len) {
        jsize k = len < (size_t)s->cap ? (jsize)len : s->cap;
        (*env)->SetByteArrayRegion(env, s->chunk, 0, k, p);
        (*env)->CallVoidMethod(env, s->stream, out_write, s->chunk, 0, k);
        if ((*env)->ExceptionCheck(env))
            return otter_error_set(err, OTTER_IO, "the OutputStream threw");
        p += k;
        len -= (size_t)k;
    }
    return OTTER_OK;
}

static otter_status stream_read(void *ud, void *data, size_t len, size_t *got, otter_error *err)
{
    jstream *s = ud;
    JNIEnv *env = s->env;
    *got = 0;
    jsize k = len < (size_t)s->cap ? (jsize)len : s->cap;
    if (k == 0)
        return OTTER_OK;
    jint r;
    do
        r = (*env)->CallIntMethod(env, s->stream, in_read, s->chunk, 0, k);
    while (r == 0 && !(*env)->ExceptionCheck(env));
    if ((*env)->ExceptionCheck(env))
        return otter_error_set(err, OTTER_IO, "the InputStream threw");
    if (r < 0)
        return OTTER_OK; /* end of stream */
    if (r > k)
        return otter_error_set(err, OTTER_IO, "InputStream.read returned %d > %d", (int)r, (int)k);
    (*env)->GetByteArrayRegion(env, s->chunk, 0, r, data);
    *got = (size_t)r;
    return OTTER_OK;
}

static int stream_args(JNIEnv *env, jobject stream, jbyteArray chunk, const char *what, jstream *s)
{
    if (!stream || !chunk || (*env)->GetArrayLength(env, chunk) < 1) {
        throwf(env, OTTER_INVALID, "%s is required (got null)", what);
        return -1;
    }
    s->env = env;
    s->stream = stream;
    s->chunk = chunk;
    s->cap = (*env)->GetArrayLength(env, chunk);
    return 0;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeExport(JNIEnv *env, jclass cls, jlong h, jlong id,
                                                         jint lo, jint hi, jobject out,
                                                         jbyteArray chunk)
{
    jstore *js = handle(env, h, JH_STORE);
    jstream s;
    if (!js || range_args(env, lo, hi) != 0 || stream_args(env, out, chunk, "output stream", &s))
        return;
    otter_error err = {0};
    otter_status st =
        otter_store_export(js->s, (uint64_t)id, (uint16_t)lo, (uint16_t)hi, stream_write, &s, &err);
    if (st != OTTER_OK) /* no-op when the stream's own exception is pending */
        throw_err(env, &err, st);
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_storeImport(JNIEnv *env, jclass cls, jlong h,
                                                               jobject in, jbyteArray chunk)
{
    jstore *js = handle(env, h, JH_STORE);
    jstream s;
    if (!js || stream_args(env, in, chunk, "input stream", &s))
        return NULL;
    otter_error err = {0};
    uint64_t ne = 0, nv = 0;
    otter_status st = otter_store_import(js->s, stream_read, &s, &ne, &nv, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    jlong v[2] = {(jlong)ne, (jlong)nv};
    return new_longs(env, v, 2);
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_storeImportNext(JNIEnv *env, jclass cls, jlong h,
                                                                   jobject in, jbyteArray chunk)
{
    jstore *js = handle(env, h, JH_STORE);
    jstream s;
    if (!js || stream_args(env, in, chunk, "input stream", &s))
        return NULL;
    otter_error err = {0};
    uint64_t ne = 0, nv = 0;
    otter_status st = otter_store_import_next(js->s, stream_read, &s, &ne, &nv, &err);
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    jlong v[2] = {(jlong)ne, (jlong)nv};
    return new_longs(env, v, 2);
}

/* Exports every non-empty key group of [lo, hi] of snapshot id as its own stream, from
 * one open snapshot: for each, sink.startKeyGroup(kg) gives the OutputStream to write it
 * to. Returns how many key groups were written, or -1 with an exception pending. */
JNIEXPORT jint JNICALL Java_org_otter_Native_storeExportKeyGroups(JNIEnv *env, jclass cls, jlong h,
                                                                  jlong id, jint lo, jint hi,
                                                                  jobject sink, jbyteArray chunk)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js || range_args(env, lo, hi) != 0)
        return -1;
    if (!sink || !chunk || (*env)->GetArrayLength(env, chunk) < 1) {
        throwf(env, OTTER_INVALID, "key-group sink is required (got null)");
        return -1;
    }
    jclass sc = (*env)->GetObjectClass(env, sink);
    jmethodID start = (*env)->GetMethodID(env, sc, "startKeyGroup", "(I)Ljava/io/OutputStream;");
    if (!start)
        return -1; /* NoSuchMethodError pending */
    otter_error err = {0};
    otter_snapshot_reader *r = NULL;
    otter_status st = otter_snapshot_reader_create(js->s, (uint64_t)id, &r, &err);
    jint n = 0;
    int kg = -1;
    for (jint from = lo; st == OTTER_OK && from <= hi; from = kg + 1) {
        st = otter_snapshot_reader_next_group(r, (uint16_t)from, (uint16_t)hi, &kg, &err);
        if (st != OTTER_OK || kg < 0)
            break;
        jobject out = (*env)->CallObjectMethod(env, sink, start, (jint)kg);
        if ((*env)->ExceptionCheck(env)) {
            st = OTTER_IO;
            break;
        }
        jstream s;
        if (stream_args(env, out, chunk, "the sink's output stream", &s)) {
            st = OTTER_INVALID;
            break;
        }
        st = otter_snapshot_reader_export(r, (uint16_t)kg, (uint16_t)kg, stream_write, &s, &err);
        (*env)->DeleteLocalRef(env, out);
        n++;
    }
    otter_snapshot_reader_destroy(r);
    if (st != OTTER_OK) {
        if (!(*env)->ExceptionCheck(env)) /* the sink's or stream's own exception wins */
            throw_err(env, &err, st);
        return -1;
    }
    return n;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storeDropKeyGroups(JNIEnv *env, jclass cls, jlong h,
                                                                jint lo, jint hi)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js || range_args(env, lo, hi) != 0)
        return;
    otter_error err = {0};
    otter_status st = otter_store_drop_key_groups(js->s, (uint16_t)lo, (uint16_t)hi, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_storeGetState(JNIEnv *env, jclass cls, jlong h,
                                                                 jint kg, jstring name)
{
    jstore *js;
    jtext n;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return NULL;
    otter_buf b = OTTER_BUF_INIT;
    otter_error err = {0};
    otter_status st = otter_store_get_state(js->s, (uint16_t)kg, n.s, &b, &err);
    jbyteArray out = NULL;
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    else
        out = new_bytes(env, b.data, b.len);
    otter_buf_free(&b);
    jtext_free(&n);
    return out;
}

JNIEXPORT void JNICALL Java_org_otter_Native_storePutState(JNIEnv *env, jclass cls, jlong h,
                                                           jint kg, jstring name, jint kind,
                                                           jbyteArray blob)
{
    jstore *js;
    jtext n;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return;
    uint8_t *b = NULL;
    size_t len = 0;
    if (kind != OTTER_ENTITY_LEARNER && kind != OTTER_ENTITY_BANDIT)
        throwf(env, OTTER_INVALID, "entity kind %d is not LEARNER (1) or BANDIT (2)", (int)kind);
    else if (bytes_get(env, blob, &b, &len, "blob") == 0) {
        otter_error err = {0};
        otter_status st = otter_store_put_state(js->s, (uint16_t)kg, n.s, (otter_entity_kind)kind,
                                                b ? b : (const uint8_t *)"", len, &err);
        if (st != OTTER_OK)
            throw_err(env, &err, st);
    }
    free(b);
    jtext_free(&n);
}

JNIEXPORT jboolean JNICALL Java_org_otter_Native_storeDelete(JNIEnv *env, jclass cls, jlong h,
                                                             jint kg, jstring name)
{
    jstore *js;
    jtext n;
    if (entity_args(env, h, kg, name, &js, &n) != 0)
        return JNI_FALSE;
    otter_error err = {0};
    otter_status st = otter_store_delete(js->s, (uint16_t)kg, n.s, &err);
    jtext_free(&n);
    if (st != OTTER_OK && st != OTTER_NOT_FOUND)
        throw_err(env, &err, st);
    return st == OTTER_OK ? JNI_TRUE : JNI_FALSE;
}

static otter_status listed_one(void *ud, const otter_entity_info *info)
{
    packer *pk = ud;
    uint8_t kind = (uint8_t)info->kind;
    otter_status st = otter_buf_append(&pk->buf, &kind, 1, &pk->err);
    if (st == OTTER_OK)
        st = put_le(&pk->buf, info->key_group, 2, &pk->err);
    if (st == OTTER_OK)
        st = put_str16(&pk->buf, info->name, &pk->err);
    if (st == OTTER_OK)
        st = put_str16(&pk->buf, info->type, &pk->err);
    if (st == OTTER_OK)
        st = put_le(&pk->buf, info->version, 8, &pk->err);
    if (st == OTTER_OK)
        st = put_le(&pk->buf, info->bytes, 8, &pk->err);
    if (st == OTTER_OK)
        st = put_le(&pk->buf, info->dirty ? 1 : 0, 1, &pk->err);
    pk->n++;
    return pk->st = st;
}

JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_storeList(JNIEnv *env, jclass cls, jlong h,
                                                             jint lo, jint hi)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js || range_args(env, lo, hi) != 0)
        return NULL;
    packer pk = {OTTER_BUF_INIT, 0, OTTER_OK, {0}};
    otter_error err = {0};
    otter_status st = put_le(&pk.buf, 0, 4, &err);
    if (st == OTTER_OK)
        st = otter_store_list(js->s, (uint16_t)lo, (uint16_t)hi, listed_one, &pk, &err);
    jbyteArray out = NULL;
    if (pk.st != OTTER_OK)
        throw_err(env, &pk.err, pk.st);
    else if (st != OTTER_OK)
        throw_err(env, &err, st);
    else
        out = packer_bytes(env, &pk);
    otter_buf_free(&pk.buf);
    return out;
}

JNIEXPORT jlongArray JNICALL Java_org_otter_Native_storeStats(JNIEnv *env, jclass cls, jlong h)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return NULL;
    otter_store_stats s;
    otter_store_stats_get(js->s, &s);
    jlong v[9] = {(jlong)s.entities,       (jlong)s.loaded,        (jlong)s.dirty,
                  (jlong)s.pending_events, (jlong)s.log_records,   (jlong)s.syncs,
                  (jlong)s.replayed,       (jlong)s.last_snapshot, (jlong)s.durability};
    return new_longs(env, v, 9);
}

static otter_status sum_bytes(void *ud, const otter_entity_info *info)
{
    *(uint64_t *)ud += info->bytes;
    return OTTER_OK;
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_storeNativeBytes(JNIEnv *env, jclass cls, jlong h)
{
    jstore *js = handle(env, h, JH_STORE);
    if (!js)
        return 0;
    uint64_t total = 0;
    otter_error err = {0};
    otter_status st = otter_store_list(js->s, 0, OTTER_KEY_GROUPS - 1, sum_bytes, &total, &err);
    if (st != OTTER_OK)
        throw_err(env, &err, st);
    return (jlong)total;
}

/* ---- stream generators (the rows of `otter gen`) ---- */

typedef struct jgen {
    jhead h;
    otter_gen *g;
    otter_instance *inst;
    otter_buf buf;
} jgen;

static void gen_free(jgen *jg)
{
    if (!jg)
        return;
    otter_gen_destroy(jg->g);
    otter_instance_destroy(jg->inst);
    otter_buf_free(&jg->buf);
    otter_context_destroy(jg->h.ctx);
    free(jg);
}

JNIEXPORT jlong JNICALL Java_org_otter_Native_genCreate(JNIEnv *env, jclass cls, jstring type,
                                                        jstring params, jlong seed)
{
    jtext t;
    if (jtext_get(env, type, &t, "generator type", 1, 255) != 0)
        return 0;
    otter_params *p = params_get(env, params);
    jgen *jg = p ? calloc(1, sizeof *jg) : NULL;
    if (p && !jg)
        throwf(env, OTTER_NOMEM, "cannot allocate a generator handle");
    if (jg) {
        jg->h.magic = JH_MAGIC;
        jg->h.kind = JH_GEN;
        otter_error err = {0};
        otter_status st = otter_context_create(&jg->h.ctx, &err);
        if (st == OTTER_OK)
            st = otter_instance_create(&jg->inst, &err);
        if (st == OTTER_OK)
            st = otter_gen_create(jg->h.ctx, t.s, p, (uint64_t)seed, &jg->g, &err);
        if (st != OTTER_OK) {
            gen_free(jg);
            jg = NULL;
            throw_err(env, &err, st);
        }
    }
    otter_params_destroy(p);
    jtext_free(&t);
    return (jlong)(intptr_t)jg;
}

JNIEXPORT void JNICALL Java_org_otter_Native_genFree(JNIEnv *env, jclass cls, jlong h)
{
    gen_free(handle_for_free(h, JH_GEN));
}

JNIEXPORT jobjectArray JNICALL Java_org_otter_Native_genMetaNames(JNIEnv *env, jclass cls, jlong h)
{
    jgen *jg = handle(env, h, JH_GEN);
    if (!jg)
        return NULL;
    const otter_gen_type *t = otter_gen_type_of(jg->g);
    jobjectArray a = (*env)->NewObjectArray(env, (jsize)t->n_meta, string_class, NULL);
    for (size_t i = 0; a && i < t->n_meta; i++) {
        jstring s = (*env)->NewStringUTF(env, t->meta_names[i]);
        if (!s)
            return NULL;
        (*env)->SetObjectArrayElement(env, a, (jsize)i, s);
        (*env)->DeleteLocalRef(env, s);
    }
    return a;
}

static otter_status put_u16str(otter_buf *b, const char *s, otter_error *err)
{
    size_t n = strlen(s);
    uint8_t l[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
    otter_status st = otter_buf_append(b, l, 2, err);
    return st == OTTER_OK ? otter_buf_append(b, s, n, err) : st;
}

/* The next row as bytes in the host order (little-endian: the jar carries x86-64 only): f64 label,
 * u32 meta count, f64 meta..., u32 feature count, per feature u8 kind (0 numeric, 1 categorical),
 * str16 namespace, str16 name, then f64 value or str16 category (str16: u16 length, UTF-8 bytes).
 */
JNIEXPORT jbyteArray JNICALL Java_org_otter_Native_genNext(JNIEnv *env, jclass cls, jlong h)
{
    jgen *jg = handle(env, h, JH_GEN);
    if (!jg)
        return NULL;
    otter_error err = {0};
    otter_gen_row row;
    otter_status st = otter_gen_next(jg->g, jg->inst, &row, &err);
    size_t n_meta = otter_gen_type_of(jg->g)->n_meta;
    size_t n = otter_instance_size(jg->inst);
    otter_buf *b = &jg->buf;
    b->len = 0;
    uint8_t w[8];
    if (st == OTTER_OK) {
        memcpy(w, &row.label, 8);
        st = otter_buf_append(b, w, 8, &err);
    }
    uint32_t c = (uint32_t)n_meta;
    if (st == OTTER_OK)
        st = otter_buf_append(b, &c, 4, &err);
    for (size_t i = 0; st == OTTER_OK && i < n_meta; i++)
        st = otter_buf_append(b, &row.meta[i], 8, &err);
    c = (uint32_t)n;
    if (st == OTTER_OK)
        st = otter_buf_append(b, &c, 4, &err);
    for (size_t i = 0; st == OTTER_OK && i < n; i++) {
        otter_feature f;
        st = otter_instance_feature(jg->inst, i, &f, &err);
        uint8_t kind = f.category ? 1 : 0;
        if (st == OTTER_OK)
            st = otter_buf_append(b, &kind, 1, &err);
        if (st == OTTER_OK)
            st = put_u16str(b, f.ns, &err);
        if (st == OTTER_OK)
            st = put_u16str(b, f.name, &err);
        if (st == OTTER_OK)
            st = kind ? put_u16str(b, f.category, &err) : otter_buf_append(b, &f.value, 8, &err);
    }
    if (st != OTTER_OK) {
        throw_err(env, &err, st);
        return NULL;
    }
    return new_bytes(env, b->data, b->len);
}

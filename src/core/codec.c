/* Little-endian encoding helpers and the blob frame shared by every state format.
 * Checks happen here once, so algorithm decoders only validate their own fields. */
#include "codec_int.h"

#include <string.h>

#include "otter/hash.h"

void otter__wr_init(otter__wr *w, otter_buf *buf, otter_error *err)
{
    w->buf = buf;
    w->st = OTTER_OK;
    w->err = err;
}

void otter__wr_bytes(otter__wr *w, const void *p, size_t n)
{
    if (w->st == OTTER_OK)
        w->st = otter_buf_append(w->buf, p, n, w->err);
}

static void put_le(otter__wr *w, uint64_t v, int n)
{
    uint8_t b[8];
    for (int i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    otter__wr_bytes(w, b, (size_t)n);
}

void otter__wr_u8(otter__wr *w, uint8_t v)
{
    put_le(w, v, 1);
}
void otter__wr_u16(otter__wr *w, uint16_t v)
{
    put_le(w, v, 2);
}
void otter__wr_u32(otter__wr *w, uint32_t v)
{
    put_le(w, v, 4);
}
void otter__wr_u64(otter__wr *w, uint64_t v)
{
    put_le(w, v, 8);
}

void otter__wr_f64(otter__wr *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_le(w, u, 8);
}

static int host_is_le(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

void otter__wr_f64s(otter__wr *w, const double *v, size_t n)
{
    if (host_is_le()) {
        otter__wr_bytes(w, v, n * sizeof *v);
        return;
    }
    for (size_t i = 0; i < n; i++)
        otter__wr_f64(w, v[i]);
}

void otter__wr_str(otter__wr *w, const char *s, size_t n)
{
    if (n > UINT32_MAX) {
        if (w->st == OTTER_OK)
            w->st = otter_error_set(w->err, OTTER_INVALID, "string too long to encode");
        return;
    }
    otter__wr_u32(w, (uint32_t)n);
    otter__wr_bytes(w, s, n);
}

void otter__rd_init(otter__rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->failed = 0;
}

const uint8_t *otter__rd_bytes(otter__rd *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->pos;
    r->pos += n;
    return q;
}

static uint64_t get_le(otter__rd *r, int n)
{
    const uint8_t *b = otter__rd_bytes(r, (size_t)n);
    uint64_t v = 0;
    for (int i = 0; b && i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t otter__rd_u8(otter__rd *r)
{
    return (uint8_t)get_le(r, 1);
}
uint16_t otter__rd_u16(otter__rd *r)
{
    return (uint16_t)get_le(r, 2);
}
uint32_t otter__rd_u32(otter__rd *r)
{
    return (uint32_t)get_le(r, 4);
}
uint64_t otter__rd_u64(otter__rd *r)
{
    return get_le(r, 8);
}

double otter__rd_f64(otter__rd *r)
{
    uint64_t u = get_le(r, 8);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

void otter__rd_f64s(otter__rd *r, double *out, size_t n)
{
    if (n > (r->len - r->pos) / 8 || r->failed) {
        r->failed = 1;
        return;
    }
    if (n == 0) /* out may be NULL for an empty array; memcpy must not see it */
        return;
    if (host_is_le()) {
        memcpy(out, otter__rd_bytes(r, n * 8), n * 8);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = otter__rd_f64(r);
}

const char *otter__rd_str(otter__rd *r, size_t *n)
{
    uint32_t len = otter__rd_u32(r);
    const uint8_t *b = otter__rd_bytes(r, len);
    *n = b ? len : 0;
    return (const char *)b;
}

otter_status otter__blob_begin(otter_buf *out, const char *type, uint16_t type_version,
                               const char *params, size_t params_len, size_t *len_at,
                               otter_error *err)
{
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_bytes(&w, OTTER__BLOB_MAGIC, 4);
    otter__wr_u16(&w, OTTER__BLOB_VERSION);
    otter__wr_str(&w, type, strlen(type));
    otter__wr_u16(&w, type_version);
    otter__wr_str(&w, params, params_len);
    *len_at = out->len;
    otter__wr_u64(&w, 0);
    return w.st;
}

otter_status otter__blob_end(otter_buf *out, size_t start, size_t len_at, otter_error *err)
{
    uint64_t payload = out->len - len_at - 8;
    for (int i = 0; i < 8; i++)
        out->data[len_at + (size_t)i] = (uint8_t)(payload >> (8 * i));
    uint32_t crc = otter_crc32c(0, out->data + start, out->len - start);
    otter__wr w;
    otter__wr_init(&w, out, err);
    otter__wr_u32(&w, crc);
    return w.st;
}

otter_status otter__blob_parse(const uint8_t *p, size_t len, otter__blob *out, otter_error *err)
{
    if (!p || len < 4 + 2 + 4 + 2 + 4 + 8 + 4)
        return otter_error_set(err, OTTER_CORRUPT, "state blob is truncated (%zu bytes)", len);
    if (memcmp(p, OTTER__BLOB_MAGIC, 4) != 0)
        return otter_error_set(err, OTTER_CORRUPT, "not an Otter state blob (bad magic)");
    otter__rd r;
    otter__rd_init(&r, p, len - 4);
    otter__rd_bytes(&r, 4);
    uint16_t version = otter__rd_u16(&r);
    if (version > OTTER__BLOB_VERSION)
        return otter_error_set(err, OTTER_VERSION,
                               "state blob format version %u is newer than this library's (%u)",
                               (unsigned)version, (unsigned)OTTER__BLOB_VERSION);
    if (version == 0)
        return otter_error_set(err, OTTER_CORRUPT, "state blob has format version 0");
    out->type = otter__rd_str(&r, &out->type_len);
    out->type_version = otter__rd_u16(&r);
    out->params = otter__rd_str(&r, &out->params_len);
    uint64_t plen = otter__rd_u64(&r);
    if (!otter__rd_ok(&r) || plen != r.len - r.pos)
        return otter_error_set(err, OTTER_CORRUPT,
                               "state blob is truncated or has a bad length field");
    out->payload = p + r.pos;
    out->payload_len = (size_t)plen;
    uint32_t want = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 | (uint32_t)p[len - 2] << 16 |
                    (uint32_t)p[len - 1] << 24;
    uint32_t got = otter_crc32c(0, p, len - 4);
    if (want != got)
        return otter_error_set(err, OTTER_CORRUPT,
                               "state blob checksum mismatch (stored %08x, computed %08x)", want,
                               got);
    return OTTER_OK;
}

/* Little-endian writer and bounds-checked reader for state payloads and blobs.
 *
 * The writer appends to an otter_buf and remembers the first failure, so encoders can
 * write a sequence of fields and check once at the end. The reader never reads past
 * its end: any read that would overrun sets `failed`, returns zeros, and every later
 * read fails too, so a decoder checks otter__rd_ok() once per section. */
#ifndef OTTER_CODEC_INT_H
#define OTTER_CODEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "otter/buf.h"
#include "otter/status.h"

typedef struct otter__wr {
    otter_buf *buf;
    otter_status st;
    otter_error *err;
} otter__wr;

void otter__wr_init(otter__wr *w, otter_buf *buf, otter_error *err);
void otter__wr_bytes(otter__wr *w, const void *p, size_t n);
void otter__wr_u8(otter__wr *w, uint8_t v);
void otter__wr_u16(otter__wr *w, uint16_t v);
void otter__wr_u32(otter__wr *w, uint32_t v);
void otter__wr_u64(otter__wr *w, uint64_t v);
void otter__wr_f64(otter__wr *w, double v);
/* An array of doubles, each little-endian (a bulk copy on little-endian hosts). */
void otter__wr_f64s(otter__wr *w, const double *v, size_t n);
/* u32 length + bytes */
void otter__wr_str(otter__wr *w, const char *s, size_t n);

typedef struct otter__rd {
    const uint8_t *p;
    size_t len, pos;
    int failed;
} otter__rd;

void otter__rd_init(otter__rd *r, const uint8_t *p, size_t len);
const uint8_t *otter__rd_bytes(otter__rd *r, size_t n); /* NULL on overrun */
uint8_t otter__rd_u8(otter__rd *r);
uint16_t otter__rd_u16(otter__rd *r);
uint32_t otter__rd_u32(otter__rd *r);
uint64_t otter__rd_u64(otter__rd *r);
double otter__rd_f64(otter__rd *r);
void otter__rd_f64s(otter__rd *r, double *out, size_t n);
/* u32 length + bytes; returns a borrowed pointer and its length (not NUL-terminated). */
const char *otter__rd_str(otter__rd *r, size_t *n);
/* True while no read has overrun. */
static inline int otter__rd_ok(const otter__rd *r)
{
    return !r->failed;
}
/* True when every byte was consumed and nothing overran. */
static inline int otter__rd_done(const otter__rd *r)
{
    return !r->failed && r->pos == r->len;
}

/* Blob framing (see docs/architecture.md): magic "OTR1", u16 format version,
 * str type name, u16 type state version, str canonical params, u64 payload length,
 * payload, u32 CRC32C of everything before it. */
#define OTTER__BLOB_MAGIC "OTR1"
#define OTTER__BLOB_VERSION 1

typedef struct otter__blob {
    const char *type; /* borrowed from the blob bytes, not NUL-terminated */
    size_t type_len;
    uint16_t type_version;
    const char *params; /* canonical "k=v\n" text, not NUL-terminated */
    size_t params_len;
    const uint8_t *payload;
    size_t payload_len;
} otter__blob;

/* Writes the header; returns the offset where the caller writes the payload length. */
otter_status otter__blob_begin(otter_buf *out, const char *type, uint16_t type_version,
                               const char *params, size_t params_len, size_t *len_at,
                               otter_error *err);
/* Patches the payload length and appends the checksum of everything from start. */
otter_status otter__blob_end(otter_buf *out, size_t start, size_t len_at, otter_error *err);
/* Parses and verifies a blob (magic, version, checksum, lengths). */
otter_status otter__blob_parse(const uint8_t *p, size_t len, otter__blob *out, otter_error *err);

#endif

/* otter_buf: a growable byte buffer, the carrier of encoded state (blobs).
 *
 * A small value type the caller owns: zero-initialise it (OTTER_BUF_INIT), let encode
 * functions append to it, and release its memory with otter_buf_free(). Appending
 * functions leave the existing bytes untouched on failure.
 */
#ifndef OTTER_BUF_H
#define OTTER_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otter_buf {
    uint8_t *data; /* owned; NULL when cap == 0 */
    size_t len;
    size_t cap;
} otter_buf;

#define OTTER_BUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Makes room for at least `extra` more bytes. OTTER_NOMEM on failure. */
otter_status otter_buf_reserve(otter_buf *buf, size_t extra, otter_error *err);

/* Appends (data, len). */
otter_status otter_buf_append(otter_buf *buf, const void *data, size_t len, otter_error *err);

/* Drops the contents but keeps the memory for reuse. */
void otter_buf_reset(otter_buf *buf);

/* Frees the memory and resets to empty. NULL is a no-op. */
void otter_buf_free(otter_buf *buf);

#ifdef __cplusplus
}
#endif
#endif

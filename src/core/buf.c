/* Growable byte buffer used for every encoded blob. Doubling growth keeps appends
 * amortised O(1); a failed append leaves the buffer as it was. */
#include "otter/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

otter_status otter_buf_reserve(otter_buf *buf, size_t extra, otter_error *err)
{
    if (extra <= buf->cap - buf->len)
        return OTTER_OK;
    if (extra > SIZE_MAX - buf->len)
        return otter_error_set(err, OTTER_NOMEM, "buffer size overflow");
    size_t need = buf->len + extra;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(buf->data, cap);
    if (!p)
        return otter_error_set(err, OTTER_NOMEM, "cannot grow buffer to %zu bytes", cap);
    buf->data = p;
    buf->cap = cap;
    return OTTER_OK;
}

otter_status otter_buf_append(otter_buf *buf, const void *data, size_t len, otter_error *err)
{
    if (len == 0)
        return OTTER_OK;
    otter_status st = otter_buf_reserve(buf, len, err);
    if (st != OTTER_OK)
        return st;
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return OTTER_OK;
}

void otter_buf_reset(otter_buf *buf)
{
    if (buf)
        buf->len = 0;
}

void otter_buf_free(otter_buf *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

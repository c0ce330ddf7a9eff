/* Status names, messages and HTTP codes from the one table in status.h, and the
 * first-error-wins error struct. Nothing here allocates. */
#include "otter/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct status_row {
    const char *name;
    const char *message;
    int http;
};

static const struct status_row rows[] = {
#define OTTER__STATUS_ROW(name, msg, http) {#name, msg, http},
    OTTER_STATUS_MAP(OTTER__STATUS_ROW)
#undef OTTER__STATUS_ROW
};

static const struct status_row *row_of(otter_status s)
{
    if ((int)s < 0 || (int)s >= OTTER_STATUS_COUNT_)
        return NULL;
    return &rows[s];
}

const char *otter_status_name(otter_status s)
{
    const struct status_row *r = row_of(s);
    return r ? r->name : "UNKNOWN";
}

const char *otter_status_message(otter_status s)
{
    const struct status_row *r = row_of(s);
    return r ? r->message : "unknown status";
}

int otter_status_http(otter_status s)
{
    const struct status_row *r = row_of(s);
    return r ? r->http : 500;
}

void otter_error_clear(otter_error *err)
{
    if (!err)
        return;
    err->code = OTTER_OK;
    err->message[0] = '\0';
}

otter_status otter_error_set(otter_error *err, otter_status status, const char *fmt, ...)
{
    if (!err || err->code != OTTER_OK || status == OTTER_OK)
        return status;
    err->code = status;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(err->message, sizeof err->message, "%s", otter_status_message(status));
    return status;
}

void otter_error_prefix(otter_error *err, const char *fmt, ...)
{
    if (!err || err->code == OTTER_OK)
        return;
    char prefix[OTTER_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char joined[2 * OTTER_ERROR_MESSAGE_MAX + 2];
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
    memcpy(err->message, joined, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

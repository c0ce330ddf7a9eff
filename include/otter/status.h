/* Otter status codes and the error struct every fallible call fills.
 *
 * One table (OTTER_STATUS_MAP) gives each status its enum value, a stable name, a
 * default message and the HTTP status a server should answer with, so the CLI, the
 * REST service and the JNI layer all report errors the same way.
 *
 * Error convention: every fallible function returns an otter_status and takes an
 * `otter_error *err` as its last argument. `err` may be NULL. The struct holds a fixed
 * buffer and is never allocated; the first error set wins, so a low-level message is
 * not overwritten by a caller's generic one. Clear it with otter_error_clear() before
 * reusing it for an unrelated call.
 */
#ifndef OTTER_STATUS_H
#define OTTER_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, default message, HTTP status) */
#define OTTER_STATUS_MAP(X)                                                                        \
    X(OK, "success", 200)                                                                          \
    X(INVALID, "invalid argument", 400)                                                            \
    X(PARSE, "malformed input", 400)                                                               \
    X(NOMEM, "out of memory", 503)                                                                 \
    X(NOT_FOUND, "not found", 404)                                                                 \
    X(EXISTS, "already exists", 409)                                                               \
    X(CONFLICT, "conflicting state", 409)                                                          \
    X(CORRUPT, "corrupt data", 422)                                                                \
    X(VERSION, "unsupported format version", 422)                                                  \
    X(UNSUPPORTED, "operation not supported", 501)                                                 \
    X(IO, "input/output error", 500)                                                               \
    X(STATE, "object is in the wrong state for this call", 409)                                    \
    X(EXPIRED, "expired", 404)                                                                     \
    X(INTERNAL, "internal error", 500)

typedef enum otter_status {
#define OTTER__STATUS_ENUM(name, msg, http) OTTER_##name,
    OTTER_STATUS_MAP(OTTER__STATUS_ENUM)
#undef OTTER__STATUS_ENUM
        OTTER_STATUS_COUNT_
} otter_status;

#define OTTER_ERROR_MESSAGE_MAX 256

/* Value type; zero-initialise or call otter_error_clear() before use. */
typedef struct otter_error {
    otter_status code;
    char message[OTTER_ERROR_MESSAGE_MAX];
} otter_error;

/* Stable upper-case name of a status ("INVALID"); "UNKNOWN" for out-of-range values. */
const char *otter_status_name(otter_status status);

/* Default human-readable text of a status. Never NULL. */
const char *otter_status_message(otter_status status);

/* HTTP status code a server answers with for this status (200 for OTTER_OK). */
int otter_status_http(otter_status status);

/* Resets err to OTTER_OK with an empty message. NULL is a no-op. */
void otter_error_clear(otter_error *err);

/* Sets err (if it holds no error yet) to status with a printf-style message, and
 * returns status so callers can write `return otter_error_set(err, ...)`.
 * Truncates long messages; never allocates. err may be NULL. */
otter_status otter_error_set(otter_error *err, otter_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefixes an already-set message with "prefix: " (for adding context such as a
 * line number or a file name). No-op if err is NULL or holds no error. */
void otter_error_prefix(otter_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif

/* otterd's HTTP layer on libmicrohttpd: a thread pool on epoll, the body read with a
 * limit, routing by (method, path pattern), bearer tokens with scopes, and the
 * response rendered from the handler's JSON. Handlers never see MHD: on_request turns
 * the connection into an otter__http_in and otter__handle does the rest.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"

/* ---- logging ---- */

void otter__log(const char *level, const char *event, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s event=%s ", when,
                     ts.tv_nsec / 1000000, level, event);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line); /* one write per line: lines never interleave */
}

/* ---- tokens ---- */

typedef struct token {
    char *value;
    size_t len;
    int scopes;
} token;

struct otter__tokens {
    atomic_int refs;
    token *v;
    size_t n;
};

void otter__tokens_release(otter__tokens *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    for (size_t i = 0; i < t->n; i++) {
        memset(t->v[i].value, 0, t->v[i].len);
        free(t->v[i].value);
    }
    free(t->v);
    free(t);
}

static int parse_scopes(char *text, int *out)
{
    *out = 0;
    for (char *save = NULL, *s = strtok_r(text, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        if (!strcmp(s, "read"))
            *out |= OTTER__SCOPE_READ;
        else if (!strcmp(s, "write"))
            *out |= OTTER__SCOPE_WRITE;
        else if (!strcmp(s, "admin"))
            *out |= OTTER__SCOPE_ADMIN;
        else
            return 0;
    }
    return *out != 0;
}

/* File: one token per line, "TOKEN SCOPES" with SCOPES a comma list of read, write,
 * admin; '#' starts a comment. */
otter_status otter__tokens_load(const char *path, otter__tokens **out, otter_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return otter_error_set(err, OTTER_IO, "cannot read token file %s: %s", path,
                               strerror(errno));
    otter__tokens *t = calloc(1, sizeof *t);
    otter_status st = t ? OTTER_OK : otter_error_set(err, OTTER_NOMEM, "out of memory");
    char line[1024];
    size_t cap = 0, lineno = 0;
    while (st == OTTER_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char tok[512], scopes[256];
        int k = sscanf(line, "%511s %255s", tok, scopes);
        if (k <= 0)
            continue;
        int sc = 0;
        if (k != 2 || strlen(tok) < 16 || !parse_scopes(scopes, &sc)) {
            st = otter_error_set(err, OTTER_INVALID,
                                 "%s:%zu: expected 'TOKEN SCOPES' with a token of at least 16 "
                                 "characters and scopes among read,write,admin",
                                 path, lineno);
            break;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 8;
            token *nv = realloc(t->v, cap * sizeof *nv);
            if (!nv) {
                st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                break;
            }
            t->v = nv;
        }
        t->v[t->n] = (token){strdup(tok), strlen(tok), sc};
        if (!t->v[t->n].value)
            st = otter_error_set(err, OTTER_NOMEM, "out of memory");
        else
            t->n++;
    }
    fclose(f);
    if (st == OTTER_OK && t->n == 0)
        st = otter_error_set(err, OTTER_INVALID, "token file %s holds no token", path);
    if (st != OTTER_OK) {
        if (t)
            atomic_init(&t->refs, 1);
        otter__tokens_release(t);
        return st;
    }
    atomic_init(&t->refs, 1);
    *out = t;
    return OTTER_OK;
}

/* Compares every byte of every token (no early exit), so timing says nothing. */
int otter__tokens_scopes(const otter__tokens *t, const char *given)
{
    size_t gl = strlen(given);
    int scopes = 0;
    for (size_t i = 0; i < t->n; i++) {
        const token *k = &t->v[i];
        unsigned diff = (unsigned)(k->len ^ gl);
        for (size_t j = 0; j < k->len; j++)
            diff |= (unsigned)(unsigned char)k->value[j] ^
                    (unsigned)(unsigned char)(j < gl ? given[j] : 0);
        int match = diff == 0;
        scopes |= -match & k->scopes;
    }
    return scopes;
}

static otter__tokens *tokens_get(otter__server *srv)
{
    pthread_mutex_lock(&srv->tokens_mu);
    otter__tokens *t = srv->tokens;
    if (t)
        atomic_fetch_add(&t->refs, 1);
    pthread_mutex_unlock(&srv->tokens_mu);
    return t;
}

/* ---- per-request state ---- */

typedef struct conn {
    otter_buf body;
    int too_large;
    struct timespec t0;
} conn;

static const otter__route *match(const char *method, const char *path, const char **args,
                                 size_t *n_args, char *buf, size_t cap, int *path_matched,
                                 size_t *route_index)
{
    *path_matched = 0;
    size_t plen = strlen(path);
    if (plen >= cap)
        return NULL;
    for (size_t i = 0; i < otter__n_routes; i++) {
        const char *pat = otter__routes[i].pattern, *p = path;
        char *out = buf;
        size_t n = 0;
        int ok = 1;
        while (*pat && ok) {
            if (*pat == '*') {
                const char *end = strchr(p, '/');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (len == 0 || n >= 3) {
                    ok = 0;
                    break;
                }
                memcpy(out, p, len);
                out[len] = '\0';
                args[n++] = out;
                out += len + 1;
                p += len;
                pat++;
            } else if (*pat == *p) {
                pat++;
                p++;
            } else
                ok = 0;
        }
        if (!ok || *p)
            continue;
        *path_matched = 1;
        if (strcmp(method, otter__routes[i].method) == 0) {
            *n_args = n;
            *route_index = i;
            return &otter__routes[i];
        }
    }
    return NULL;
}

/* Allowed methods of a path, for a 405. */
static void allowed_methods(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE"};
    for (size_t m = 0; m < 4; m++) {
        const char *args[3];
        size_t n;
        char buf[2048];
        int pm;
        size_t ri;
        if (match(methods[m], path, args, &n, buf, sizeof buf, &pm, &ri)) {
            if (out[0])
                strncat(out, ", ", cap - strlen(out) - 1);
            strncat(out, methods[m], cap - strlen(out) - 1);
        }
    }
}

static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static void count(otter__server *srv, size_t route, int status, const struct timespec *t0)
{
    otter__route_stats *st = &srv->route_stats[route];
    int k;
    switch (status) {
    case 200: k = 0; break;
    case 201: k = 1; break;
    case 204: k = 2; break;
    case 400: k = 3; break;
    case 404: k = 4; break;
    case 409: k = 5; break;
    case 413: k = 6; break;
    default: k = 7;
    }
    atomic_fetch_add(&st->by_status[k], 1);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t us =
        (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000);
    static const uint64_t bounds_us[OTTER__LAT_BUCKETS] = {
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
    int b = 0;
    while (b < OTTER__LAT_BUCKETS && us > bounds_us[b])
        b++;
    atomic_fetch_add(&st->lat[b], 1);
    atomic_fetch_add(&st->lat_sum_us, us);
}

static const char oom[] = "{\"error\":{\"code\":\"NOMEM\",\"message\":\"out of memory\"}}";

static enum MHD_Result respond(struct MHD_Connection *c, otter__http_resp *r)
{
    struct MHD_Response *resp;
    const char *type = "application/json";
    if (r->json) {
        char *text = json_dumps(r->json, JSON_COMPACT);
        if (!text) {
            resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
                                                   MHD_RESPMEM_PERSISTENT);
            r->status = 503;
        } else
            resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    } else if (r->raw_type) {
        resp = MHD_create_response_from_buffer(r->raw.len, r->raw.data, MHD_RESPMEM_MUST_COPY);
        type = r->raw_type;
    } else if (r->status != 204) { /* otter__resp_json could not even build its error */
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        r->status = 503;
    } else
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (r->status != 204)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

void otter__handle(otter__server *srv, const otter__http_in *in, otter__http_resp *r,
                   size_t *route_index)
{
    const char *method = in->method, *url = in->url;
    otter__http_req req = {0};
    req.method = method;
    req.path = url;
    char buf[2048];
    int path_matched = 0;
    *route_index = otter__n_routes;
    const otter__route *rt =
        match(method, url, req.args, &req.n_args, buf, sizeof buf, &path_matched, route_index);
    if (!rt) {
        if (path_matched) {
            static __thread char allow[64];
            allowed_methods(url, allow, sizeof allow);
            r->allow = allow;
            otter__resp_error(r, 405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s (allowed: %s)",
                              method, url, allow);
        } else
            otter__resp_error(r, 404, "NOT_FOUND", "no such endpoint: %.200s", url);
        return;
    }
    if (rt->scope) {
        otter__tokens *t = tokens_get(srv);
        if (t) {
            const char *auth = in->authorization;
            int scopes =
                auth && strncmp(auth, "Bearer ", 7) == 0 ? otter__tokens_scopes(t, auth + 7) : 0;
            otter__tokens_release(t);
            if (!scopes) {
                otter__resp_error(r, 401, "UNAUTHORIZED", "a valid bearer token is required");
                return;
            }
            if (!(scopes & rt->scope)) {
                otter__resp_error(r, 403, "FORBIDDEN", "the token lacks the '%s' scope",
                                  rt->scope == OTTER__SCOPE_READ    ? "read"
                                  : rt->scope == OTTER__SCOPE_WRITE ? "write"
                                                                    : "admin");
                return;
            }
        }
    }
    if (in->too_large) {
        otter__resp_error(r, 413, "TOO_LARGE", "the body is larger than %zu bytes", srv->max_body);
        return;
    }
    req.body = in->body;
    req.body_len = in->body_len;
    req.content_type = in->content_type;
    if (rt->body == 3) {
        if (!req.content_type || strncasecmp(req.content_type, "application/octet-stream", 24)) {
            otter__resp_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
                              "send the state as application/octet-stream");
            return;
        }
    } else if (rt->body == 1 || (rt->body == 2 && req.body_len)) {
        if (!is_json_type(req.content_type)) {
            otter__resp_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
                              "send JSON with Content-Type: application/json");
            return;
        }
        if (rt->fast && rt->fast(srv, &req, r))
            return;
        json_error_t je;
        req.json = json_loadb((const char *)req.body, req.body_len, JSON_REJECT_DUPLICATES, &je);
        if (!req.json) {
            otter__resp_error(r, 400, "PARSE", "malformed JSON at line %d, column %d: %s", je.line,
                              je.column, je.text);
            return;
        }
        if (!json_is_object(req.json)) {
            json_decref(req.json);
            otter__resp_error(r, 400, "INVALID", "the body must be a JSON object");
            return;
        }
    } else if (rt->body == 0 && req.body_len) {
        otter__resp_error(r, 400, "INVALID", "%s %s takes no body", method, rt->pattern);
        return;
    }
    rt->fn(srv, &req, r);
    if (!r->status)
        otter__resp_error(r, 500, "INTERNAL", "the handler gave no response");
    json_decref(req.json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)version;
    otter__server *srv = cls;
    conn *cx = *state;
    if (!cx) {
        if (!(cx = calloc(1, sizeof *cx)))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &cx->t0);
        *state = cx;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cx->too_large && cx->body.len + *upload_size <= srv->max_body) {
            if (otter_buf_append(&cx->body, upload, *upload_size, NULL) != OTTER_OK)
                cx->too_large = 1;
        } else
            cx->too_large = 1; /* read and drop the rest, then answer 413 */
        *upload_size = 0;
        return MHD_YES;
    }
    otter__http_resp r = {0};
    r.raw = (otter_buf)OTTER_BUF_INIT;
    otter__http_in in = {
        .method = method,
        .url = url,
        .content_type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .body = cx->body.data,
        .body_len = cx->body.len,
        .too_large = cx->too_large,
    };
    size_t ri = otter__n_routes;
    otter__handle(srv, &in, &r, &ri);
    enum MHD_Result ret = respond(c, &r);
    count(srv, ri, r.status, &cx->t0);
    if (r.status >= 500)
        otter__log("error", "request", "method=%s path=\"%.200s\" status=%d", method, url,
                   r.status);
    json_decref(r.json);
    otter_buf_free(&r.raw);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)c;
    (void)code;
    conn *cx = *state;
    if (cx) {
        otter_buf_free(&cx->body);
        free(cx);
        *state = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    otter__log("warn", "mhd", "message=\"%s\"", msg);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    otter_buf b = OTTER_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (otter_buf_append(&b, chunk, n, NULL) != OTTER_OK)
            break;
    fclose(f);
    otter_buf_append(&b, "", 1, NULL);
    *len = b.len ? b.len - 1 : 0;
    return (char *)b.data;
}

otter_status otter__server_start(otter__server *srv, const otter__server_config *cfg,
                                 struct MHD_Daemon **out, otter_error *err)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->listen_host, &sa.sin_addr) != 1)
        return otter_error_set(err, OTTER_INVALID, "listen address '%s' is not an IPv4 address",
                               cfg->listen_host);
    srv->max_body = cfg->max_body;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    char *cert = NULL, *key = NULL;
    size_t cl = 0, kl = 0;
    if (cfg->tls_cert) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
            return otter_error_set(err, OTTER_UNSUPPORTED, "this libmicrohttpd has no TLS");
        cert = read_file(cfg->tls_cert, &cl);
        key = read_file(cfg->tls_key, &kl);
        if (!cert || !key) {
            free(cert);
            free(key);
            return otter_error_set(err, OTTER_IO, "cannot read the TLS %s %s: %s",
                                   !cert ? "certificate" : "key",
                                   !cert ? cfg->tls_cert : cfg->tls_key, strerror(errno));
        }
        flags |= MHD_USE_TLS;
    }
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it sets SO_REUSEPORT, which lets a second
     * otterd bind a port in use and take half its connections. MHD's default,
     * SO_REUSEADDR, still allows a restart while old connections linger in TIME_WAIT.
     * The logger goes first, or MHD prints its messages about the options elsewhere; the
     * port is passed too (SOCK_ADDR binds), so MHD's bind errors name it. */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
        MHD_OPTION_END);
    free(cert);
    if (key) /* MHD keeps its own copy; ours should not linger in freed memory */
        explicit_bzero(key, kl);
    free(key);
    if (!d && cfg->tls_cert)
        return otter_error_set(err, OTTER_IO,
                               "cannot start TLS on %s:%u: the certificate %s or the key %s is "
                               "not usable PEM (see the mhd line above), or the port is in use",
                               cfg->listen_host, (unsigned)cfg->port, cfg->tls_cert, cfg->tls_key);
    if (!d)
        return otter_error_set(err, OTTER_IO, "cannot listen on %s:%u (in use, or not allowed)",
                               cfg->listen_host, (unsigned)cfg->port);
    *out = d;
    return OTTER_OK;
}

void otter__server_stop(struct MHD_Daemon *d, int grace_ms)
{
    if (!d)
        return;
    MHD_quiesce_daemon(d); /* no new connections */
    for (int waited = 0; waited < grace_ms; waited += 10) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        usleep(10000);
    }
    MHD_stop_daemon(d);
}

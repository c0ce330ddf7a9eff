/* otterd: the REST scoring, feedback and bandit service over one embedded store.
 *
 * main() owns everything: the context, the store, the server. Signals are handled
 * synchronously by the main thread (sigtimedwait), which also takes the periodic
 * snapshots and expires pending events: SIGTERM/SIGINT stop accepting, finish
 * in-flight requests, take a final snapshot and exit 0; SIGHUP reloads the token file.
 */
#define _GNU_SOURCE /* sigtimedwait details, strdup */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"

otter_status otter__take_snapshot(otter__server *srv, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err);

typedef struct options {
    char *data_dir;
    char *listen;
    unsigned threads;
    otter_durability durability;
    double snapshot_every;
    unsigned retain;
    char *tokens;
    size_t max_body;
    char *tls_cert, *tls_key;
    char *openapi;
    int reset;
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otterd --data-dir DIR [options]\n"
            "\n"
            "Serves every learner and bandit over REST (JSON under /v1) from one store.\n"
            "\n"
            "  --data-dir DIR         the store's data directory (created if missing)\n"
            "  --listen ADDR:PORT     default 127.0.0.1:8080\n"
            "  --threads N            HTTP worker threads (default: the CPU count)\n"
            "  --durability sync|none sync (default): every update is on disk before the reply\n"
            "  --snapshot-every SECS  periodic snapshots (default 60; 0 = only on exit)\n"
            "  --retain N             snapshots kept (default 3)\n"
            "  --auth-tokens FILE     bearer tokens, one 'TOKEN read,write,admin' per line;\n"
            "                         without it otterd listens on loopback only\n"
            "  --max-body BYTES       larger bodies get 413 (default 1048576)\n"
            "  --tls-cert PEM --tls-key PEM   serve HTTPS\n"
            "  --openapi FILE         the OpenAPI document served at /openapi.json\n"
            "                         (default: the installed docs/openapi.json)\n"
            "  --config FILE          read options from FILE ('name = value' lines, same names)\n"
            "  --reset                wipe an unreadable data directory and start empty\n"
            "  --routes               print the routing table (method, path, scope) and exit\n"
            "  --help\n");
}

static int set_option(options *o, const char *name, const char *v)
{
    char *end = NULL;
    if (!strcmp(name, "data-dir"))
        o->data_dir = strdup(v);
    else if (!strcmp(name, "listen"))
        o->listen = strdup(v);
    else if (!strcmp(name, "threads")) {
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n < 1 || n > 1024)
            return 0;
        o->threads = (unsigned)n;
    } else if (!strcmp(name, "durability")) {
        if (!strcmp(v, "sync"))
            o->durability = OTTER_DURABILITY_SYNC;
        else if (!strcmp(v, "none"))
            o->durability = OTTER_DURABILITY_NONE;
        else
            return 0;
    } else if (!strcmp(name, "snapshot-every")) {
        o->snapshot_every = strtod(v, &end);
        if (*end || !(o->snapshot_every >= 0))
            return 0;
    } else if (!strcmp(name, "retain")) {
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n < 1)
            return 0;
        o->retain = (unsigned)n;
    } else if (!strcmp(name, "auth-tokens"))
        o->tokens = strdup(v);
    else if (!strcmp(name, "max-body")) {
        unsigned long long n = strtoull(v, &end, 10);
        if (*end || n < 64 || n > (1ull << 31))
            return 0;
        o->max_body = (size_t)n;
    } else if (!strcmp(name, "tls-cert"))
        o->tls_cert = strdup(v);
    else if (!strcmp(name, "tls-key"))
        o->tls_key = strdup(v);
    else if (!strcmp(name, "openapi"))
        o->openapi = strdup(v);
    else if (!strcmp(name, "reset"))
        o->reset = !strcmp(v, "true") || !strcmp(v, "1") || !*v;
    else
        return -1;
    return 1;
}

static int read_config(options *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "otterd: cannot read %s: %s\n", path, strerror(errno));
        return 0;
    }
    char line[1024];
    int lineno = 0, ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "otterd: %s:%d: expected 'name = value'\n", path, lineno);
            ok = 0;
            break;
        }
        char *name = p, *v = eq + 1;
        *eq = '\0';
        name[strcspn(name, " \t")] = '\0';
        v += strspn(v, " \t");
        v[strcspn(v, "\r\n")] = '\0';
        for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
            v[n - 1] = '\0';
        int r = set_option(o, name, v);
        if (r <= 0) {
            fprintf(stderr, "otterd: %s:%d: %s '%s'\n", path, lineno,
                    r < 0 ? "unknown option" : "bad value for", name);
            ok = 0;
        }
    }
    fclose(f);
    return ok;
}

static int parse_args(options *o, int argc, char **argv)
{
    static const struct option longs[] = {{"data-dir", required_argument, 0, 0},
                                          {"listen", required_argument, 0, 0},
                                          {"threads", required_argument, 0, 0},
                                          {"durability", required_argument, 0, 0},
                                          {"snapshot-every", required_argument, 0, 0},
                                          {"retain", required_argument, 0, 0},
                                          {"auth-tokens", required_argument, 0, 0},
                                          {"max-body", required_argument, 0, 0},
                                          {"tls-cert", required_argument, 0, 0},
                                          {"tls-key", required_argument, 0, 0},
                                          {"openapi", required_argument, 0, 0},
                                          {"config", required_argument, 0, 0},
                                          {"reset", no_argument, 0, 0},
                                          {"help", no_argument, 0, 'h'},
                                          {"routes", no_argument, 0, 'r'},
                                          {0, 0, 0, 0}};
    int idx = 0, c;
    while ((c = getopt_long(argc, argv, "h", longs, &idx)) != -1) {
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (c == 'r') { /* the routing table, for the test that holds it to the OpenAPI file */
            static const char *const scope[] = {"none", "read", "write", "", "admin"};
            for (size_t i = 0; i < otter__n_routes; i++)
                printf("%s %s %s\n", otter__routes[i].method, otter__routes[i].pattern,
                       scope[otter__routes[i].scope]);
            exit(0);
        }
        if (c != 0) {
            usage(stderr);
            return 0;
        }
        const char *name = longs[idx].name;
        if (!strcmp(name, "config")) {
            if (!read_config(o, optarg))
                return 0;
        } else if (set_option(o, name, optarg ? optarg : "") <= 0) {
            fprintf(stderr, "otterd: bad value for --%s: '%s'\n", name, optarg ? optarg : "");
            return 0;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "otterd: unexpected argument '%s'\n", argv[optind]);
        return 0;
    }
    if (!o->data_dir) {
        fprintf(stderr, "otterd: --data-dir is required (see --help)\n");
        return 0;
    }
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "otterd: --tls-cert and --tls-key go together\n");
        return 0;
    }
    return 1;
}

static int split_listen(const char *text, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= cap)
        return 0;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end = NULL;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end || p > 65535 || !*(colon + 1))
        return 0;
    *port = (uint16_t)p;
    return 1;
}

static char *load_openapi(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    otter_buf b = OTTER_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        otter_buf_append(&b, chunk, n, NULL);
    fclose(f);
    *len = b.len;
    return (char *)b.data;
}

static void prune(otter__server *srv, unsigned retain)
{
    otter_error err = {0};
    if (otter_store_retain(srv->store, retain, &err) != OTTER_OK)
        otter__log("error", "retain", "error=\"%s\"", err.message);
}

static void free_instance(void *p)
{
    otter_instance_destroy(p);
}

static void free_options(options *o)
{
    free(o->data_dir);
    free(o->listen);
    free(o->tokens);
    free(o->tls_cert);
    free(o->tls_key);
    free(o->openapi);
}

/* The thread that takes signals (see main). Written once, before the handlers that
 * read it are installed; a signal handler has no other way to find it. */
static pthread_t signal_owner;

static void forward_signal(int sig)
{
    int saved = errno;
    pthread_kill(signal_owner, sig);
    errno = saved;
}

int main(int argc, char **argv)
{
    options o = {0};
    o.threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    o.snapshot_every = 60;
    o.retain = 3;
    o.max_body = 1 << 20;
    if (!parse_args(&o, argc, argv)) {
        free_options(&o);
        return 2;
    }
    char host[256];
    uint16_t port = 8080;
    if (!split_listen(o.listen ? o.listen : "127.0.0.1:8080", host, sizeof host, &port)) {
        fprintf(stderr, "otterd: --listen wants ADDR:PORT, e.g. 127.0.0.1:8080\n");
        free_options(&o);
        return 2;
    }
    otter__server srv;
    memset(&srv, 0, sizeof srv);
    pthread_mutex_init(&srv.tokens_mu, NULL);
    pthread_key_create(&srv.inst_key, free_instance);
    for (size_t i = 0; i < 64; i++)
        pthread_mutex_init(&srv.metrics_mu[i], NULL);
    int rc = 1;
    otter_error err = {0};
    if (o.tokens) {
        if (otter__tokens_load(o.tokens, &srv.tokens, &err) != OTTER_OK) {
            fprintf(stderr, "otterd: %s\n", err.message);
            goto out;
        }
    } else if (strcmp(host, "127.0.0.1") != 0) {
        fprintf(stderr,
                "otterd: without --auth-tokens otterd listens on loopback only "
                "(127.0.0.1), not %s\n",
                host);
        goto out;
    }
    /* signals are taken by this thread only; every thread started later inherits it */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* ...but threads started before main (OpenBLAS's pool, from a library constructor)
     * do not block them, and while this thread is busy (not in sigtimedwait) the kernel
     * hands a process signal to such a thread, whose default action would end otterd
     * with no final snapshot. There the handler passes it on to this thread, where it
     * waits, blocked, for sigtimedwait. */
    signal_owner = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    otter_context *ctx = NULL;
    if (otter_context_create(&ctx, &err) != OTTER_OK) {
        fprintf(stderr, "otterd: %s\n", err.message);
        goto out;
    }
    srv.ctx = ctx;
    otter_store_options so = OTTER_STORE_OPTIONS_INIT;
    so.durability = o.durability;
    so.reset = o.reset;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (otter_store_open(ctx, o.data_dir, &so, &srv.store, &err) != OTTER_OK) {
        otter__log("error", "open", "data_dir=\"%s\" error=\"%s\"", o.data_dir, err.message);
        otter_context_destroy(ctx);
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    otter_store_stats ss;
    otter_store_stats_get(srv.store, &ss);
    otter__log(
        "info", "open",
        "data_dir=\"%s\" durability=%s entities=%" PRIu64 " replayed=%" PRIu64 " seconds=%.3f",
        o.data_dir, o.durability == OTTER_DURABILITY_SYNC ? "sync" : "none", ss.entities,
        ss.replayed, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    size_t n_routes = otter__n_routes + 1;
    srv.route_stats = calloc(n_routes, sizeof *srv.route_stats);
    const char *oa = o.openapi ? o.openapi : OTTER_OPENAPI_PATH;
    srv.openapi = load_openapi(oa, &srv.openapi_len);
    if (!srv.openapi)
        otter__log("warn", "openapi", "path=\"%s\" error=\"cannot read; /openapi.json is 404\"",
                   oa);
    struct MHD_Daemon *d = NULL;
    otter__server_config cfg = {host, port, o.threads, o.max_body, o.tls_cert, o.tls_key};
    if (!srv.route_stats || otter__server_start(&srv, &cfg, &d, &err) != OTTER_OK) {
        otter__log("error", "listen", "address=%s:%u error=\"%s\"", host, (unsigned)port,
                   err.message[0] ? err.message : "out of memory");
        goto close;
    }
    atomic_store(&srv.ready, 1);
    otter__log("info", "start",
               "listen=%s:%u threads=%u auth=%s tls=%s snapshot_every=%g retain=%u", host,
               (unsigned)port, o.threads, srv.tokens ? "tokens" : "none (loopback only)",
               o.tls_cert ? "on" : "off", o.snapshot_every, o.retain);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        /* wake at least every second: expiry, and the snapshot clock */
        struct timespec wait = {1, 0};
        siginfo_t si;
        int sig = sigtimedwait(&sigs, &si, &wait);
        if (sig == SIGTERM || sig == SIGINT) {
            otter__log("info", "stop", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
            break;
        }
        if (sig == SIGHUP) {
            if (!o.tokens) {
                otter__log("info", "reload", "tokens=none");
                continue;
            }
            otter__tokens *t = NULL;
            otter_error e2 = {0};
            if (otter__tokens_load(o.tokens, &t, &e2) != OTTER_OK) {
                otter__log("error", "reload", "error=\"%s\" (kept the old tokens)", e2.message);
                continue;
            }
            pthread_mutex_lock(&srv.tokens_mu);
            otter__tokens *old = srv.tokens;
            srv.tokens = t;
            pthread_mutex_unlock(&srv.tokens_mu);
            otter__tokens_release(old);
            otter__log("info", "reload", "path=\"%s\"", o.tokens);
            continue;
        }
        otter_error e3 = {0};
        size_t expired = 0;
        if (otter_store_expire(srv.store, 0, NULL, NULL, &expired, &e3) != OTTER_OK)
            otter__log("error", "expire", "error=\"%s\"", e3.message);
        if (o.snapshot_every > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double since =
                (double)(now.tv_sec - next.tv_sec) + (double)(now.tv_nsec - next.tv_nsec) / 1e9;
            if (since >= o.snapshot_every) {
                otter_snapshot_info info;
                otter_error e4 = {0};
                if (otter__take_snapshot(&srv, 0, &info, &e4) == OTTER_OK)
                    prune(&srv, o.retain);
                next = now;
            }
        }
    }
    atomic_store(&srv.ready, 0);
    otter__server_stop(d, 5000);
    {
        otter_snapshot_info info;
        otter_error e5 = {0};
        if (otter__take_snapshot(&srv, 0, &info, &e5) == OTTER_OK) {
            prune(&srv, o.retain);
            rc = 0;
        }
    }
close:
    otter_store_close(srv.store);
    otter_context_destroy(ctx);
    free(srv.route_stats);
    free((char *)srv.openapi);
    for (size_t i = 0; i < 64; i++)
        for (otter__model_metrics *m = srv.model_metrics[i], *next_m; m; m = next_m) {
            next_m = m->next;
            otter_metrics_destroy(m->m);
            pthread_mutex_destroy(&m->mu);
            free(m);
        }
    free_instance(pthread_getspecific(srv.inst_key));
    if (rc == 0)
        otter__log("info", "exit", "status=0");
out:
    otter__tokens_release(srv.tokens);
    free_options(&o);
    return rc;
}

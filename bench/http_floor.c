/* The floor for otterd's HTTP figures (docs/benchmarks.md, bench/http.sh): the least a
 * libmicrohttpd server can do per request, set up the way otterd is (one internal
 * polling thread per pool member on epoll, listening on loopback). For every request,
 * whatever its method and path, it reads the whole body into a per-connection buffer
 * (otterd has to hold the body to parse it as JSON) and answers 200 with a fixed 20-byte
 * JSON body and Content-Type application/json. otterd's requests/s is reported as a
 * share of this server's, measured in the same run on the same machine.
 *
 *   bench/http_floor [--port P] [--threads N] [--max-body B]
 *       --port P      TCP port on 127.0.0.1 (default 0: the kernel picks one)
 *       --threads N   MHD_OPTION_THREAD_POOL_SIZE (default: the number of online CPUs)
 *       --max-body B  bodies longer than B bytes get 413 (default 16 MiB)
 *
 * Prints "http_floor: listening on 127.0.0.1:PORT (N threads)" on stdout once it
 * accepts connections, runs until SIGINT or SIGTERM, then stops the daemon (which
 * joins its threads), prints the number of requests answered and exits 0. Built on
 * demand (make bench/http_floor), never by make or make check.
 *
 * Bench code: it talks to libmicrohttpd directly, which the library's own code leaves to
 * src/http/ alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

/* Exactly 20 bytes, the size the issue fixes for the floor's answer. */
static const char floor_reply[] = "{\"ok\":true,\"n\":1234}";
_Static_assert(sizeof floor_reply - 1 == 20, "the floor's reply is 20 bytes");

struct floor_opts {
    unsigned port;
    unsigned threads;
    size_t max_body;
};

/* Shared by every pool thread; only the counter changes while serving. */
struct floor_server {
    size_t max_body;
    atomic_ulong answered;
};

/* One per request, from the first call of the access handler to the completion
 * callback. */
struct floor_body {
    char *data;
    size_t len;
    size_t cap;
    int too_large;
};

static int body_append(struct floor_body *b, const char *data, size_t len, size_t max)
{
    if (len > max - b->len) {
        b->too_large = 1;
        return 0;
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, unsigned status, const char *body,
                                  size_t len)
{
    /* A fresh response per request, as a real handler has (its body differs each
     * time); the bytes are static, so nothing is copied. */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ok =
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* libmicrohttpd calls this once when the headers are in (*req_cls still NULL), then
 * once per chunk of body (*upload_size > 0; consumed by setting it to 0), then once
 * more with *upload_size == 0 when the body is complete: the moment to answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    struct floor_server *srv = cls;
    struct floor_body *b = *req_cls;
    (void)url;
    (void)method;
    (void)version;

    if (b == NULL) {
        b = calloc(1, sizeof *b);
        if (b == NULL)
            return MHD_NO;
        *req_cls = b;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!b->too_large && body_append(b, upload, *upload_size, srv->max_body) < 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (b->too_large) {
        static const char too_large[] = "{\"error\":\"body too large\"}";
        return send_reply(conn, MHD_HTTP_CONTENT_TOO_LARGE, too_large, sizeof too_large - 1);
    }
    atomic_fetch_add_explicit(&srv->answered, 1, memory_order_relaxed);
    return send_reply(conn, MHD_HTTP_OK, floor_reply, sizeof floor_reply - 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    struct floor_body *b = *req_cls;
    (void)cls;
    (void)conn;
    (void)why;
    if (b == NULL)
        return;
    free(b->data);
    free(b);
    *req_cls = NULL;
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: http_floor [--port P] [--threads N] [--max-body BYTES]\n", f);
}

static int parse_opts(int argc, char **argv, struct floor_opts *o)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->port = 0;
    o->threads = cpus > 0 ? (unsigned)cpus : 1;
    o->max_body = (size_t)16 << 20;
    for (int i = 1; i < argc; i++) {
        unsigned long long v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "http_floor: %s: missing value or unknown option\n", argv[i]);
            return -1;
        }
        const char *val = argv[++i];
        if (strcmp(argv[i - 1], "--port") == 0 && parse_count(val, 65535, &v) == 0)
            o->port = (unsigned)v;
        else if (strcmp(argv[i - 1], "--threads") == 0 && parse_count(val, 1024, &v) == 0 && v > 0)
            o->threads = (unsigned)v;
        else if (strcmp(argv[i - 1], "--max-body") == 0 && parse_count(val, SIZE_MAX, &v) == 0)
            o->max_body = (size_t)v;
        else {
            fprintf(stderr, "http_floor: bad option %s %s\n", argv[i - 1], val);
            return -1;
        }
    }
    return 0;
}

static struct MHD_Daemon *start_daemon(const struct floor_opts *o, struct floor_server *srv)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* One thread is the daemon's own polling thread, not a pool (MHD warns about a
     * pool of one), so the pool option is left out then. */
    struct MHD_OptionItem pool[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)o->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (o->threads < 2)
        pool[0].option = MHD_OPTION_END;
    return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)o->port,
                            NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_ARRAY, pool, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                            MHD_OPTION_END);
}

int main(int argc, char **argv)
{
    struct floor_opts opts;
    if (parse_opts(argc, argv, &opts) < 0) {
        usage(stderr);
        return 2;
    }

    /* Block the stop signals before MHD starts its threads, so they inherit the mask
     * and the main thread alone takes the signal in sigwait. A shell starts background
     * jobs with SIGINT ignored; the default action is restored so that it still counts. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
        fputs("http_floor: pthread_sigmask failed\n", stderr);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    struct floor_server srv = {.max_body = opts.max_body};
    atomic_init(&srv.answered, 0);
    struct MHD_Daemon *d = start_daemon(&opts, &srv);
    if (d == NULL) {
        fprintf(stderr, "http_floor: cannot listen on 127.0.0.1:%u\n", opts.port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("http_floor: listening on 127.0.0.1:%u (%u threads)\n",
           info != NULL ? (unsigned)info->port : opts.port, opts.threads);
    fflush(stdout);

    int sig = 0;
    if (sigwait(&stop, &sig) != 0)
        fputs("http_floor: sigwait failed; stopping\n", stderr);
    MHD_stop_daemon(d);
    printf("http_floor: stopped by signal %d after %lu requests\n", sig,
           atomic_load(&srv.answered));
    return 0;
}

/* Figures of the state store (include/otter/store.h): snapshot cost against the share
 * of entities that changed, restore and lazy reload, and learn calls per second with
 * durability sync (group commit) against plain RocksDB sync writes as the floor.
 *
 *   bench/store_bench snapshot [--entities N] [--params P] [--warm W] [--restore] ...
 *       creates N learners, learns W seeded examples into each, then times three
 *       snapshots: the first (every entity dirty), one after one learn call on --changed
 *       percent of the entities (seeded choice), one with nothing changed. --restore
 *       then times otter_store_restore of the first snapshot, a close and reopen, the
 *       same restore again with nothing decoded, a predict on every entity (each
 *       decoded on first use) and a second predict pass.
 *   bench/store_bench sync [--threads 1,8] [--seconds S] [--rounds R] [--params P] ...
 *       learn calls per second with OTTER_DURABILITY_SYNC: T threads each on its own
 *       entity, and (T > 1) T threads on one shared entity; then plain RocksDB writes
 *       with sync=1, one put per write of the size the store's own log records had
 *       (read back from its log; --value-bytes B overrides), from the same thread
 *       counts. R rounds interleave the configurations; the summary compares medians.
 *
 * Common flags: --dir D (a parent directory for the data; default /tmp; the data is
 * removed afterwards unless --keep), --seed S, --features F (per example: half numeric,
 * half categorical), --vocab V (distinct values of each categorical feature), --type T
 * (default logreg), --durability none|sync (snapshot only; default none: no log, as in
 * Flink). Every random choice comes from otter_rng seeded by --seed. Output: one JSON
 * object per line on stdout; progress on stderr. Times are wall clock
 * (CLOCK_MONOTONIC). Built on demand (make bench/store_bench), never by make check.
 *
 * The plain floor and the log record size use internal headers: the RocksDB adapter
 * (the only code that may talk to RocksDB) and the store's struct, to read its log. */
#define _GNU_SOURCE /* mkdtemp, nftw */
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/rocks_int.h"
#include "ckpt/store_int.h"
#include "otter/otter.h"

typedef struct opts {
    const char *cmd;
    size_t entities, warm, features, vocab, rounds, value_bytes;
    double changed_pct, seconds;
    const char *params, *type, *parent, *threads;
    otter_durability durability;
    uint64_t seed;
    int restore, keep;
} opts;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (every thread, RocksDB's background ones included):
 * on a shared machine it moves less than the wall clock. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

_Noreturn static void die(const char *what, const otter_error *e)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

/* A /proc/self/status field given in kB (VmRSS, VmHWM), in bytes; 0 when unreadable. */
static uint64_t proc_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtoull(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* ---- directory size: every file once, however many hard links it has ---- */

typedef struct inode_rec {
    dev_t dev;
    ino_t ino;
    uint64_t size;
} inode_rec;

/* nftw passes no user pointer, hence these file-scope variables (single-threaded use) */
static inode_rec *g_inodes;
static size_t g_n_inodes, g_cap_inodes;

static int visit(const char *path, const struct stat *sb, int type, struct FTW *f)
{
    (void)path;
    (void)f;
    if (type != FTW_F || !S_ISREG(sb->st_mode))
        return 0;
    if (g_n_inodes == g_cap_inodes) {
        g_cap_inodes = g_cap_inodes ? 2 * g_cap_inodes : 1024;
        g_inodes = realloc(g_inodes, g_cap_inodes * sizeof *g_inodes);
        if (!g_inodes)
            die("out of memory", NULL);
    }
    g_inodes[g_n_inodes++] = (inode_rec){sb->st_dev, sb->st_ino, (uint64_t)sb->st_size};
    return 0;
}

static int by_inode(const void *a, const void *b)
{
    const inode_rec *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Bytes of the regular files under path, each inode counted once. */
static uint64_t dir_bytes(const char *path)
{
    g_n_inodes = 0;
    if (nftw(path, visit, 64, FTW_PHYS) != 0)
        return 0;
    qsort(g_inodes, g_n_inodes, sizeof *g_inodes, by_inode);
    uint64_t sum = 0;
    for (size_t i = 0; i < g_n_inodes; i++)
        if (i == 0 || by_inode(&g_inodes[i - 1], &g_inodes[i]) != 0)
            sum += g_inodes[i].size;
    return sum;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
    (void)sb;
    (void)type;
    (void)f;
    return remove(path);
}

static void rm_tree(const char *path)
{
    if (nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "store_bench: could not remove all of %s\n", path);
}

static void make_workdir(const opts *o, char *out, size_t cap)
{
    snprintf(out, cap, "%s/otter-store-bench-XXXXXX", o->parent);
    if (!mkdtemp(out)) {
        perror("store_bench: mkdtemp");
        exit(1);
    }
}

/* ---- seeded examples ---- */

/* A reusable example builder: F/2 numeric columns n0.. (standard normal values) and
 * F - F/2 categorical columns c0.. (values v0..v{vocab-1}); the label depends on the
 * first numeric value, so learning has something to find. */
typedef struct example {
    otter_instance *inst;
    otter_feature_key keys[64];
    size_t n_num, n_cat, vocab;
    double label;
} example;

static void example_init(example *x, const opts *o)
{
    otter_error e = {0};
    size_t f = o->features; /* 1..64, checked by parse_args */
    x->n_num = f / 2;
    x->n_cat = f - f / 2;
    x->vocab = o->vocab ? o->vocab : 1;
    if (otter_instance_create(&x->inst, &e))
        die("instance", &e);
    for (size_t i = 0; i < f; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "%c%zu", i < x->n_num ? 'n' : 'c',
                         i < x->n_num ? i : i - x->n_num);
        if (otter_instance_intern(x->inst, NULL, 0, name, (size_t)n, &x->keys[i], &e))
            die("intern", &e);
    }
}

static void example_draw(example *x, otter_rng *rng)
{
    otter_error e = {0};
    otter_instance_clear(x->inst);
    double first = 0;
    for (size_t i = 0; i < x->n_num; i++) {
        double v = otter_rng_normal(rng);
        if (i == 0)
            first = v;
        if (otter_instance_add_num(x->inst, x->keys[i], v, &e))
            die("add_num", &e);
    }
    for (size_t i = 0; i < x->n_cat; i++) {
        char val[24];
        int n = snprintf(val, sizeof val, "v%" PRIu64, otter_rng_below(rng, x->vocab));
        if (otter_instance_add_cat(x->inst, x->keys[x->n_num + i], val, (size_t)n, &e))
            die("add_cat", &e);
    }
    x->label = first + 0.5 * otter_rng_normal(rng) > 0 ? 1.0 : 0.0;
}

static otter_params *parse_params(const char *text)
{
    otter_error e = {0};
    otter_params *p = NULL;
    if (otter_params_create(&p, &e) || (text && *text && otter_params_parse(p, text, &e)))
        die("params", &e);
    return p;
}

/* ---- snapshot and restore ---- */

static void entity_name(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "m%08zu", i);
}

static otter_store *open_store(const otter_context *ctx, const char *dir, otter_durability d)
{
    otter_store_options so = OTTER_STORE_OPTIONS_INIT;
    so.durability = d;
    otter_store *s = NULL;
    otter_error e = {0};
    if (otter_store_open(ctx, dir, &so, &s, &e))
        die("open", &e);
    return s;
}

static void create_all(otter_store *s, const opts *o)
{
    otter_error e = {0};
    otter_params *p = parse_params(o->params);
    for (size_t i = 0; i < o->entities; i++) {
        char name[32];
        entity_name(i, name, sizeof name);
        if (otter_store_create_learner(s, otter_store_key_group(name), name, o->type, p, NULL, &e))
            die("create", &e);
    }
    otter_params_destroy(p);
}

static void learn_one(otter_store *s, size_t i, example *x, otter_rng *rng)
{
    otter_error e = {0};
    char name[32];
    entity_name(i, name, sizeof name);
    example_draw(x, rng);
    if (otter_store_learn(s, otter_store_key_group(name), name, x->inst, x->label, 1.0, &e))
        die("learn", &e);
}

/* The state blob and decoded memory of entity 0, which stands for all (same parameters,
 * same number of examples). */
static void entity_sizes(otter_store *s, uint64_t *record, uint64_t *memory)
{
    otter_error e = {0};
    char name[32];
    entity_name(0, name, sizeof name);
    otter_buf b = OTTER_BUF_INIT;
    otter_entity_info info;
    if (otter_store_get_state(s, otter_store_key_group(name), name, &b, &e) ||
        otter_store_info(s, otter_store_key_group(name), name, &info, &e))
        die("entity size", &e);
    *record = b.len;
    *memory = info.bytes;
    otter_buf_free(&b);
}

/* Wall seconds of one snapshot; *cpu gets its process CPU seconds. */
static double timed_snapshot(otter_store *s, uint64_t id, otter_snapshot_info *info, double *cpu)
{
    otter_error e = {0};
    double c0 = cpu_s(), t0 = now_s();
    if (otter_store_snapshot(s, id, info, &e))
        die("snapshot", &e);
    double t = now_s() - t0;
    *cpu = cpu_s() - c0;
    return t;
}

static void print_snapshot(const opts *o, const char *step, size_t changed, double secs, double cpu,
                           const otter_snapshot_info *info, const char *dir)
{
    char db[4200];
    snprintf(db, sizeof db, "%s/db", dir);
    printf("{\"bench\":\"snapshot\",\"step\":\"%s\",\"entities\":%zu,\"type\":\"%s\","
           "\"params\":\"%s\",\"warm\":%zu,\"changed\":%zu,\"seconds\":%.4f,"
           "\"cpu_seconds\":%.4f,\"store_seconds\":%.4f,\"snapshot_bytes\":%" PRIu64
           ",\"snapshot_files\":%zu,"
           "\"db_bytes\":%" PRIu64 ",\"dir_bytes\":%" PRIu64 ",\"rss\":%" PRIu64 "}\n",
           step, o->entities, o->type, o->params, o->warm, changed, secs, cpu, info->seconds,
           info->bytes, info->files, dir_bytes(db), dir_bytes(dir), proc_bytes("VmRSS"));
    fflush(stdout);
}

/* k distinct indexes of 0..n-1 (a partial Fisher-Yates shuffle), in idx[0..k). */
static uint32_t *choose(size_t n, size_t k, otter_rng *rng)
{
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        die("out of memory", NULL);
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    for (size_t i = 0; i < k && i < n; i++) {
        size_t j = i + (size_t)otter_rng_below(rng, n - i);
        uint32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    return idx;
}

static void restore_phase(const otter_context *ctx, otter_store **sp, const opts *o,
                          const char *dir)
{
    otter_error e = {0};
    double t0 = now_s();
    if (otter_store_restore(*sp, 1, &e))
        die("restore", &e);
    double t_restore = now_s() - t0;
    t0 = now_s();
    otter_store_close(*sp);
    double t_close = now_s() - t0;
    t0 = now_s();
    *sp = open_store(ctx, dir, o->durability);
    double t_open = now_s() - t0;
    /* the same restore with nothing decoded: the files' part alone */
    t0 = now_s();
    if (otter_store_restore(*sp, 1, &e))
        die("restore", &e);
    double t_restore_cold = now_s() - t0;
    example x;
    example_init(&x, o);
    otter_rng rng;
    otter_rng_seed(&rng, o->seed + 3);
    example_draw(&x, &rng);
    double sum = 0;
    t0 = now_s();
    for (size_t i = 0; i < o->entities; i++) {
        char name[32];
        entity_name(i, name, sizeof name);
        otter_prediction pr;
        if (otter_store_predict(*sp, otter_store_key_group(name), name, x.inst, &pr, &e))
            die("predict", &e);
        sum += pr.score;
    }
    double t_touch = now_s() - t0;
    /* a second pass over decoded models: what a predict costs once loaded */
    t0 = now_s();
    for (size_t i = 0; i < o->entities; i++) {
        char name[32];
        entity_name(i, name, sizeof name);
        otter_prediction pr;
        if (otter_store_predict(*sp, otter_store_key_group(name), name, x.inst, &pr, &e))
            die("predict", &e);
        sum += pr.score;
    }
    double t_again = now_s() - t0;
    otter_store_stats st;
    otter_store_stats_get(*sp, &st);
    printf("{\"bench\":\"restore\",\"entities\":%zu,\"type\":\"%s\",\"params\":\"%s\","
           "\"restore_seconds\":%.4f,\"close_seconds\":%.4f,\"open_seconds\":%.4f,"
           "\"restore_unloaded_seconds\":%.4f,"
           "\"touch_all_seconds\":%.4f,\"predict_loaded_seconds\":%.4f,\"loaded\":%" PRIu64
           ",\"rss\":%" PRIu64 ",\"mean_score\":%.6f}\n",
           o->entities, o->type, o->params, t_restore, t_close, t_open, t_restore_cold, t_touch,
           t_again, st.loaded, proc_bytes("VmRSS"), sum / (2.0 * (double)o->entities));
    fflush(stdout);
    otter_instance_destroy(x.inst);
}

static int bench_snapshot(const otter_context *ctx, const opts *o)
{
    char dir[4096];
    make_workdir(o, dir, sizeof dir);
    otter_store *s = open_store(ctx, dir, o->durability);
    otter_rng rng;
    otter_rng_seed(&rng, o->seed);
    example x;
    example_init(&x, o);
    fprintf(stderr, "store_bench: %s: creating %zu %s (%s)\n", dir, o->entities, o->type,
            o->params);
    double t0 = now_s();
    create_all(s, o);
    double t_create = now_s() - t0;
    t0 = now_s();
    for (size_t w = 0; w < o->warm; w++)
        for (size_t i = 0; i < o->entities; i++)
            learn_one(s, i, &x, &rng);
    double t_warm = now_s() - t0;
    uint64_t rec = 0, mem = 0;
    entity_sizes(s, &rec, &mem);
    printf("{\"bench\":\"populate\",\"entities\":%zu,\"type\":\"%s\",\"params\":\"%s\","
           "\"warm\":%zu,\"features\":%zu,\"create_seconds\":%.4f,\"learn_seconds\":%.4f,"
           "\"model_state_bytes\":%" PRIu64 ",\"model_memory_bytes\":%" PRIu64 ",\"rss\":%" PRIu64
           "}\n",
           o->entities, o->type, o->params, o->warm, o->features, t_create, t_warm, rec, mem,
           proc_bytes("VmRSS"));
    fflush(stdout);
    fprintf(stderr, "store_bench: snapshots\n");
    otter_snapshot_info i1, i2, i3;
    double c1, c2, c3;
    double s1 = timed_snapshot(s, 1, &i1, &c1);
    print_snapshot(o, "first", o->entities, s1, c1, &i1, dir);
    size_t k = (size_t)((double)o->entities * o->changed_pct / 100.0 + 0.5);
    if (k < 1)
        k = 1;
    uint32_t *idx = choose(o->entities, k, &rng);
    for (size_t j = 0; j < k; j++)
        learn_one(s, idx[j], &x, &rng);
    free(idx);
    double s2 = timed_snapshot(s, 2, &i2, &c2);
    print_snapshot(o, "changed", k, s2, c2, &i2, dir);
    double s3 = timed_snapshot(s, 3, &i3, &c3);
    print_snapshot(o, "unchanged", 0, s3, c3, &i3, dir);
    printf("{\"bench\":\"snapshot_ratio\",\"entities\":%zu,\"params\":\"%s\",\"changed\":%zu,"
           "\"changed_over_first\":%.4f,\"unchanged_over_first\":%.4f,"
           "\"cpu_changed_over_first\":%.4f,\"cpu_unchanged_over_first\":%.4f}\n",
           o->entities, o->params, k, s2 / s1, s3 / s1, c2 / c1, c3 / c1);
    fflush(stdout);
    if (o->restore) {
        fprintf(stderr, "store_bench: restore\n");
        restore_phase(ctx, &s, o, dir);
    }
    otter_store_close(s);
    otter_instance_destroy(x.inst);
    if (!o->keep)
        rm_tree(dir);
    return 0;
}

/* ---- sync learn calls against plain sync writes ---- */

typedef struct worker {
    /* the store run */
    otter_store *store;
    const char *name;
    uint16_t kg;
    example x;
    /* the plain run */
    otter__rocks *db;
    size_t value_bytes;
    uint64_t key_base;
    /* both */
    uint64_t seed;
    pthread_barrier_t *start;
    atomic_int *stop;
    uint64_t calls;
    double *lat;
    size_t n_lat, cap_lat;
} worker;

static void record_latency(worker *w, double secs)
{
    if (w->n_lat == w->cap_lat) {
        w->cap_lat = w->cap_lat ? 2 * w->cap_lat : 4096;
        w->lat = realloc(w->lat, w->cap_lat * sizeof *w->lat);
        if (!w->lat)
            die("out of memory", NULL);
    }
    w->lat[w->n_lat++] = secs;
}

static void *store_worker(void *arg)
{
    worker *w = arg;
    otter_rng rng;
    otter_rng_seed(&rng, w->seed);
    otter_error e = {0};
    pthread_barrier_wait(w->start);
    while (!atomic_load(w->stop)) {
        example_draw(&w->x, &rng);
        double t0 = now_s();
        if (otter_store_learn(w->store, w->kg, w->name, w->x.inst, w->x.label, 1.0, &e))
            die("learn", &e);
        record_latency(w, now_s() - t0);
        w->calls++;
    }
    return NULL;
}

static void *plain_worker(void *arg)
{
    worker *w = arg;
    otter_rng rng;
    otter_rng_seed(&rng, w->seed);
    otter_error e = {0};
    uint8_t *val = malloc(w->value_bytes ? w->value_bytes : 1);
    otter__rocks_batch *b = NULL;
    if (!val || otter__rocks_batch_create(&b, &e))
        die("plain setup", &e);
    for (size_t i = 0; i < w->value_bytes; i++)
        val[i] = (uint8_t)otter_rng_next(&rng);
    pthread_barrier_wait(w->start);
    for (uint64_t seq = w->key_base; !atomic_load(w->stop); seq++) {
        uint8_t key[8];
        for (int i = 0; i < 8; i++)
            key[i] = (uint8_t)(seq >> (56 - 8 * i));
        val[0] = (uint8_t)seq; /* not the same bytes every time */
        double t0 = now_s();
        otter__rocks_batch_clear(b);
        otter__rocks_batch_put(b, w->db, OTTER__CF_LOG, key, 8, val, w->value_bytes);
        if (otter__rocks_write(w->db, b, 1, 0, &e))
            die("plain write", &e);
        record_latency(w, now_s() - t0);
        w->calls++;
    }
    otter__rocks_batch_destroy(b);
    free(val);
    return NULL;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct run_result {
    uint64_t calls;
    double seconds, p50, p99;
} run_result;

/* Starts n workers on fn, lets them run for `seconds`, and sums what they did. */
static run_result run_workers(worker *ws, size_t n, void *(*fn)(void *), double seconds)
{
    pthread_barrier_t start;
    atomic_int stop;
    atomic_init(&stop, 0);
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    pthread_t *tid = calloc(n, sizeof *tid);
    for (size_t i = 0; i < n; i++) {
        ws[i].start = &start;
        ws[i].stop = &stop;
        if (pthread_create(&tid[i], NULL, fn, &ws[i]) != 0)
            die("pthread_create", NULL);
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    run_result r = {0};
    size_t n_lat = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        r.calls += ws[i].calls;
        n_lat += ws[i].n_lat;
    }
    r.seconds = now_s() - t0;
    double *all = malloc((n_lat ? n_lat : 1) * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(all + k, ws[i].lat, ws[i].n_lat * sizeof *all);
        k += ws[i].n_lat;
        free(ws[i].lat);
    }
    qsort(all, n_lat, sizeof *all, by_double);
    r.p50 = n_lat ? all[n_lat / 2] : 0;
    r.p99 = n_lat ? all[(size_t)((double)n_lat * 0.99)] : 0;
    free(all);
    free(tid);
    pthread_barrier_destroy(&start);
    return r;
}

/* Mean value and key size of the records in the store's live update log. */
static void log_record_size(otter_store *s, double *value, double *key, uint64_t *n)
{
    otter_error e = {0};
    otter__rocks_iter *it = NULL;
    if (otter__rocks_iter_create(s->db, OTTER__CF_LOG, NULL, 0, NULL, 0, 0, &it, &e))
        die("log iterator", &e);
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t sv = 0, sk = 0, c = 0;
    while (otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
        sv += vl;
        sk += kl;
        c++;
    }
    if (otter__rocks_iter_status(it, &e))
        die("log iterator", &e);
    otter__rocks_iter_destroy(it);
    *n = c;
    *value = c ? (double)sv / (double)c : 0;
    *key = c ? (double)sk / (double)c : 0;
}

/* One store run: n threads, each on its own entity or all on one. Returns calls/s and
 * the mean log record size of this run. */
static double store_run(const otter_context *ctx, const opts *o, size_t n, int shared, size_t round,
                        double *rec_bytes)
{
    char dir[4096];
    make_workdir(o, dir, sizeof dir);
    otter_store *s = open_store(ctx, dir, OTTER_DURABILITY_SYNC);
    otter_params *p = parse_params(o->params);
    otter_error e = {0};
    worker *ws = calloc(n, sizeof *ws);
    char(*names)[32] = calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "s%zu", shared ? (size_t)0 : i);
        ws[i].store = s;
        ws[i].name = names[i];
        ws[i].kg = otter_store_key_group(names[i]);
        ws[i].seed = o->seed + 1000 * (i + 1);
        example_init(&ws[i].x, o);
        if (otter_store_create_learner(s, ws[i].kg, names[i], o->type, p, NULL, &e))
            die("create", &e);
    }
    otter_store_stats before, after;
    otter_store_stats_get(s, &before);
    run_result r = run_workers(ws, n, store_worker, o->seconds);
    otter_store_stats_get(s, &after);
    double key = 0;
    uint64_t n_rec = 0;
    log_record_size(s, rec_bytes, &key, &n_rec);
    uint64_t recs = after.log_records - before.log_records, syncs = after.syncs - before.syncs;
    double rate = (double)r.calls / r.seconds;
    printf("{\"bench\":\"sync\",\"target\":\"store\",\"round\":%zu,\"threads\":%zu,"
           "\"entities\":%zu,"
           "\"params\":\"%s\",\"calls\":%" PRIu64 ",\"seconds\":%.3f,\"calls_per_s\":%.1f,"
           "\"log_records\":%" PRIu64 ",\"syncs\":%" PRIu64 ",\"records_per_sync\":%.3f,"
           "\"syncs_per_call\":%.4f,\"log_value_bytes\":%.1f,\"log_key_bytes\":%.0f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
           round, n, shared ? (size_t)1 : n, o->params, r.calls, r.seconds, rate, recs, syncs,
           syncs ? (double)recs / (double)syncs : 0, recs ? (double)syncs / (double)recs : 0,
           *rec_bytes, key, r.p50 * 1e3, r.p99 * 1e3);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        otter_instance_destroy(ws[i].x.inst);
    free(ws);
    free(names);
    otter_params_destroy(p);
    otter_store_close(s);
    if (!o->keep)
        rm_tree(dir);
    return rate;
}

static double plain_run(const opts *o, size_t n, size_t value_bytes, size_t round)
{
    char dir[4096], path[4200];
    make_workdir(o, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/db", dir);
    otter__rocks_opts ro = {1, 0, 0};
    otter__rocks *db = NULL;
    otter_error e = {0};
    if (otter__rocks_open(path, &ro, &db, &e))
        die("plain open", &e);
    worker *ws = calloc(n, sizeof *ws);
    for (size_t i = 0; i < n; i++) {
        ws[i].db = db;
        ws[i].value_bytes = value_bytes;
        ws[i].key_base = (uint64_t)i << 40;
        ws[i].seed = o->seed + 7 * (i + 1);
    }
    run_result r = run_workers(ws, n, plain_worker, o->seconds);
    double rate = (double)r.calls / r.seconds;
    printf("{\"bench\":\"sync\",\"target\":\"plain\",\"round\":%zu,\"threads\":%zu,"
           "\"value_bytes\":%zu,"
           "\"key_bytes\":8,\"calls\":%" PRIu64 ",\"seconds\":%.3f,\"calls_per_s\":%.1f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
           round, n, value_bytes, r.calls, r.seconds, rate, r.p50 * 1e3, r.p99 * 1e3);
    fflush(stdout);
    free(ws);
    otter__rocks_close(db);
    if (!o->keep)
        rm_tree(dir);
    return rate;
}

static size_t parse_threads(const char *text, size_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = text; *p && n < cap;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v < 1 || v > 256)
            die("--threads wants a list like 1,8", NULL);
        out[n++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Rounds interleave every configuration (store, shared store, plain, for each thread
 * count), so a slow spell of a shared disk hits them alike; medians are compared. */
static int bench_sync(const otter_context *ctx, const opts *o)
{
    enum { MAXT = 8, MAXR = 32 };
    size_t th[MAXT];
    size_t nt = parse_threads(o->threads, th, MAXT), nr = o->rounds;
    static double own[MAXT][MAXR], shared[MAXT][MAXR], plain[MAXT][MAXR];
    double rec = 0, r;
    for (size_t k = 0; k < nr; k++)
        for (size_t i = 0; i < nt; i++) {
            fprintf(stderr, "store_bench: round %zu: store, %zu thread(s), own entities\n", k + 1,
                    th[i]);
            own[i][k] = store_run(ctx, o, th[i], 0, k + 1, &r);
            if (rec == 0)
                rec = r; /* the record size of the first run sizes every plain value */
            if (th[i] > 1) {
                fprintf(stderr, "store_bench: round %zu: store, %zu threads, one entity\n", k + 1,
                        th[i]);
                shared[i][k] = store_run(ctx, o, th[i], 1, k + 1, &r);
            }
            size_t value = o->value_bytes ? o->value_bytes : (size_t)(rec + 0.5);
            fprintf(stderr, "store_bench: round %zu: plain RocksDB, %zu thread(s), %zu bytes\n",
                    k + 1, th[i], value);
            plain[i][k] = plain_run(o, th[i], value, k + 1);
        }
    for (size_t i = 0; i < nt; i++) {
        double mo = median(own[i], nr), mp = median(plain[i], nr);
        double ms = th[i] > 1 ? median(shared[i], nr) : 0;
        printf("{\"bench\":\"sync_summary\",\"threads\":%zu,\"rounds\":%zu,"
               "\"store_own_calls_per_s\":%.1f,\"store_shared_calls_per_s\":%.1f,"
               "\"plain_calls_per_s\":%.1f,\"store_own_over_plain\":%.3f,"
               "\"store_shared_over_plain\":%.3f}\n",
               th[i], nr, mo, ms, mp, mo / mp, ms / mp);
    }
    return 0;
}

/* ---- command line ---- */

_Noreturn static void usage(void)
{
    fprintf(stderr,
            "usage: store_bench snapshot [--entities N] [--warm W] [--changed PCT] [--restore]\n"
            "       store_bench sync [--threads 1,8] [--seconds S] [--rounds R] [--value-bytes B]\n"
            "  common: --params P --type T --features F --vocab V --seed S --dir PARENT --keep\n"
            "          --durability none|sync (snapshot)\n");
    exit(2);
}

static opts parse_args(int argc, char **argv)
{
    opts o = {.entities = 10000,
              .warm = 1,
              .features = 20,
              .vocab = 10000,
              .changed_pct = 1.0,
              .seconds = 5.0,
              .params = "bits=10",
              .type = "logreg",
              .parent = "/tmp",
              .threads = "1,8",
              .rounds = 3,
              .durability = OTTER_DURABILITY_NONE,
              .seed = 42};
    if (argc < 2)
        usage();
    o.cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--restore"))
            o.restore = 1;
        else if (!strcmp(a, "--keep"))
            o.keep = 1;
        else if (!v)
            usage();
        else if (!strcmp(a, "--entities"))
            o.entities = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--warm"))
            o.warm = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--features"))
            o.features = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--vocab"))
            o.vocab = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--changed"))
            o.changed_pct = atof(v);
        else if (!strcmp(a, "--seconds"))
            o.seconds = atof(v);
        else if (!strcmp(a, "--params"))
            o.params = v;
        else if (!strcmp(a, "--type"))
            o.type = v;
        else if (!strcmp(a, "--dir"))
            o.parent = v;
        else if (!strcmp(a, "--threads"))
            o.threads = v;
        else if (!strcmp(a, "--rounds"))
            o.rounds = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--value-bytes"))
            o.value_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            o.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--durability") && (!strcmp(v, "none") || !strcmp(v, "sync")))
            o.durability = !strcmp(v, "none") ? OTTER_DURABILITY_NONE : OTTER_DURABILITY_SYNC;
        else
            usage();
        if (strcmp(a, "--restore") && strcmp(a, "--keep"))
            i++;
    }
    if (o.entities < 1 || o.entities > UINT32_MAX || o.features < 1 || o.features > 64 ||
        o.seconds <= 0 || o.rounds < 1 || o.rounds > 32)
        usage();
    return o;
}

int main(int argc, char **argv)
{
    opts o = parse_args(argc, argv);
    otter_error e = {0};
    otter_context *ctx = NULL;
    if (otter_context_create(&ctx, &e))
        die("context", &e);
    int rc = 2;
    if (!strcmp(o.cmd, "snapshot"))
        rc = bench_snapshot(ctx, &o);
    else if (!strcmp(o.cmd, "sync"))
        rc = bench_sync(ctx, &o);
    else
        usage();
    otter_context_destroy(ctx);
    free(g_inodes);
    return rc;
}

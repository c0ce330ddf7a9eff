/* `otter store`: the state store (include/otter/store.h) from the command line, for
 * operators and for tests: list entities and snapshots, take, restore and prune
 * snapshots, export and import key-group ranges, inspect an entity, verify checksums,
 * and create, delete and train entities.
 *
 * Subcommands are rows of a table naming their arguments, the options they take and how
 * they open the store. Ids, ranges, types and parameters are checked before the store
 * opens, so such a usage error leaves the data directory alone. Commands that only look
 * (ls, inspect, verify, export of a snapshot) open it read-only: they work beside a
 * running otterd and change nothing. Only the commands that put state in may create a
 * data directory or wipe an unreadable one (--reset). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "io_int.h"

#define MAX_LIST 64

/* Options a subcommand accepts (store_cmd.opts); --data-dir and --help go everywhere. */
enum {
    O_KG_RANGE = 1 << 0,
    O_SNAPSHOTS = 1 << 1,
    O_OUTPUT = 1 << 2,
    O_KEY_GROUP = 1 << 3,
    O_PARAMS = 1 << 4,
    O_ARMS = 1 << 5,
    O_READ = 1 << 6, /* the reader's --format, --label, --weight, --cat, --ignore, --skip-bad */
    O_RESET = 1 << 7,
    O_DURABILITY = 1 << 8
};

static const struct {
    unsigned bit;
    const char *name;
} opt_names[] = {{O_KG_RANGE, "--key-groups"},
                 {O_SNAPSHOTS, "--snapshots"},
                 {O_OUTPUT, "--output"},
                 {O_KEY_GROUP, "--key-group"},
                 {O_PARAMS, "--params"},
                 {O_ARMS, "--arms"},
                 {O_READ, "--format/--label/--weight/--cat/--ignore/--skip-bad"},
                 {O_RESET, "--reset"},
                 {O_DURABILITY, "--durability"}};

/* How a subcommand opens the store. */
enum { M_READ, M_WRITE, M_CREATE };

struct store_opts {
    const char *sub, *dir, *output, *arms, *format, *label, *weight;
    const char *cat[MAX_LIST], *ignore[MAX_LIST];
    size_t n_cat, n_ignore;
    int reset, snapshots, skip_bad;
    otter_durability durability;
    uint16_t kg_lo, kg_hi, kg;
    int have_kg;
    unsigned given; /* O_* bits of the options on the command line */
    otter_params *params;
    char **args; /* positional arguments after the subcommand */
    int n_args;
    uint64_t id;   /* the ID or N argument (0: live / the default) */
    int writes;    /* set by a check: open read-write although the command only reads */
    char *arm_buf; /* --arms split in place */
    const char **arms_v;
    size_t n_arms;
};

struct store_cmd {
    const char *name, *synopsis, *summary;
    int min_args, max_args;
    unsigned opts;
    int mode;
    /* checks and converts the positional arguments before the store opens (may be NULL);
     * OTTER_INVALID is a usage error */
    otter_status (*check)(const otter_context *ctx, struct store_opts *o, otter_error *err);
    otter_status (*run)(otter_store *s, struct store_opts *o, otter_error *err);
};

static void store_usage(FILE *out);

/* ---------------------------------------------------------------- argument parsing */

static int parse_kg(const char *s, size_t len, uint16_t *out)
{
    char b[8];
    uint64_t v;
    if (len == 0 || len >= sizeof b)
        return -1;
    memcpy(b, s, len);
    b[len] = '\0';
    if (otter__parse_u64(b, &v) || v >= OTTER_KEY_GROUPS)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

static otter_status parse_kg_range(const char *s, struct store_opts *o, otter_error *err)
{
    const char *dash = strchr(s, '-');
    if (!dash || parse_kg(s, (size_t)(dash - s), &o->kg_lo) ||
        parse_kg(dash + 1, strlen(dash + 1), &o->kg_hi) || o->kg_lo > o->kg_hi)
        return otter_error_set(err, OTTER_INVALID,
                               "--key-groups needs A-B with 0 <= A <= B <= %u, got '%s'",
                               OTTER_KEY_GROUPS - 1, s);
    return OTTER_OK;
}

static otter_status add_list(const char **list, size_t *n, const char *v, otter_error *err)
{
    if (*n == MAX_LIST)
        return otter_error_set(err, OTTER_INVALID, "too many --cat or --ignore options (max %d)",
                               MAX_LIST);
    list[(*n)++] = v;
    return OTTER_OK;
}

/* One option; OTTER_INVALID for a bad value. */
static otter_status take_opt(int c, const char *arg, struct store_opts *o, otter_error *err)
{
    switch (c) {
    case 'd': o->dir = arg; return OTTER_OK;
    case 'o': o->output = arg; return OTTER_OK;
    case 'A': o->arms = arg; return OTTER_OK;
    case 'f': o->format = arg; return OTTER_OK;
    case 'l': o->label = arg; return OTTER_OK;
    case 'w': o->weight = arg; return OTTER_OK;
    case 'k': o->skip_bad = 1; return OTTER_OK;
    case 'R': o->reset = 1; return OTTER_OK;
    case 'S': o->snapshots = 1; return OTTER_OK;
    case 'c': return add_list(o->cat, &o->n_cat, arg, err);
    case 'i': return add_list(o->ignore, &o->n_ignore, arg, err);
    case 'p': return otter_params_parse(o->params, arg, err);
    case 'r': return parse_kg_range(arg, o, err);
    case 'g':
        o->have_kg = 1;
        if (parse_kg(arg, strlen(arg), &o->kg))
            return otter_error_set(err, OTTER_INVALID, "--key-group needs 0..%u, got '%s'",
                                   OTTER_KEY_GROUPS - 1, arg);
        return OTTER_OK;
    case 'D':
        if (strcmp(arg, "sync") == 0 || strcmp(arg, "none") == 0) {
            o->durability = arg[0] == 's' ? OTTER_DURABILITY_SYNC : OTTER_DURABILITY_NONE;
            return OTTER_OK;
        }
        return otter_error_set(err, OTTER_INVALID, "--durability is sync or none, got '%s'", arg);
    default: return otter_error_set(err, OTTER_INVALID, "bad option");
    }
}

static unsigned opt_bit(int c)
{
    switch (c) {
    case 'r': return O_KG_RANGE;
    case 'S': return O_SNAPSHOTS;
    case 'o': return O_OUTPUT;
    case 'g': return O_KEY_GROUP;
    case 'p': return O_PARAMS;
    case 'A': return O_ARMS;
    case 'f':
    case 'l':
    case 'w':
    case 'c':
    case 'i':
    case 'k': return O_READ;
    case 'R': return O_RESET;
    case 'D': return O_DURABILITY;
    default: return 0;
    }
}

/* Parses the options and arguments after the subcommand (argv[0]). Returns -1 to go
 * on, else the exit code. */
static int parse_store(const struct store_cmd *cmd, int argc, char **argv, struct store_opts *o)
{
    static const struct option longs[] = {{"data-dir", required_argument, NULL, 'd'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"arms", required_argument, NULL, 'A'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"label", required_argument, NULL, 'l'},
                                          {"weight", required_argument, NULL, 'w'},
                                          {"cat", required_argument, NULL, 'c'},
                                          {"ignore", required_argument, NULL, 'i'},
                                          {"skip-bad", no_argument, NULL, 'k'},
                                          {"reset", no_argument, NULL, 'R'},
                                          {"snapshots", no_argument, NULL, 'S'},
                                          {"params", required_argument, NULL, 'p'},
                                          {"param", required_argument, NULL, 'p'},
                                          {"key-groups", required_argument, NULL, 'r'},
                                          {"key-group", required_argument, NULL, 'g'},
                                          {"durability", required_argument, NULL, 'D'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    otter_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:o:p:h", longs, NULL)) != -1) {
        if (c == 'h') {
            store_usage(stdout);
            return 0;
        }
        if (c == '?' || c == ':') {
            fprintf(stderr, "Run 'otter store --help' for the options.\n");
            return 2;
        }
        o->given |= opt_bit(c);
        if (take_opt(c, optarg, o, &err) != OTTER_OK) {
            fprintf(stderr, "otter store %s: %s\n", o->sub, err.message);
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof opt_names / sizeof *opt_names; i++) {
        if (o->given & opt_names[i].bit & ~cmd->opts) {
            fprintf(stderr, "otter store %s: %s does not apply here\n", o->sub, opt_names[i].name);
            return 2;
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    if (o->n_args < cmd->min_args || o->n_args > cmd->max_args) {
        fprintf(stderr, "otter store %s: %s arguments\nusage: otter store %s %s\n", o->sub,
                o->n_args < cmd->min_args ? "missing" : "too many", cmd->name, cmd->synopsis);
        return 2;
    }
    if (!o->dir) {
        fprintf(stderr, "otter store %s: --data-dir DIR (or -d DIR) is required\n", o->sub);
        return 2;
    }
    return -1;
}

/* A snapshot id: a positive integer. */
static otter_status parse_id(const char *s, uint64_t *id, otter_error *err)
{
    if (otter__parse_u64(s, id) || *id == 0)
        return otter_error_set(err, OTTER_INVALID, "a snapshot ID is a positive integer, got '%s'",
                               s);
    return OTTER_OK;
}

/* ---------------------------------------------------------------- aligned tables */

/* Cells row by row; printed with each column as wide as its widest cell. */
struct table {
    size_t cols, n, cap;
    char **cells;
    int nomem;
};

static void cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cell(struct table *t, const char *fmt, ...)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **p = realloc(t->cells, cap * sizeof *p);
        if (!p) {
            t->nomem = 1;
            return;
        }
        t->cells = p;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char b[512];
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    char *copy = strdup(b);
    t->nomem |= !copy;
    t->cells[t->n++] = copy;
}

static otter_status table_print(const struct table *t, int indent, otter_error *err)
{
    if (t->nomem)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    size_t width[16] = {0};
    for (size_t i = 0; i < t->n; i++) {
        size_t w = strlen(t->cells[i]);
        if (w > width[i % t->cols])
            width[i % t->cols] = w;
    }
    for (size_t i = 0; i < t->n; i++) {
        int last = i % t->cols == t->cols - 1;
        printf("%*s%-*s%s", i % t->cols ? 0 : indent, "", last ? 0 : (int)width[i % t->cols],
               t->cells[i], last ? "\n" : "  ");
    }
    return OTTER_OK;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
}

static void snap_header(struct table *t)
{
    const char *h[] = {"ID",         "PARENT", "TIME",  "ENTITIES", "EVENTS",
                       "KEY_GROUPS", "FILES",  "BYTES", "SECONDS"};
    for (size_t i = 0; i < sizeof h / sizeof *h; i++)
        cell(t, "%s", h[i]);
}

static void snap_row(struct table *t, const otter_snapshot_info *s)
{
    time_t secs = (time_t)(s->time_ms / 1000);
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    cell(t, "%" PRIu64, s->id);
    cell(t, "%" PRIu64, s->parent);
    cell(t, "%s.%03dZ", when, (int)(s->time_ms % 1000));
    cell(t, "%" PRIu64, s->entities);
    cell(t, "%" PRIu64, s->events);
    if (s->kg_lo > s->kg_hi)
        cell(t, "-");
    else
        cell(t, "%u-%u", (unsigned)s->kg_lo, (unsigned)s->kg_hi);
    cell(t, "%zu", s->files);
    cell(t, "%" PRIu64, s->bytes);
    cell(t, "%.3f", s->seconds);
}

static const char *kind_name(otter_entity_kind k)
{
    return k == OTTER_ENTITY_LEARNER ? "learner" : k == OTTER_ENTITY_BANDIT ? "bandit" : "?";
}

/* ---------------------------------------------------------------- ls */

struct entities {
    otter_entity_info *v;
    size_t n, cap;
};

static otter_status collect(void *ud, const otter_entity_info *info)
{
    struct entities *e = ud;
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 64;
        otter_entity_info *p = realloc(e->v, cap * sizeof *p);
        if (!p)
            return OTTER_NOMEM;
        e->v = p;
        e->cap = cap;
    }
    e->v[e->n++] = *info;
    return OTTER_OK;
}

static otter_status ls_entities(otter_store *s, const struct store_opts *o, otter_error *err)
{
    struct entities e = {0};
    uint16_t lo = o->given & O_KG_RANGE ? o->kg_lo : 0;
    uint16_t hi = o->given & O_KG_RANGE ? o->kg_hi : OTTER_KEY_GROUPS - 1;
    otter_status st = otter_store_list(s, lo, hi, collect, &e, err);
    if (st == OTTER_NOMEM)
        otter_error_set(err, st, "out of memory");
    struct table t = {6, 0, 0, NULL, 0};
    const char *h[] = {"KEY_GROUP", "NAME", "KIND", "TYPE", "VERSION", "BYTES"};
    for (size_t i = 0; i < 6; i++)
        cell(&t, "%s", h[i]);
    for (size_t i = 0; st == OTTER_OK && i < e.n; i++) {
        cell(&t, "%u", (unsigned)e.v[i].key_group);
        cell(&t, "%s", e.v[i].name);
        cell(&t, "%s", kind_name(e.v[i].kind));
        cell(&t, "%s", e.v[i].type[0] ? e.v[i].type : "?");
        cell(&t, "%" PRIu64, e.v[i].version);
        if (e.v[i].bytes) /* only a loaded entity knows its size */
            cell(&t, "%zu", e.v[i].bytes);
        else
            cell(&t, "-");
    }
    if (st == OTTER_OK)
        st = table_print(&t, 0, err);
    table_free(&t);
    free(e.v);
    return st;
}

static otter_status ls_snapshots(otter_store *s, otter_error *err)
{
    otter_snapshot_info *v = NULL;
    size_t n = 0;
    otter_status st = otter_store_snapshots(s, &v, &n, err);
    struct table t = {9, 0, 0, NULL, 0};
    snap_header(&t);
    for (size_t i = 0; st == OTTER_OK && i < n; i++)
        snap_row(&t, &v[i]);
    if (st == OTTER_OK)
        st = table_print(&t, 0, err);
    table_free(&t);
    free(v);
    return st;
}

static otter_status check_ls(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    (void)ctx;
    if ((o->given & O_KG_RANGE) && o->snapshots)
        return otter_error_set(err, OTTER_INVALID, "--key-groups selects entities, not snapshots");
    return OTTER_OK;
}

static otter_status run_ls(otter_store *s, struct store_opts *o, otter_error *err)
{
    otter_status st = o->snapshots ? ls_snapshots(s, err) : ls_entities(s, o, err);
    if (st != OTTER_OK)
        return st;
    otter_store_stats ss;
    otter_store_stats_get(s, &ss);
    printf("\nentities=%" PRIu64 " loaded=%" PRIu64 " dirty=%" PRIu64 " pending_events=%" PRIu64
           " replayed=%" PRIu64 " last_snapshot=%" PRIu64 "\n",
           ss.entities, ss.loaded, ss.dirty, ss.pending_events, ss.replayed, ss.last_snapshot);
    return OTTER_OK;
}

/* ---------------------------------------------------------------- snapshots */

static otter_status check_id(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    (void)ctx;
    return o->n_args ? parse_id(o->args[0], &o->id, err) : OTTER_OK;
}

static otter_status check_retain(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    (void)ctx;
    if (otter__parse_u64(o->args[0], &o->id) || o->id == 0)
        return otter_error_set(err, OTTER_INVALID, "retain needs a count N >= 1, got '%s'",
                               o->args[0]);
    return OTTER_OK;
}

/* The next free id: past both the live state's ancestor and every listed snapshot, so a
 * snapshot of an abandoned timeline (newer than a restored one) is never replaced. */
static otter_status next_id(otter_store *s, uint64_t *id, otter_error *err)
{
    otter_store_stats ss;
    otter_store_stats_get(s, &ss);
    otter_snapshot_info *v = NULL;
    size_t n = 0;
    otter_status st = otter_store_snapshots(s, &v, &n, err);
    uint64_t top = ss.last_snapshot;
    if (n && v[n - 1].id > top)
        top = v[n - 1].id;
    free(v);
    *id = top + 1;
    return st;
}

static otter_status run_snapshot(otter_store *s, struct store_opts *o, otter_error *err)
{
    otter_status st = o->id ? OTTER_OK : next_id(s, &o->id, err);
    otter_snapshot_info info;
    if (st == OTTER_OK)
        st = otter_store_snapshot(s, o->id, &info, err);
    if (st != OTTER_OK)
        return st;
    struct table t = {9, 0, 0, NULL, 0};
    snap_header(&t);
    snap_row(&t, &info);
    st = table_print(&t, 0, err);
    table_free(&t);
    return st;
}

static otter_status run_restore(otter_store *s, struct store_opts *o, otter_error *err)
{
    otter_status st = otter_store_restore(s, o->id, err);
    if (st != OTTER_OK)
        return st;
    otter_store_stats ss;
    otter_store_stats_get(s, &ss);
    printf("restored snapshot %" PRIu64 ": %" PRIu64 " entities, %" PRIu64 " pending events\n",
           o->id, ss.entities, ss.pending_events);
    return OTTER_OK;
}

static otter_status run_retain(otter_store *s, struct store_opts *o, otter_error *err)
{
    otter_snapshot_info *v = NULL;
    size_t before = 0, after = 0;
    otter_status st = otter_store_snapshots(s, &v, &before, err);
    free(v);
    if (st == OTTER_OK)
        st = otter_store_retain(s, (size_t)o->id, err);
    v = NULL;
    if (st == OTTER_OK)
        st = otter_store_snapshots(s, &v, &after, err);
    if (st == OTTER_OK) {
        printf("dropped %zu snapshot(s); kept", before - after);
        for (size_t i = 0; i < after; i++)
            printf(" %" PRIu64, v[i].id);
        printf("%s\n", after ? "" : " none");
    }
    free(v);
    return st;
}

static otter_status run_drop(otter_store *s, struct store_opts *o, otter_error *err)
{
    otter_status st = otter_store_drop(s, o->id, err);
    if (st == OTTER_OK)
        printf("dropped snapshot %" PRIu64 "\n", o->id);
    return st;
}

/* ---------------------------------------------------------------- export, import */

static otter_status check_export(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    (void)ctx;
    o->writes = strcmp(o->args[0], "live") == 0; /* exporting the live state persists it */
    if (!o->writes && (otter__parse_u64(o->args[0], &o->id) || o->id == 0))
        return otter_error_set(err, OTTER_INVALID,
                               "export needs a positive snapshot ID or 'live', got '%s'",
                               o->args[0]);
    int to_stdout = !o->output || strcmp(o->output, "-") == 0;
    if (to_stdout && isatty(STDOUT_FILENO))
        return otter_error_set(err, OTTER_INVALID,
                               "refusing to write a binary export stream to a terminal; use "
                               "-o FILE or redirect stdout");
    return OTTER_OK;
}

struct sink {
    FILE *f;
    const char *name;
    uint64_t bytes;
};

static otter_status sink_write(void *ud, const void *data, size_t len, otter_error *err)
{
    struct sink *k = ud;
    if (fwrite(data, 1, len, k->f) != len)
        return otter_error_set(err, OTTER_IO, "cannot write %s: %s", k->name, strerror(errno));
    k->bytes += len;
    return OTTER_OK;
}

static otter_status run_export(otter_store *s, struct store_opts *o, otter_error *err)
{
    int to_file = o->output && strcmp(o->output, "-") != 0;
    struct sink k = {to_file ? fopen(o->output, "wb") : stdout, to_file ? o->output : "stdout", 0};
    if (!k.f)
        return otter_error_set(err, OTTER_IO, "cannot open '%s' for writing: %s", o->output,
                               strerror(errno));
    uint16_t lo = o->given & O_KG_RANGE ? o->kg_lo : 0;
    uint16_t hi = o->given & O_KG_RANGE ? o->kg_hi : OTTER_KEY_GROUPS - 1;
    otter_status st = otter_store_export(s, o->id, lo, hi, sink_write, &k, err);
    if (st == OTTER_OK && fflush(k.f) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot write %s: %s", k.name, strerror(errno));
    if (to_file) {
        if (fclose(k.f) != 0 && st == OTTER_OK)
            st = otter_error_set(err, OTTER_IO, "cannot write %s: %s", k.name, strerror(errno));
        if (st != OTTER_OK)
            remove(o->output); /* no half stream that looks like an export */
        else
            printf("exported %s%s (key groups %u-%u) to %s: %" PRIu64 " bytes\n",
                   o->id ? "snapshot " : "the live state", o->id ? o->args[0] : "", (unsigned)lo,
                   (unsigned)hi, o->output, k.bytes);
    }
    return st;
}

struct source {
    FILE *f;
    const char *name;
};

static otter_status source_read(void *ud, void *data, size_t len, size_t *got, otter_error *err)
{
    struct source *r = ud;
    *got = fread(data, 1, len, r->f);
    if (*got == 0 && ferror(r->f))
        return otter_error_set(err, OTTER_IO, "cannot read %s: %s", r->name, strerror(errno));
    return OTTER_OK;
}

static otter_status run_import(otter_store *s, struct store_opts *o, otter_error *err)
{
    int from_stdin = strcmp(o->args[0], "-") == 0;
    struct source r = {from_stdin ? stdin : fopen(o->args[0], "rb"), o->args[0]};
    if (!r.f)
        return otter_error_set(err, OTTER_IO, "cannot open '%s': %s", o->args[0], strerror(errno));
    uint64_t ne = 0, nv = 0;
    otter_status st = otter_store_import(s, source_read, &r, &ne, &nv, err);
    if (!from_stdin)
        fclose(r.f);
    if (st != OTTER_OK) {
        otter_error_prefix(err, "%s", from_stdin ? "stdin" : o->args[0]);
        return st;
    }
    printf("imported %" PRIu64 " entities, %" PRIu64 " pending events\n", ne, nv);
    return OTTER_OK;
}

/* ---------------------------------------------------------------- inspect */

static uint16_t key_group_of(const struct store_opts *o, const char *name)
{
    return o->have_kg ? o->kg : otter_store_key_group(name);
}

static void kv_num(void *ud, const char *key, double v)
{
    (void)ud;
    printf("  %-22s %.10g\n", key, v);
}

static void kv_str(void *ud, const char *key, const char *v)
{
    (void)ud;
    printf("  %-22s %s\n", key, v);
}

static void print_params(const char *text)
{
    printf("params\n");
    while (*text) {
        size_t n = strcspn(text, "\n");
        printf("  %.*s\n", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static otter_status print_arms(const otter_bandit *b, otter_error *err)
{
    struct table t = {8, 0, 0, NULL, 0};
    const char *h[] = {"ARM",      "PULLS", "REWARD_SUM", "MEAN",
                       "ESTIMATE", "LOWER", "UPPER",      "PROB_BEST"};
    for (size_t i = 0; i < 8; i++)
        cell(&t, "%s", h[i]);
    otter_status st = OTTER_OK;
    for (size_t i = 0; st == OTTER_OK && i < otter_bandit_arm_count(b); i++) {
        otter_arm_stats a;
        if ((st = otter_bandit_arm_stats(b, i, &a, err)) != OTTER_OK)
            break;
        cell(&t, "%s", otter_bandit_arm_at(b, i));
        cell(&t, "%" PRIu64, a.pulls);
        cell(&t, "%.6g", a.reward_sum);
        cell(&t, "%.6g", a.mean);
        cell(&t, "%.6g", a.estimate);
        cell(&t, "%.6g", a.lower);
        cell(&t, "%.6g", a.upper);
        cell(&t, "%.6g", a.prob_best);
    }
    if (st == OTTER_OK) {
        printf("arms\n");
        st = table_print(&t, 2, err);
    }
    table_free(&t);
    return st;
}

/* Runs under the entity's read lock (otter_store_read). */
static otter_status inspect_model(void *ud, const otter_learner *l, const otter_bandit *b,
                                  otter_error *err)
{
    (void)ud;
    otter_kv_sink sink = {NULL, kv_num, kv_str};
    print_params(l ? otter_learner_params_text(l) : otter_bandit_params_text(b));
    printf("stats\n");
    if (l) {
        otter_learner_describe(l, &sink);
        return OTTER_OK;
    }
    otter_bandit_describe(b, &sink);
    return print_arms(b, err);
}

static otter_status run_inspect(otter_store *s, struct store_opts *o, otter_error *err)
{
    const char *name = o->args[0];
    uint16_t kg = key_group_of(o, name);
    otter_entity_info info;
    otter_status st = otter_store_info(s, kg, name, &info, err);
    if (st != OTTER_OK)
        return st;
    printf("name       %s\nkey_group  %u\nkind       %s\ntype       %s\nversion    %" PRIu64
           "\nbytes      %zu\n",
           info.name, (unsigned)info.key_group, kind_name(info.kind), info.type, info.version,
           info.bytes);
    return otter_store_read(s, kg, name, inspect_model, NULL, err);
}

/* ---------------------------------------------------------------- verify */

static void on_problem(void *ud, const char *message)
{
    size_t *n = ud;
    (*n)++;
    fprintf(stderr, "otter store verify: %s\n", message);
}

static otter_status run_verify(otter_store *s, struct store_opts *o, otter_error *err)
{
    size_t problems = 0;
    otter_status st = otter_store_verify(s, on_problem, &problems, err);
    if (st != OTTER_OK && problems) { /* each was printed already: sum them up */
        otter_error_clear(err);
        otter_error_set(err, st, "%zu problem(s) in %s", problems, o->dir);
    }
    if (st != OTTER_OK)
        return st;
    otter_snapshot_info *v = NULL;
    size_t n = 0;
    st = otter_store_snapshots(s, &v, &n, err);
    free(v);
    if (st == OTTER_OK)
        printf("ok: the live database and %zu snapshot(s) pass every checksum\n", n);
    return st;
}

/* ---------------------------------------------------------------- entities */

/* The type and parameters are tried on a throwaway learner, so that a bad one is a
 * usage error that leaves the data directory alone. */
static otter_status check_learner(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    if (!otter_context_find_learner(ctx, o->args[1]))
        return otter_error_set(err, OTTER_INVALID, "unknown learner type '%s' (see 'otter list')",
                               o->args[1]);
    otter_learner *l = NULL;
    otter_status st = otter_learner_create(ctx, o->args[1], o->params, &l, err);
    otter_learner_destroy(l);
    return st;
}

/* Splits --arms at commas into o->arms_v. */
static otter_status check_bandit(const otter_context *ctx, struct store_opts *o, otter_error *err)
{
    if (!otter_context_find_bandit(ctx, o->args[1]))
        return otter_error_set(err, OTTER_INVALID, "unknown bandit policy '%s' (see 'otter list')",
                               o->args[1]);
    if (!o->arms)
        return otter_error_set(err, OTTER_INVALID, "--arms a,b,... is required");
    size_t n = 1;
    for (const char *p = o->arms; *p; p++)
        n += *p == ',';
    o->arm_buf = strdup(o->arms);
    o->arms_v = calloc(n, sizeof *o->arms_v);
    if (!o->arm_buf || !o->arms_v)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    for (char *p = o->arm_buf, *end; p; p = end) {
        end = strchr(p, ',');
        if (end)
            *end++ = '\0';
        if (!*p)
            return otter_error_set(err, OTTER_INVALID, "--arms has an empty name");
        o->arms_v[o->n_arms++] = p;
    }
    otter_bandit *b = NULL; /* as check_learner: the whole definition, before the store */
    otter_status st =
        otter_bandit_create(ctx, o->args[1], o->params, o->arms_v, o->n_arms, &b, err);
    otter_bandit_destroy(b);
    return st;
}

static void print_created(const char *what, const struct store_opts *o, uint16_t kg, int created)
{
    if (created)
        printf("created %s '%s' (%s) in key group %u\n", what, o->args[0], o->args[1],
               (unsigned)kg);
    else
        printf("%s '%s' (%s) already exists in key group %u with this definition\n", what,
               o->args[0], o->args[1], (unsigned)kg);
}

static otter_status run_create_learner(otter_store *s, struct store_opts *o, otter_error *err)
{
    uint16_t kg = key_group_of(o, o->args[0]);
    int created = 0;
    otter_status st =
        otter_store_create_learner(s, kg, o->args[0], o->args[1], o->params, &created, err);
    if (st == OTTER_OK)
        print_created("learner", o, kg, created);
    return st;
}

static otter_status run_create_bandit(otter_store *s, struct store_opts *o, otter_error *err)
{
    uint16_t kg = key_group_of(o, o->args[0]);
    int created = 0;
    otter_status st = otter_store_create_bandit(s, kg, o->args[0], o->args[1], o->params, o->arms_v,
                                                o->n_arms, &created, err);
    if (st == OTTER_OK)
        print_created("bandit", o, kg, created);
    return st;
}

static otter_status run_delete(otter_store *s, struct store_opts *o, otter_error *err)
{
    uint16_t kg = key_group_of(o, o->args[0]);
    otter_status st = otter_store_delete(s, kg, o->args[0], err);
    if (st == OTTER_OK)
        printf("deleted '%s' from key group %u\n", o->args[0], (unsigned)kg);
    return st;
}

/* ---------------------------------------------------------------- learn */

struct learn_run {
    FILE *in;
    otter__reader *reader;
    otter_instance *inst;
    uint64_t rows, skipped;
};

/* Learns every row; a bad row (unreadable, or a label the learner rejects) stops the
 * run with OTTER_PARSE naming its line, or is counted and skipped with --skip-bad. */
static otter_status learn_rows(otter_store *s, const struct store_opts *o, uint16_t kg,
                               struct learn_run *r, otter_error *err)
{
    for (;;) {
        double label, weight;
        int eof;
        otter_status st = otter__reader_next(r->reader, r->inst, &label, &weight, &eof, err);
        if (st == OTTER_OK && eof)
            return OTTER_OK;
        if (st == OTTER_OK && (st = otter_store_learn(s, kg, o->args[0], r->inst, label, weight,
                                                      err)) == OTTER_INVALID) {
            otter_error_prefix(err, "line %llu", (unsigned long long)otter__reader_line(r->reader));
            st = err->code = OTTER_PARSE; /* the row is bad, not the command line */
        }
        if (st == OTTER_PARSE && o->skip_bad) {
            r->skipped++;
            otter_error_clear(err);
            continue;
        }
        if (st != OTTER_OK)
            return st;
        r->rows++;
    }
}

static otter_status run_learn(otter_store *s, struct store_opts *o, otter_error *err)
{
    const char *name = o->args[0], *path = o->args[1];
    uint16_t kg = key_group_of(o, name);
    otter_entity_info info;
    otter_status st = otter_store_info(s, kg, name, &info, err);
    if (st == OTTER_OK && info.kind != OTTER_ENTITY_LEARNER)
        st = otter_error_set(err, OTTER_STATE, "'%s' is a %s; learn needs a learner", name,
                             kind_name(info.kind));
    struct learn_run r = {0};
    if (st == OTTER_OK && !(r.in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb")))
        st = otter_error_set(err, OTTER_IO, "cannot open '%s': %s", path, strerror(errno));
    if (st == OTTER_OK)
        setvbuf(r.in, NULL, _IOFBF, (size_t)1 << 20); /* nothing was read yet */
    otter__reader_options ro = {o->format, o->label,  o->weight,   o->cat,
                                o->n_cat,  o->ignore, o->n_ignore, 1};
    if (st == OTTER_OK && (st = otter_instance_create(&r.inst, err)) == OTTER_OK &&
        (st = otter__reader_open(r.in, &ro, &r.reader, err)) == OTTER_INVALID)
        err->code = st = OTTER_PARSE; /* the file does not fit the options: not a usage error */
    if (st == OTTER_OK)
        st = learn_rows(s, o, kg, &r, err);
    if (st == OTTER_OK)
        st = otter_store_info(s, kg, name, &info, err);
    if (st == OTTER_OK)
        printf("learned %" PRIu64 " rows (skipped %" PRIu64 ") into '%s': version %" PRIu64 "\n",
               r.rows, r.skipped, name, info.version);
    otter__reader_close(r.reader);
    otter_instance_destroy(r.inst);
    if (r.in && r.in != stdin)
        fclose(r.in);
    return st;
}

/* ---------------------------------------------------------------- dispatch */

static const struct store_cmd cmds[] = {
    {"ls", "[--key-groups A-B] [--snapshots]",
     "entities (key group, name, kind, type, version, bytes if loaded) or snapshots, then the "
     "counters",
     0, 0, O_KG_RANGE | O_SNAPSHOTS, M_READ, check_ls, run_ls},
    {"snapshot", "[ID]", "take snapshot ID (default: the next id) and print it", 0, 1, O_DURABILITY,
     M_WRITE, check_id, run_snapshot},
    {"restore", "ID", "make the live state exactly snapshot ID's", 1, 1, O_DURABILITY, M_WRITE,
     check_id, run_restore},
    {"retain", "N", "keep the newest N snapshots, drop the older ones", 1, 1, O_DURABILITY, M_WRITE,
     check_retain, run_retain},
    {"drop", "ID", "delete snapshot ID", 1, 1, O_DURABILITY, M_WRITE, check_id, run_drop},
    {"export", "ID|live [--key-groups A-B] [-o FILE]",
     "write snapshot ID (or the live state) as an export stream", 1, 1,
     O_KG_RANGE | O_OUTPUT | O_DURABILITY, M_READ, check_export, run_export},
    {"import", "FILE|-", "apply an export stream to the live state (replacing its entities)", 1, 1,
     O_DURABILITY | O_RESET, M_CREATE, NULL, run_import},
    {"inspect", "ENTITY [--key-group N]",
     "type, kind, version, parameters and statistics (and a bandit's arms)", 1, 1, O_KEY_GROUP,
     M_READ, NULL, run_inspect},
    {"verify", "", "check every checksum of the live database and the snapshots", 0, 0, 0, M_READ,
     NULL, run_verify},
    {"create-learner", "NAME TYPE [--params k=v,...] [--key-group N]", "create a learner", 2, 2,
     O_DURABILITY | O_RESET | O_PARAMS | O_KEY_GROUP, M_CREATE, check_learner, run_create_learner},
    {"create-bandit", "NAME POLICY --arms a,b,... [--params k=v,...] [--key-group N]",
     "create a bandit", 2, 2, O_DURABILITY | O_RESET | O_PARAMS | O_KEY_GROUP | O_ARMS, M_CREATE,
     check_bandit, run_create_bandit},
    {"delete", "NAME [--key-group N]", "delete an entity and its pending events", 1, 1,
     O_DURABILITY | O_KEY_GROUP, M_WRITE, NULL, run_delete},
    {"learn", "NAME FILE|- [--format F] [--label COL] ... [--key-group N]",
     "learn every row of a CSV, libsvm, VW or JSON-lines file", 2, 2,
     O_DURABILITY | O_KEY_GROUP | O_READ, M_WRITE, NULL, run_learn},
};
static const size_t n_cmds = sizeof cmds / sizeof *cmds;

static void store_usage(FILE *out)
{
    fprintf(out, "usage: otter store SUBCOMMAND -d DIR [options] [ARGS]\n\n"
                 "Inspects and manages an Otter state store: the data directory where otterd and\n"
                 "the Flink operators keep learners, bandits, pending events and snapshots.\n\n"
                 "Subcommands:\n");
    for (size_t i = 0; i < n_cmds; i++)
        fprintf(out, "  %s %s\n      %s\n", cmds[i].name, cmds[i].synopsis, cmds[i].summary);
    fprintf(out,
            "\nOptions:\n"
            "  -d, --data-dir DIR       the data directory (required)\n"
            "  --durability sync|none   sync (default): each update returns once it is logged\n"
            "                           and synced; none: no log, state is saved on exit\n"
            "  --reset                  wipe an unreadable data directory and start it empty\n"
            "                           (create-learner, create-bandit, import)\n"
            "  --key-groups A-B         key groups A..B (0 <= A <= B <= 32767; default all)\n"
            "  --key-group N            the entity's key group (default: the hash of its name\n"
            "                           that otterd uses)\n"
            "  --params k=v,...         learner or policy parameters ('otter list'); repeatable\n"
            "  --arms a,b,...           the bandit's arms\n"
            "  -o, --output FILE        where export writes (default stdout, never a terminal)\n"
            "  --format F, --label COL, --weight COL, --cat COL, --ignore COL, --skip-bad\n"
            "                           how learn reads FILE, as in 'otter eval'\n"
            "\nExit status: 0 ok, 1 a failure (I/O, missing or corrupt data), 2 a usage error.\n");
}

static const struct store_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < n_cmds; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

static otter_status open_store(const otter_context *ctx, const struct store_cmd *cmd,
                               const struct store_opts *o, otter_store **s, otter_error *err)
{
    struct stat sb;
    /* only commands that put state in may start a new store; a typo elsewhere should
     * not leave an empty one behind */
    if (cmd->mode != M_CREATE && stat(o->dir, &sb) != 0)
        return otter_error_set(err, OTTER_NOT_FOUND, "no data directory '%s': %s", o->dir,
                               strerror(errno));
    otter_store_options so = OTTER_STORE_OPTIONS_INIT;
    so.durability = o->durability;
    so.reset = o->reset;
    so.read_only = cmd->mode == M_READ && !o->writes;
    return otter_store_open(ctx, o->dir, &so, s, err);
}

static void opts_free(struct store_opts *o)
{
    otter_params_destroy(o->params);
    free(o->arm_buf);
    free(o->arms_v);
}

int otter__cmd_store(const otter_context *ctx, int argc, char **argv)
{
    if (argc < 2) {
        store_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        store_usage(stdout);
        return 0;
    }
    const struct store_cmd *cmd = find_cmd(argv[1]);
    if (!cmd) {
        fprintf(stderr, "otter store: unknown subcommand '%s'\n\n", argv[1]);
        store_usage(stderr);
        return 2;
    }
    struct store_opts o = {0};
    o.sub = cmd->name;
    otter_error err = {0};
    if (otter_params_create(&o.params, &err) != OTTER_OK) {
        fprintf(stderr, "otter store: %s\n", err.message);
        return 1;
    }
    int rc = parse_store(cmd, argc - 1, argv + 1, &o);
    otter_store *s = NULL;
    otter_status st = OTTER_OK;
    if (rc < 0) {
        if (cmd->check)
            st = cmd->check(ctx, &o, &err);
        if (st == OTTER_OK)
            st = open_store(ctx, cmd, &o, &s, &err);
        if (st == OTTER_OK)
            st = cmd->run(s, &o, &err);
        if (st != OTTER_OK)
            fprintf(stderr, "otter store %s: %s\n", cmd->name, err.message);
        /* a bad argument the library found (a name, a parameter, an id) is a usage error */
        rc = st == OTTER_OK ? 0 : st == OTTER_INVALID ? 2 : 1;
    }
    otter_store_close(s);
    opts_free(&o);
    return rc;
}

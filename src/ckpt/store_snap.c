/* Snapshots: numbered RocksDB checkpoints with a manifest, restore, retention, verify.
 *
 * A snapshot is built in snapshots/.tmp-<id>/ (RocksDB checkpoint: hard links to the
 * immutable SST files, copies of the small rest), its manifest is written there
 * (write, fsync, rename, fsync), and the directory is renamed to snapshots/<id>: a
 * snapshot either exists with its manifest or not at all. The manifest lists every file
 * with its size and CRC32C; a file hard-linked from the previous snapshot keeps the CRC
 * computed then, so the cost of a snapshot follows what changed, not the state's size.
 *
 * Restore checks every file against the manifest, builds db.restore/ from hard links
 * and copies, and swaps it in by two renames; open finishes or undoes a swap that a crash
 * interrupted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "otter/hash.h"
#include "store_int.h"

#define MANIFEST "SNAPSHOT"
#define MANIFEST_MAX (64u << 20)

/* ---- file helpers ---- */

/* dir/name into buf; 0 when it does not fit (callers treat that as an error). */
static int pjoin(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < cap;
}

static otter_status too_long(otter_error *err, const char *dir)
{
    return otter_error_set(err, OTTER_INVALID, "a path under %s is too long", dir);
}

otter_status otter__snap_path(const otter_store *s, uint64_t id, char *buf, size_t cap,
                              otter_error *err)
{
    int n = snprintf(buf, cap, "%s/%" PRIu64, s->snap_dir, id);
    if (n < 0 || (size_t)n >= cap)
        return otter_error_set(err, OTTER_INVALID, "path too long under %s", s->snap_dir);
    return OTTER_OK;
}

otter_status otter__fsync_dir(const char *path, otter_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return otter_error_set(err, OTTER_IO, "cannot open %s: %s", path, strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r != 0)
        return otter_error_set(err, OTTER_IO, "cannot fsync %s: %s", path, strerror(e));
    return OTTER_OK;
}

otter_status otter__rmtree(const char *path, otter_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? OTTER_OK
                               : otter_error_set(err, OTTER_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return otter_error_set(err, OTTER_IO, "cannot open %s: %s", path, strerror(errno));
        otter_status st = OTTER_OK;
        for (struct dirent *de; st == OTTER_OK && (de = readdir(d));) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[4096];
            if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub)
                st = otter_error_set(err, OTTER_IO, "path too long under %s", path);
            else
                st = otter__rmtree(sub, err);
        }
        closedir(d);
        if (st != OTTER_OK)
            return st;
        if (rmdir(path) != 0)
            return otter_error_set(err, OTTER_IO, "cannot remove %s: %s", path, strerror(errno));
        return OTTER_OK;
    }
    if (unlink(path) != 0)
        return otter_error_set(err, OTTER_IO, "cannot remove %s: %s", path, strerror(errno));
    return OTTER_OK;
}

static otter_status file_crc(const char *path, uint64_t *size, uint32_t *crc, otter_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return otter_error_set(err, errno == ENOENT ? OTTER_CORRUPT : OTTER_IO, "%s: %s", path,
                               errno == ENOENT ? "file is missing" : strerror(errno));
    static const size_t chunk = 1 << 20;
    uint8_t *buf = malloc(chunk);
    if (!buf) {
        close(fd);
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    uint32_t c = 0;
    uint64_t n = 0;
    otter_status st = OTTER_OK;
    for (;;) {
        ssize_t r = read(fd, buf, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = otter_error_set(err, OTTER_IO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        c = otter_crc32c(c, buf, (size_t)r);
        n += (uint64_t)r;
    }
    free(buf);
    close(fd);
    *size = n;
    *crc = c;
    return st;
}

static otter_status copy_file(const char *from, const char *to, otter_error *err)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return otter_error_set(err, OTTER_IO, "cannot open %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (out < 0) {
        close(in);
        return otter_error_set(err, OTTER_IO, "cannot create %s: %s", to, strerror(errno));
    }
    char buf[65536];
    otter_status st = OTTER_OK;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                st = otter_error_set(err, OTTER_IO, "cannot read %s: %s", from, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < r && st == OTTER_OK;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                st = otter_error_set(err, OTTER_IO, "cannot write %s: %s", to, strerror(errno));
            else
                off += w;
        }
        if (st != OTTER_OK)
            break;
    }
    if (st == OTTER_OK && fsync(out) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot fsync %s: %s", to, strerror(errno));
    close(in);
    close(out);
    return st;
}

/* ---- manifests ---- */

typedef struct mfile {
    char name[256];
    uint64_t size;
    uint32_t crc;
} mfile;

typedef struct manifest {
    otter_snapshot_info info;
    uint64_t sequence;
    mfile *files;
    size_t n_files;
} manifest;

static void manifest_free(manifest *m)
{
    free(m->files);
    m->files = NULL;
    m->n_files = 0;
}

static int valid_file_name(const char *n)
{
    if (!*n || !strcmp(n, ".") || !strcmp(n, ".."))
        return 0;
    for (; *n; n++)
        if (*n == '/' || (unsigned char)*n <= 0x20 || (unsigned char)*n >= 0x7f)
            return 0;
    return 1;
}

/* Reads and checks dir/SNAPSHOT. */
static otter_status manifest_read(const char *dir, manifest *m, otter_error *err)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    if (!pjoin(path, sizeof path, dir, MANIFEST))
        return too_long(err, dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return otter_error_set(err, errno == ENOENT ? OTTER_NOT_FOUND : OTTER_IO, "%s: %s", path,
                               strerror(errno));
    char *text = malloc(MANIFEST_MAX + 1);
    size_t len = text ? fread(text, 1, MANIFEST_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    otter_status st = OTTER_OK;
    if (len > MANIFEST_MAX)
        st = otter_error_set(err, OTTER_CORRUPT, "%s is too large to be a manifest", path);
    text[len < MANIFEST_MAX ? len : MANIFEST_MAX] = '\0';
    int version = 0;
    if (st == OTTER_OK && (sscanf(text, "otter-snapshot %d\n", &version) != 1 || version < 1))
        st = otter_error_set(err, OTTER_CORRUPT, "%s is not an Otter snapshot manifest", path);
    else if (st == OTTER_OK && version > OTTER_STORE_FORMAT_VERSION)
        st = otter_error_set(err, OTTER_VERSION,
                             "%s: manifest format %d is newer than this library's (%d)", path,
                             version, OTTER_STORE_FORMAT_VERSION);
    /* the last line is "checksum X", over every byte before it */
    char *ck = st == OTTER_OK ? strstr(text, "\nchecksum ") : NULL;
    unsigned want = 0;
    if (st == OTTER_OK &&
        (!ck || sscanf(ck + 1, "checksum %8x\n", &want) != 1 || strchr(ck + 1, '\n') == NULL ||
         strchr(ck + 1, '\n')[1] != '\0' || otter_crc32c(0, text, (size_t)(ck + 1 - text)) != want))
        st = otter_error_set(err, OTTER_CORRUPT, "%s fails its checksum (damaged or truncated)",
                             path);
    size_t cap = 0;
    m->info.kg_lo = 1;
    m->info.kg_hi = 0;
    for (char *line = text, *next; st == OTTER_OK && line < ck + 1; line = next) {
        next = strchr(line, '\n');
        *next++ = '\0';
        char name[256];
        unsigned long long a, b;
        unsigned c;
        double d;
        if (sscanf(line, "id %llu", &a) == 1)
            m->info.id = a;
        else if (sscanf(line, "parent %llu", &a) == 1)
            m->info.parent = a;
        else if (sscanf(line, "time_ms %llu", &a) == 1)
            m->info.time_ms = (int64_t)a;
        else if (sscanf(line, "sequence %llu", &a) == 1)
            m->sequence = a;
        else if (sscanf(line, "entities %llu", &a) == 1)
            m->info.entities = a;
        else if (sscanf(line, "events %llu", &a) == 1)
            m->info.events = a;
        else if (sscanf(line, "key_groups %llu %llu", &a, &b) == 2 && a <= 65535 && b <= 65535) {
            m->info.kg_lo = (uint16_t)a;
            m->info.kg_hi = (uint16_t)b;
        } else if (sscanf(line, "seconds %lf", &d) == 1)
            m->info.seconds = d;
        else if (sscanf(line, "file %255s %llu %8x", name, &a, &c) == 3 && valid_file_name(name)) {
            if (m->n_files == cap) {
                cap = cap ? cap * 2 : 16;
                mfile *nf = realloc(m->files, cap * sizeof *nf);
                if (!nf) {
                    st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                    break;
                }
                m->files = nf;
            }
            mfile *mf = &m->files[m->n_files++];
            snprintf(mf->name, sizeof mf->name, "%s", name);
            mf->size = a;
            mf->crc = c;
            m->info.bytes += a;
        } else if (line != text && *line)
            st = otter_error_set(err, OTTER_CORRUPT, "%s: unreadable line '%.40s'", path, line);
    }
    m->info.files = m->n_files;
    if (st == OTTER_OK && (m->info.id == 0 || m->n_files == 0))
        st = otter_error_set(err, OTTER_CORRUPT, "%s has no id or no files", path);
    free(text);
    if (st != OTTER_OK)
        manifest_free(m);
    return st;
}

typedef struct manifest_out {
    char *p;
    size_t len, cap;
    int nomem;
} manifest_out;

static void mprintf(manifest_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void mprintf(manifest_out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->p ? o->p + o->len : NULL, o->p ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->nomem = 1;
            return;
        }
        if (o->p && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap ? o->cap * 2 : 4096) + (size_t)n;
        char *np = realloc(o->p, cap);
        if (!np) {
            o->nomem = 1;
            return;
        }
        o->p = np;
        o->cap = cap;
    }
}

/* Writes dir/SNAPSHOT by write + fsync + rename + fsync(dir). */
static otter_status manifest_write(const char *dir, const manifest *m, otter_error *err)
{
    manifest_out o = {0};
    mprintf(&o, "otter-snapshot %d\n", OTTER_STORE_FORMAT_VERSION);
    mprintf(&o, "id %" PRIu64 "\nparent %" PRIu64 "\ntime_ms %" PRId64 "\n", m->info.id,
            m->info.parent, m->info.time_ms);
    mprintf(&o, "sequence %" PRIu64 "\nentities %" PRIu64 "\nevents %" PRIu64 "\n", m->sequence,
            m->info.entities, m->info.events);
    mprintf(&o, "key_groups %u %u\nseconds %.6f\n", (unsigned)m->info.kg_lo,
            (unsigned)m->info.kg_hi, m->info.seconds);
    for (size_t i = 0; i < m->n_files; i++)
        mprintf(&o, "file %s %" PRIu64 " %08x\n", m->files[i].name, m->files[i].size,
                m->files[i].crc);
    if (!o.nomem)
        mprintf(&o, "checksum %08x\n", otter_crc32c(0, o.p, o.len));
    if (o.nomem) {
        free(o.p);
        return otter_error_set(err, OTTER_NOMEM, "out of memory");
    }
    char tmp[4096], path[4096];
    otter_status st = OTTER_OK;
    if (!pjoin(tmp, sizeof tmp, dir, MANIFEST ".tmp") || !pjoin(path, sizeof path, dir, MANIFEST))
        st = too_long(err, dir);
    int fd = st == OTTER_OK ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    if (st == OTTER_OK && fd < 0)
        st = otter_error_set(err, OTTER_IO, "cannot create %s: %s", tmp, strerror(errno));
    for (size_t off = 0; st == OTTER_OK && off < o.len;) {
        ssize_t w = write(fd, o.p + off, o.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            st = otter_error_set(err, OTTER_IO, "cannot write %s: %s", tmp, strerror(errno));
        else
            off += (size_t)w;
    }
    if (st == OTTER_OK && fsync(fd) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot fsync %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (st == OTTER_OK && rename(tmp, path) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (st == OTTER_OK)
        st = otter__fsync_dir(dir, err);
    free(o.p);
    return st;
}

/* Checks every file of a snapshot against its manifest. */
static otter_status manifest_check(const char *dir, const manifest *m,
                                   void (*problem)(void *, const char *), void *ud,
                                   otter_error *err)
{
    otter_status first = OTTER_OK;
    for (size_t i = 0; i < m->n_files; i++) {
        char path[4096];
        uint64_t size = 0;
        uint32_t crc = 0;
        otter_error e = {0};
        otter_status st = pjoin(path, sizeof path, dir, m->files[i].name)
                              ? file_crc(path, &size, &crc, &e)
                              : too_long(&e, dir);
        if (st == OTTER_OK && size != m->files[i].size)
            st = otter_error_set(&e, OTTER_CORRUPT,
                                 "%s has %" PRIu64 " bytes, the manifest says %" PRIu64
                                 " (truncated or replaced)",
                                 path, size, m->files[i].size);
        else if (st == OTTER_OK && crc != m->files[i].crc)
            st = otter_error_set(&e, OTTER_CORRUPT,
                                 "%s fails its checksum (stored %08x, computed %08x)", path,
                                 m->files[i].crc, crc);
        if (st != OTTER_OK) {
            if (problem)
                problem(ud, e.message);
            if (first == OTTER_OK) {
                first = st;
                otter_error_set(err, st, "%s", e.message);
            }
            if (!problem)
                break;
        }
    }
    return first;
}

/* ---- listing ---- */

static int parse_id(const char *name, uint64_t *id)
{
    if (!*name || strlen(name) > 20)
        return 0;
    uint64_t v = 0;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9' || (p == name && *p == '0'))
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *id = v;
    return v > 0;
}

static int by_id(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Ids of snapshot directories that hold a manifest, ascending. */
static otter_status snapshot_ids(const otter_store *s, uint64_t **out, size_t *n, otter_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(s->snap_dir);
    if (!d)
        return errno == ENOENT ? OTTER_OK
                               : otter_error_set(err, OTTER_IO, "cannot list %s: %s", s->snap_dir,
                                                 strerror(errno));
    size_t cap = 0;
    otter_status st = OTTER_OK;
    for (struct dirent *de; (de = readdir(d));) {
        uint64_t id;
        if (!parse_id(de->d_name, &id))
            continue;
        char path[4096];
        struct stat sb;
        char sub[4096];
        if (!pjoin(sub, sizeof sub, s->snap_dir, de->d_name) ||
            !pjoin(path, sizeof path, sub, MANIFEST) || stat(path, &sb) != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                break;
            }
            *out = p;
        }
        (*out)[(*n)++] = id;
    }
    closedir(d);
    if (st != OTTER_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
        return st;
    }
    if (*n) /* *out is NULL then, which qsort may not be given */
        qsort(*out, *n, sizeof **out, by_id);
    return OTTER_OK;
}

otter_status otter__latest_snapshot(otter_store *s, uint64_t *id, otter_error *err)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    otter_status st = snapshot_ids(s, &ids, &n, err);
    *id = n ? ids[n - 1] : 0;
    free(ids);
    return st;
}

otter_status otter_store_snapshots(otter_store *s, otter_snapshot_info **out, size_t *n,
                                   otter_error *err)
{
    if (!s || !out || !n)
        return otter_error_set(err, OTTER_INVALID, "store and outputs are required");
    *out = NULL;
    *n = 0;
    uint64_t *ids = NULL;
    size_t cnt = 0;
    otter_status st = snapshot_ids(s, &ids, &cnt, err);
    otter_snapshot_info *v = cnt ? calloc(cnt, sizeof *v) : NULL;
    if (st == OTTER_OK && cnt && !v)
        st = otter_error_set(err, OTTER_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; st == OTTER_OK && i < cnt; i++) {
        char dir[4096];
        manifest m;
        if ((st = otter__snap_path(s, ids[i], dir, sizeof dir, err)) != OTTER_OK)
            break;
        st = manifest_read(dir, &m, err);
        if (st == OTTER_NOT_FOUND) { /* dropped meanwhile */
            st = OTTER_OK;
            continue;
        }
        if (st == OTTER_OK)
            v[k++] = m.info;
        manifest_free(&m);
    }
    free(ids);
    if (st != OTTER_OK) {
        free(v);
        return st;
    }
    *out = k ? v : (free(v), NULL);
    *n = k;
    return OTTER_OK;
}

/* ---- taking a snapshot ---- */

/* The key group of the first entity at or after key group kg, or -1. */
static otter_status first_kg(otter_store *s, uint32_t kg, long *out, otter_error *err)
{
    uint8_t k[2] = {(uint8_t)(kg >> 8), (uint8_t)kg};
    otter__rocks_iter *it = NULL;
    otter_status st =
        otter__rocks_iter_create(s->db, OTTER__CF_ENTITIES, k, 2, NULL, 0, 0, &it, err);
    const uint8_t *kk, *v;
    size_t kl, vl;
    *out = -1;
    if (st == OTTER_OK && otter__rocks_iter_next(it, &kk, &kl, &v, &vl) && kl >= 2)
        *out = (long)(kk[0] << 8 | kk[1]);
    if (st == OTTER_OK)
        st = otter__rocks_iter_status(it, err);
    otter__rocks_iter_destroy(it);
    return st;
}

/* The lowest and highest key groups holding entities (lo > hi when none), by seeks
 * rather than a scan. */
static otter_status kg_range(otter_store *s, uint16_t *lo, uint16_t *hi, otter_error *err)
{
    *lo = 1;
    *hi = 0;
    long g;
    otter_status st = first_kg(s, 0, &g, err);
    if (st != OTTER_OK || g < 0)
        return st;
    uint32_t a = (uint32_t)g, b = OTTER_KEY_GROUPS - 1;
    *lo = (uint16_t)g;
    while (a < b) {
        uint32_t mid = a + (b - a + 1) / 2;
        if ((st = first_kg(s, mid, &g, err)) != OTTER_OK)
            return st;
        if (g >= 0)
            a = (uint32_t)g;
        else
            b = mid - 1;
    }
    *hi = (uint16_t)a;
    return OTTER_OK;
}

/* Lists dir's files with sizes and CRCs, reusing the parent's CRC for a hard link to
 * the same file. */
static otter_status list_files(const char *dir, const char *parent_dir, const manifest *parent,
                               manifest *m, otter_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return otter_error_set(err, OTTER_IO, "cannot list %s: %s", dir, strerror(errno));
    size_t cap = 0;
    otter_status st = OTTER_OK;
    for (struct dirent *de; st == OTTER_OK && (de = readdir(d));) {
        if (!valid_file_name(de->d_name) || !strncmp(de->d_name, MANIFEST, strlen(MANIFEST)))
            continue;
        char path[4096];
        struct stat sb;
        if (!pjoin(path, sizeof path, dir, de->d_name)) {
            st = too_long(err, dir);
            break;
        }
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (m->n_files == cap) {
            cap = cap ? cap * 2 : 32;
            mfile *nf = realloc(m->files, cap * sizeof *nf);
            if (!nf) {
                st = otter_error_set(err, OTTER_NOMEM, "out of memory");
                break;
            }
            m->files = nf;
        }
        mfile *f = &m->files[m->n_files];
        snprintf(f->name, sizeof f->name, "%s", de->d_name);
        int reused = 0;
        for (size_t i = 0; parent && i < parent->n_files; i++) {
            if (strcmp(parent->files[i].name, f->name) != 0)
                continue;
            char pp[4096];
            struct stat ps;
            if (pjoin(pp, sizeof pp, parent_dir, f->name) && stat(pp, &ps) == 0 &&
                ps.st_ino == sb.st_ino && ps.st_dev == sb.st_dev &&
                (uint64_t)sb.st_size == parent->files[i].size) {
                f->size = parent->files[i].size;
                f->crc = parent->files[i].crc;
                reused = 1;
            }
            break;
        }
        if (!reused)
            st = file_crc(path, &f->size, &f->crc, err);
        if (st == OTTER_OK) {
            m->info.bytes += f->size;
            m->n_files++;
        }
    }
    closedir(d);
    m->info.files = m->n_files;
    return st;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static otter_status take_snapshot(otter_store *s, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char final[4096], tmp[4096], parent_dir[4096];
    otter_status st = otter__snap_path(s, id, final, sizeof final, err);
    if (st == OTTER_OK)
        snprintf(tmp, sizeof tmp, "%s/.tmp-%" PRIu64, s->snap_dir, id);
    if (st == OTTER_OK)
        st = otter__rmtree(tmp, err);
    if (st != OTTER_OK)
        return st;
    manifest parent = {0};
    int have_parent = 0;
    uint64_t prev = atomic_load(&s->last_snapshot);
    if (prev && otter__snap_path(s, prev, parent_dir, sizeof parent_dir, NULL) == OTTER_OK &&
        manifest_read(parent_dir, &parent, NULL) == OTTER_OK)
        have_parent = 1;
    atomic_store(&s->last_snapshot, id); /* recorded in the snapshot's own state */
    manifest m = {0};
    m.info.id = id;
    m.info.parent = prev;
    m.info.time_ms = otter__clock_ms();
    st = otter__persist(s, 1, err);
    m.sequence = atomic_load(&s->next_seq) - 1;
    m.info.entities = atomic_load(&s->n_entities);
    m.info.events = atomic_load(&s->n_events);
    if (st == OTTER_OK)
        st = kg_range(s, &m.info.kg_lo, &m.info.kg_hi, err);
    if (st == OTTER_OK)
        st = otter__rocks_checkpoint(s->db, tmp, err);
    if (st == OTTER_OK) {
        /* the live database goes on; its counters may lag again */
        otter__rocks_batch *b = NULL;
        if ((st = otter__rocks_batch_create(&b, err)) == OTTER_OK) {
            otter__meta_put(s, b, 0);
            st = otter__rocks_write(s->db, b, 0, 0, err);
            otter__rocks_batch_destroy(b);
        }
    }
    if (st == OTTER_OK)
        st = list_files(tmp, parent_dir, have_parent ? &parent : NULL, &m, err);
    m.info.seconds = seconds_since(&t0);
    if (st == OTTER_OK)
        st = manifest_write(tmp, &m, err);
    /* a leftover with this id belongs to an abandoned timeline (newer than a restore) */
    if (st == OTTER_OK)
        st = otter__rmtree(final, err);
    if (st == OTTER_OK && rename(tmp, final) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot rename %s: %s", tmp, strerror(errno));
    if (st == OTTER_OK)
        st = otter__fsync_dir(s->snap_dir, err);
    if (st != OTTER_OK) {
        atomic_store(&s->last_snapshot, prev);
        otter_error ignored = {0};
        otter__rmtree(tmp, &ignored);
    } else if (info) {
        *info = m.info; /* the manifest's own figures */
    }
    manifest_free(&m);
    manifest_free(&parent);
    return st;
}

otter_status otter_store_snapshot(otter_store *s, uint64_t id, otter_snapshot_info *info,
                                  otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    otter_status st = otter__check_writable(s, err);
    if (st != OTTER_OK)
        return st;
    pthread_rwlock_wrlock(&s->gate);
    uint64_t last = atomic_load(&s->last_snapshot);
    if (id == 0 || id <= last)
        st = otter_error_set(err, OTTER_INVALID,
                             "snapshot id %" PRIu64 " must be greater than %" PRIu64
                             ", the snapshot the live state descends from",
                             id, last);
    else
        st = take_snapshot(s, id, info, err);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

/* ---- restore ---- */

otter_status otter__restore_recover(otter_store *s, otter_error *err)
{
    char old[4096], fresh[4096];
    snprintf(old, sizeof old, "%s.old", s->db_dir);
    snprintf(fresh, sizeof fresh, "%s.restore", s->db_dir);
    struct stat sb;
    otter_status st = OTTER_OK;
    if (stat(s->db_dir, &sb) != 0 && errno == ENOENT && stat(old, &sb) == 0) {
        /* crashed between the two renames: the old database is intact, go back to it */
        if (rename(old, s->db_dir) != 0)
            return otter_error_set(err, OTTER_IO, "cannot rename %s back: %s", old,
                                   strerror(errno));
    }
    if (!s->opt.read_only) {
        st = otter__rmtree(old, err);
        if (st == OTTER_OK)
            st = otter__rmtree(fresh, err);
        DIR *d = opendir(s->snap_dir);
        for (struct dirent *de; st == OTTER_OK && d && (de = readdir(d));) {
            if (strncmp(de->d_name, ".tmp-", 5) && strncmp(de->d_name, ".del-", 5))
                continue;
            char p[4096];
            st = pjoin(p, sizeof p, s->snap_dir, de->d_name) ? otter__rmtree(p, err)
                                                             : too_long(err, s->snap_dir);
        }
        if (d)
            closedir(d);
    }
    return st;
}

static int is_sst(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".sst");
}

static otter_status build_restore_dir(const char *from, const manifest *m, const char *to,
                                      otter_error *err)
{
    otter_status st = otter__rmtree(to, err);
    if (st == OTTER_OK && mkdir(to, 0755) != 0)
        st = otter_error_set(err, OTTER_IO, "cannot create %s: %s", to, strerror(errno));
    for (size_t i = 0; st == OTTER_OK && i < m->n_files; i++) {
        char a[4096], b[4096];
        if (!pjoin(a, sizeof a, from, m->files[i].name) ||
            !pjoin(b, sizeof b, to, m->files[i].name)) {
            st = too_long(err, to);
            break;
        }
        /* SST files are immutable: share them; the rest RocksDB may rewrite */
        if (is_sst(m->files[i].name) && link(a, b) == 0)
            continue;
        st = copy_file(a, b, err);
    }
    if (st == OTTER_OK)
        st = otter__fsync_dir(to, err);
    return st;
}

otter_status otter_store_restore(otter_store *s, uint64_t id, otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    if (s->opt.read_only)
        return otter_error_set(err, OTTER_STATE, "the store is open read-only");
    char dir[4096], old[4096], fresh[4096];
    otter_status st = otter__snap_path(s, id, dir, sizeof dir, err);
    if (st != OTTER_OK)
        return st;
    snprintf(old, sizeof old, "%s.old", s->db_dir);
    snprintf(fresh, sizeof fresh, "%s.restore", s->db_dir);
    pthread_rwlock_wrlock(&s->gate);
    manifest m;
    otter_error merr = {0}; /* a missing manifest is reported as a missing snapshot */
    st = manifest_read(dir, &m, &merr);
    if (st == OTTER_NOT_FOUND)
        otter_error_set(err, st, "no snapshot %" PRIu64 " in %s", id, s->snap_dir);
    else if (st != OTTER_OK)
        otter_error_set(err, st, "%s", merr.message);
    if (st == OTTER_OK)
        st = manifest_check(dir, &m, NULL, NULL, err);
    if (st == OTTER_OK)
        st = build_restore_dir(dir, &m, fresh, err);
    if (st == OTTER_OK) {
        /* no update is running (the gate), and the pending ones in memory are discarded */
        otter__close_live(s);
        if (rename(s->db_dir, old) != 0)
            st = otter_error_set(err, OTTER_IO, "cannot move %s aside: %s", s->db_dir,
                                 strerror(errno));
        else if (rename(fresh, s->db_dir) != 0) {
            st = otter_error_set(err, OTTER_IO, "cannot swap in %s: %s", fresh, strerror(errno));
            rename(old, s->db_dir);
        }
        if (st == OTTER_OK)
            st = otter__fsync_dir(s->dir, err);
        if (st == OTTER_OK)
            st = otter__rmtree(old, err);
        /* reopen whatever is live now: the snapshot's state, or the old one on failure */
        otter_error inner = {0};
        otter_status o = otter__open_live(s, st == OTTER_OK ? err : &inner);
        if (st == OTTER_OK)
            st = o;
        if (o != OTTER_OK)
            atomic_store(&s->failed, 1);
    }
    manifest_free(&m);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

/* ---- retention ---- */

static otter_status drop_locked(otter_store *s, uint64_t id, otter_error *err)
{
    char dir[4096], del[4096];
    otter_status st = otter__snap_path(s, id, dir, sizeof dir, err);
    if (st != OTTER_OK)
        return st;
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return otter_error_set(err, OTTER_NOT_FOUND, "no snapshot %" PRIu64 " in %s", id,
                               s->snap_dir);
    /* out of sight first, so a crash never leaves half a snapshot that looks whole */
    snprintf(del, sizeof del, "%s/.del-%" PRIu64, s->snap_dir, id);
    otter__rmtree(del, NULL);
    if (rename(dir, del) != 0)
        return otter_error_set(err, OTTER_IO, "cannot rename %s: %s", dir, strerror(errno));
    return otter__rmtree(del, err);
}

otter_status otter_store_drop(otter_store *s, uint64_t id, otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    if (s->opt.read_only)
        return otter_error_set(err, OTTER_STATE, "the store is open read-only");
    pthread_rwlock_wrlock(&s->gate);
    otter_status st = drop_locked(s, id, err);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

otter_status otter_store_retain(otter_store *s, size_t n, otter_error *err)
{
    if (!s || n == 0)
        return otter_error_set(err, OTTER_INVALID, "store is required and n must be at least 1");
    if (s->opt.read_only)
        return otter_error_set(err, OTTER_STATE, "the store is open read-only");
    pthread_rwlock_wrlock(&s->gate);
    uint64_t *ids = NULL;
    size_t cnt = 0;
    otter_status st = snapshot_ids(s, &ids, &cnt, err);
    for (size_t i = 0; st == OTTER_OK && i + n < cnt; i++)
        st = drop_locked(s, ids[i], err);
    free(ids);
    pthread_rwlock_unlock(&s->gate);
    return st;
}

/* ---- verify ---- */

typedef struct problems {
    void (*fn)(void *, const char *);
    void *ud;
    otter_status first;
    otter_error *err;
} problems;

static void problem(problems *p, otter_status st, const char *msg)
{
    if (p->fn)
        p->fn(p->ud, msg);
    if (p->first == OTTER_OK) {
        p->first = st;
        otter_error_set(p->err, st, "%s", msg);
    }
}

static void relay(void *ud, const char *msg)
{
    problems *p = ud;
    if (p->fn)
        p->fn(p->ud, msg);
}

static void verify_live(otter_store *s, problems *p)
{
    for (int f = 0; f < OTTER__CF_COUNT; f++) {
        otter__rocks_iter *it = NULL;
        otter_error e = {0};
        otter_status st =
            otter__rocks_iter_create(s->db, (otter__cf)f, NULL, 0, NULL, 0, 1, &it, &e);
        const uint8_t *k, *v;
        size_t kl, vl;
        uint64_t bad = 0, n = 0;
        while (st == OTTER_OK && otter__rocks_iter_next(it, &k, &kl, &v, &vl)) {
            n++;
            size_t len = vl;
            if (f != OTTER__CF_EXPIRY && !otter__rec_ok(v, &len))
                bad++;
        }
        if (st == OTTER_OK)
            st = otter__rocks_iter_status(it, &e);
        otter__rocks_iter_destroy(it);
        if (st != OTTER_OK)
            problem(p, st, e.message);
        if (bad) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "%s: %" PRIu64 " of %" PRIu64 " records in family '%s' fail their checksum",
                     s->db_dir, bad, n, otter__cf_name((otter__cf)f));
            problem(p, OTTER_CORRUPT, msg);
        }
    }
}

otter_status otter_store_verify(otter_store *s, void (*problem_fn)(void *ud, const char *message),
                                void *ud, otter_error *err)
{
    if (!s)
        return otter_error_set(err, OTTER_INVALID, "store is required");
    problems p = {problem_fn, ud, OTTER_OK, err};
    pthread_rwlock_wrlock(&s->gate);
    verify_live(s, &p);
    uint64_t *ids = NULL;
    size_t cnt = 0;
    otter_error e = {0};
    otter_status st = snapshot_ids(s, &ids, &cnt, &e);
    if (st != OTTER_OK)
        problem(&p, st, e.message);
    for (size_t i = 0; i < cnt; i++) {
        char dir[4096];
        manifest m;
        otter_error me = {0};
        if (otter__snap_path(s, ids[i], dir, sizeof dir, &me) != OTTER_OK ||
            (st = manifest_read(dir, &m, &me)) != OTTER_OK) {
            problem(&p, st ? st : OTTER_INVALID, me.message);
            continue;
        }
        st = manifest_check(dir, &m, relay, &p, &me);
        if (st != OTTER_OK && p.first == OTTER_OK) {
            p.first = st;
            otter_error_set(err, st, "%s", me.message);
        }
        manifest_free(&m);
    }
    free(ids);
    pthread_rwlock_unlock(&s->gate);
    return p.first;
}

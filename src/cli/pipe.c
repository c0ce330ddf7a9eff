/* A reader thread for `otter eval`: parsing text and learning are about equally
 * expensive, so on two cores they run side by side (Vowpal Wabbit does the same with
 * its parser thread). The reader thread fills its own instance through the ordinary
 * reader and copies each row into a batch: features as (key, value, category), and the
 * (namespace, name) of every key it interned since the last row, in order. The learner
 * thread interns those names into its instance in the same order, so key ids agree,
 * then rebuilds the row with add_num/add_cat. Rows, row errors and the end of input
 * arrive in file order; batches of many rows keep locking off the per-row path.
 *
 * The consumer may also leave a fixed-size record per row (otter__pipe_record): when it
 * hands a batch back, the reader thread passes the batch's records to the retire
 * callback, in row order, before it refills the slot. otter eval keeps its metrics
 * there, so the learner thread only predicts and learns while the reader thread, which
 * parses faster than the trees learn, scores what was predicted. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"
#include "pipe_int.h"

#define BATCH_ROWS 1024
#define RING 4

struct prow {
    size_t feat0, n_feat; /* into feats */
    size_t dense0, n_dense;
    size_t names0, n_names; /* new keys interned before this row, into name_offs */
    double label, weight;
    uint64_t line;
    otter_status st; /* OTTER_OK, or the reader's error for this line */
    size_t msg;      /* its message: offset in the batch text (SIZE_MAX: out of memory) */
    int has_rec;     /* the consumer took this row's record */
};

/* One batch: rows and their features, and an arena for category and name text. */
struct batch {
    struct prow rows[BATCH_ROWS];
    size_t n_rows;
    int eof;
    /* features of all rows: key, value, and category offset into text + 1 (0: numeric) */
    otter_feature_key *keys;
    double *values;
    size_t *cats;
    const char **cat_ptrs; /* scratch for otter_instance_read_row */
    size_t n_feats, cap_feats, cap_values, cap_cats, cap_ptrs;
    double *dense;
    size_t n_dense, cap_dense;
    size_t *name_offs; /* pairs: offset of ns, offset of name in text */
    size_t n_names, cap_names;
    char *text;
    size_t n_text, cap_text;
    unsigned char *recs; /* BATCH_ROWS consumer records of rec_size bytes */
};

struct otter__pipe {
    otter__reader *reader;
    otter__pipe_retire retire;
    otter_instance *scratch; /* the reader thread's instance */
    size_t keys_sent;
    int stop_on_error;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct batch ring[RING];
    size_t head, count; /* filled batches: ring[head .. head+count) */
    int stopping;       /* consumer asks the reader thread to end */
    atomic_uint_least64_t bytes;
    size_t retire_next; /* oldest slot whose records may not have been retired */
    /* consumer side */
    struct batch *cur;
    size_t cur_row;
    size_t keys_interned;
};

static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *np = realloc(*p, c * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = c;
    return 0;
}

/* Appends s (with its NUL) to the batch text; returns its offset, or SIZE_MAX. */
static size_t put_text(struct batch *b, const char *s)
{
    size_t n = strlen(s) + 1;
    if (grow((void **)&b->text, &b->cap_text, b->n_text + n, 1))
        return SIZE_MAX;
    memcpy(b->text + b->n_text, s, n);
    b->n_text += n;
    return b->n_text - n;
}

/* Copies the keys the reader interned since the last row into the batch. */
static otter_status copy_names(otter__pipe *p, struct batch *b, struct prow *row, otter_error *err)
{
    size_t have = otter_instance_key_count(p->scratch);
    row->names0 = b->n_names;
    row->n_names = have - p->keys_sent;
    if (grow((void **)&b->name_offs, &b->cap_names, 2 * (b->n_names + row->n_names),
             sizeof *b->name_offs))
        return otter_error_set(err, OTTER_NOMEM, "out of memory in the reader thread");
    for (; p->keys_sent < have; p->keys_sent++) {
        const char *ns, *name;
        otter_instance_key_name(p->scratch, (otter_feature_key)p->keys_sent, &ns, &name, NULL);
        size_t a = put_text(b, ns), c = put_text(b, name);
        if (a == SIZE_MAX || c == SIZE_MAX)
            return otter_error_set(err, OTTER_NOMEM, "out of memory in the reader thread");
        b->name_offs[2 * b->n_names] = a;
        b->name_offs[2 * b->n_names + 1] = c;
        b->n_names++;
    }
    return OTTER_OK;
}

/* Copies the row in p->scratch into the batch (one bulk read, no per-feature calls). */
static otter_status copy_row(otter__pipe *p, struct batch *b, struct prow *row, otter_error *err)
{
    otter_status st = copy_names(p, b, row, err);
    if (st != OTTER_OK)
        return st;
    size_t n = otter_instance_size(p->scratch), nd = 0, need = b->n_feats + n;
    const double *dense = otter_instance_dense(p->scratch, &nd);
    if (grow((void **)&b->keys, &b->cap_feats, need, sizeof *b->keys) ||
        grow((void **)&b->values, &b->cap_values, need, sizeof *b->values) ||
        grow((void **)&b->cats, &b->cap_cats, need, sizeof *b->cats) ||
        grow((void **)&b->cat_ptrs, &b->cap_ptrs, n, sizeof *b->cat_ptrs) ||
        grow((void **)&b->dense, &b->cap_dense, b->n_dense + nd, sizeof *b->dense))
        return otter_error_set(err, OTTER_NOMEM, "out of memory in the reader thread");
    row->feat0 = b->n_feats;
    row->n_feat = n;
    otter_instance_read_row(p->scratch, 0, n, b->keys + b->n_feats, b->values + b->n_feats,
                            b->cat_ptrs);
    for (size_t i = 0; i < n; i++) {
        size_t off = 0;
        if (b->cat_ptrs[i] && (off = put_text(b, b->cat_ptrs[i])) == SIZE_MAX)
            return otter_error_set(err, OTTER_NOMEM, "out of memory in the reader thread");
        b->cats[b->n_feats + i] = b->cat_ptrs[i] ? off + 1 : 0;
    }
    b->n_feats += n;
    row->dense0 = b->n_dense;
    row->n_dense = nd;
    if (nd)
        memcpy(b->dense + b->n_dense, dense, nd * sizeof *dense);
    b->n_dense += nd;
    return OTTER_OK;
}

/* Fills one batch from the reader; returns 1 when the input has ended (or failed). */
static int fill_batch(otter__pipe *p, struct batch *b)
{
    b->n_rows = b->n_feats = b->n_dense = b->n_names = b->n_text = 0;
    b->eof = 0;
    while (b->n_rows < BATCH_ROWS) {
        struct prow *row = &b->rows[b->n_rows];
        row->names0 = b->n_names;
        row->n_names = row->n_feat = row->n_dense = 0;
        otter_error e = {OTTER_OK, {0}};
        int eof = 0;
        row->st = otter__reader_next(p->reader, p->scratch, &row->label, &row->weight, &eof, &e);
        row->line = otter__reader_line(p->reader);
        if (row->st == OTTER_OK && eof) {
            b->eof = 1;
            break;
        }
        if (row->st == OTTER_OK)
            row->st = copy_row(p, b, row, &e);
        if (row->st != OTTER_OK) {
            /* in the text arena, not in every row: rows stay small (error rows are rare) */
            if ((row->msg = put_text(b, e.message)) == SIZE_MAX)
                row->st = OTTER_NOMEM; /* fatal; pipe_next words it */
            row->n_feat = row->n_dense = 0;
            if (row->st != OTTER_PARSE || p->stop_on_error) {
                b->n_rows++;
                b->eof = 1; /* nothing after a fatal error or a stopping bad row */
                break;
            }
            /* a bad row the consumer will count; names interned so far still travel */
            otter_error ignore = {OTTER_OK, {0}};
            if (copy_names(p, b, row, &ignore) != OTTER_OK)
                row->n_names = 0;
        }
        b->n_rows++;
    }
    atomic_store(&p->bytes, otter__reader_bytes(p->reader));
    return b->eof;
}

/* Passes the records the consumer left in slot i to the retire callback, in row order. */
static void retire_slot(otter__pipe *p, size_t i)
{
    struct batch *b = &p->ring[i];
    for (size_t r = 0; r < b->n_rows; r++) {
        if (b->rows[r].has_rec) {
            p->retire.fn(p->retire.ud, b->recs + r * p->retire.rec_size);
            b->rows[r].has_rec = 0;
        }
    }
    p->retire_next = (i + 1) % RING;
}

static void *reader_main(void *arg)
{
    otter__pipe *p = arg;
    for (int done = 0; !done;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == RING && !p->stopping)
            pthread_cond_wait(&p->not_full, &p->mu);
        int stopping = p->stopping;
        size_t slot = (p->head + p->count) % RING;
        struct batch *b = &p->ring[slot];
        pthread_mutex_unlock(&p->mu);
        if (stopping)
            break;
        /* the slot is ours: the consumer handed it back (or never had it) */
        if (p->retire.fn)
            retire_slot(p, slot);
        done = fill_batch(p, b);
        pthread_mutex_lock(&p->mu);
        p->count++;
        pthread_cond_signal(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

otter_status otter__pipe_start(otter__reader *reader, int stop_on_error,
                               const otter__pipe_retire *retire, otter__pipe **out,
                               otter_error *err)
{
    otter__pipe *p = calloc(1, sizeof *p);
    if (!p)
        return otter_error_set(err, OTTER_NOMEM, "cannot allocate the reader pipeline");
    p->reader = reader;
    p->stop_on_error = stop_on_error;
    atomic_init(&p->bytes, 0);
    otter_status st = otter_instance_create(&p->scratch, err);
    if (st != OTTER_OK) {
        free(p);
        return st;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    if (retire && retire->fn) {
        p->retire = *retire;
        for (size_t i = 0; i < RING; i++) {
            if (!(p->ring[i].recs = calloc(BATCH_ROWS, retire->rec_size))) {
                otter__pipe_stop(p);
                return otter_error_set(err, OTTER_NOMEM, "cannot allocate the reader pipeline");
            }
        }
    }
    if (pthread_create(&p->thread, NULL, reader_main, p) != 0) {
        otter__pipe_stop(p);
        return otter_error_set(err, OTTER_INTERNAL, "cannot start the reader thread");
    }
    p->started = 1;
    *out = p;
    return OTTER_OK;
}

/* Hands the current batch back and waits for the next one. */
static void next_batch(otter__pipe *p)
{
    pthread_mutex_lock(&p->mu);
    if (p->cur) {
        p->head = (p->head + 1) % RING;
        p->count--;
        pthread_cond_signal(&p->not_full);
    }
    while (p->count == 0)
        pthread_cond_wait(&p->not_empty, &p->mu);
    p->cur = &p->ring[p->head];
    p->cur_row = 0;
    pthread_mutex_unlock(&p->mu);
}

/* Interns the row's new names in inst; their ids must match the reader's. */
static otter_status intern_names(otter__pipe *p, const struct batch *b, const struct prow *row,
                                 otter_instance *inst, otter_error *err)
{
    for (size_t i = 0; i < row->n_names; i++) {
        const char *ns = b->text + b->name_offs[2 * (row->names0 + i)];
        const char *name = b->text + b->name_offs[2 * (row->names0 + i) + 1];
        otter_feature_key key;
        otter_status st =
            otter_instance_intern(inst, ns, strlen(ns), name, strlen(name), &key, err);
        if (st != OTTER_OK)
            return st;
        if (key != p->keys_interned++)
            return otter_error_set(err, OTTER_INTERNAL, "reader pipeline: key ids diverged");
    }
    return OTTER_OK;
}

otter_status otter__pipe_next(otter__pipe *p, otter_instance *inst, double *label, double *weight,
                              uint64_t *line, int *eof, otter_error *err)
{
    if (!p->cur || p->cur_row == p->cur->n_rows) {
        if (p->cur && p->cur->eof) {
            *eof = 1;
            return OTTER_OK;
        }
        next_batch(p);
        if (p->cur->n_rows == 0) {
            *eof = 1;
            return OTTER_OK;
        }
    }
    const struct batch *b = p->cur;
    const struct prow *row = &b->rows[p->cur_row++];
    *eof = 0;
    *line = row->line;
    otter_instance_clear(inst);
    otter_status st = intern_names(p, b, row, inst, err);
    if (st != OTTER_OK)
        return st;
    if (row->st != OTTER_OK)
        return otter_error_set(err, row->st, "%s",
                               row->msg == SIZE_MAX ? "out of memory in the reader thread"
                                                    : b->text + row->msg);
    /* numeric runs go in bulk; categories one by one */
    const size_t *cats = b->cats + row->feat0;
    for (size_t i = 0; i < row->n_feat && st == OTTER_OK;) {
        size_t j = i;
        while (j < row->n_feat && cats[j] == 0)
            j++;
        if (j > i)
            st = otter_instance_add_nums(inst, b->keys + row->feat0 + i, b->values + row->feat0 + i,
                                         j - i, err);
        if (st == OTTER_OK && j < row->n_feat) {
            const char *c = b->text + cats[j] - 1;
            st = otter_instance_add_cat(inst, b->keys[row->feat0 + j], c, strlen(c), err);
            j++;
        }
        i = j;
    }
    if (st == OTTER_OK && row->n_dense)
        st = otter_instance_set_dense(inst, b->dense + row->dense0, row->n_dense, err);
    *label = row->label;
    *weight = row->weight;
    return st;
}

void *otter__pipe_record(otter__pipe *p)
{
    if (!p->retire.fn || !p->cur || p->cur_row == 0)
        return NULL;
    size_t r = p->cur_row - 1;
    p->cur->rows[r].has_rec = 1;
    return p->cur->recs + r * p->retire.rec_size;
}

/* Ends the reader thread (it finishes the batch it is filling). */
static void stop_thread(otter__pipe *p)
{
    if (!p->started)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_signal(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->started = 0;
}

void otter__pipe_finish(otter__pipe *p)
{
    stop_thread(p);
    if (!p->retire.fn || !p->cur)
        return;
    /* slots handed back but not refilled, oldest first, then the current one */
    for (size_t i = p->retire_next;; i = (i + 1) % RING) {
        retire_slot(p, i);
        if (&p->ring[i] == p->cur)
            break;
    }
}

uint64_t otter__pipe_bytes(const otter__pipe *p)
{
    return atomic_load(&p->bytes);
}

void otter__pipe_stop(otter__pipe *p)
{
    if (!p)
        return;
    stop_thread(p);
    for (size_t i = 0; i < RING; i++) {
        free(p->ring[i].recs);
        free(p->ring[i].keys);
        free(p->ring[i].values);
        free(p->ring[i].cats);
        free(p->ring[i].cat_ptrs);
        free(p->ring[i].dense);
        free(p->ring[i].name_offs);
        free(p->ring[i].text);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->not_full);
    otter_instance_destroy(p->scratch);
    free(p);
}

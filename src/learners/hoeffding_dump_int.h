/* Internal to the trees' text dumps (hoeffding_dump.c, used by hoeffding, hat and
 * hoeffding-reg): a line writer that escapes names and prints thresholds exactly, and the
 * walk that prints any tree made of ht_node whose attributes live in an ht_model's name
 * table. A tree type supplies only its leaf lines. The format is described in
 * hoeffding_dump.c's opening comment and in docs/otter.1 (TREE DUMPS).
 */
#ifndef OTTER_HOEFFDING_DUMP_INT_H
#define OTTER_HOEFFDING_DUMP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hoeffding_int.h"

/* Appends to out; the first failure is kept in st and later writes do nothing, so a
 * line can be written without checking each piece. */
typedef struct ht_text {
    otter_buf *out;
    otter_error *err;
    otter_status st;
} ht_text;

void otter__ht_text_put(ht_text *t, const char *s, size_t n);
void otter__ht_text_str(ht_text *t, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void otter__ht_text_printf(ht_text *t, const char *fmt, ...); /* up to 63 bytes of output */
/* A name or category: printable UTF-8 as is, other bytes as \xHH, '\' as \\. */
void otter__ht_text_name(ht_text *t, const char *s);
/* Attribute a of the name table as ns:name (name alone in the default namespace). */
void otter__ht_text_attr(ht_text *t, const ht_model *names, uint32_t a);
/* The shortest "%.Ng" (N >= 6) that reads back as exactly v. */
void otter__ht_text_exact(ht_text *t, double v);
/* "w=123.0" (one decimal, or %.6g from 1e15 on). */
void otter__ht_text_weight(ht_text *t, double w);

/* A tree to print. nodes, kids and names are borrowed; a split node's children are
 * kids[n->kids .. n->kids + n->n_kids). A branch whose child is also the major branch's
 * child (hoeffding-reg: a category without rows at the leaf when it split) has no line
 * of its own: rows with that value take the major branch, which is marked as taking
 * "missing and unseen". */
typedef struct ht_dump_tree {
    const ht_model *names; /* attribute and value tables */
    const ht_node *nodes;
    size_t n_nodes;
    const uint32_t *kids;
    size_t n_kids;
    uint32_t root;
    const void *ud; /* for the leaf callbacks */
    /* the weight a leaf holds (branch weights are the sums of their leaves') */
    double (*leaf_weight)(const void *ud, uint32_t nid);
    /* writes the leaf's line after its indentation: "leaf: ...\n" */
    void (*leaf_line)(const void *ud, uint32_t nid, ht_text *t);
    /* NULL, or the root of node nid's alternate subtree (HT_NONE: none), given alt_ud */
    uint32_t (*alt)(const void *alt_ud, uint32_t nid);
    const void *alt_ud;
} ht_dump_tree;

/* Appends the tree's text to out (see otter_learner_dump for the contract): OTTER_NOMEM,
 * or OTTER_INTERNAL when the nodes do not form a tree; out may then hold partial text. */
otter_status otter__ht_dump_tree(const ht_dump_tree *tree, otter_buf *out, otter_error *err);

#endif

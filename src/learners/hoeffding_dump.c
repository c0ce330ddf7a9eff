/* Text dump of the Hoeffding trees for people (otter_learner_dump, `otter describe
 * --tree`, `otter eval --dump-model`): the line writer and the walk shared by every tree
 * type (hoeffding_dump_int.h), and the classifier's leaf lines. hat.c passes a callback
 * that names each node's alternate subtree; hoeffding_reg_dump.c prints the regressor's
 * leaves.
 *
 * One line per node, in pre-order, indented two spaces per level:
 *   if age <= 39.9 (w=8032.0, takes missing)     numeric split: branch 0, value <= t
 *   else (age > 39.9) (w=4002.0)                 its branch 1
 *   if car = c3 (w=310.0)                        categorical split: value 0's branch
 *   else if car = c7 (w=95.0, takes missing and unseen)   the other values' branches
 *   leaf: class 1 (p=0.93, w=120.0, nba: nb)
 *   alternate: (w=340.0)                         (hat) the node's alternate subtree
 * A branch's child is indented one level below the branch line; an alternate comes
 * after its node's branches, at the node's level, with its subtree one level below.
 * w is the weight under the branch: the sum of the weights of the leaves below it
 * (class weights; the regressor's target weight). A new leaf starts from its parent's
 * observer counts for its side of the split (as in MOA), which leave out what the
 * parent had inherited itself (and, in the regressor, rows without the attribute), so
 * w approximates, and after several splits can fall below, the weight of the rows that
 * went down it.
 * "takes missing" marks the branch for rows without the attribute, or with it of the
 * other kind (and, for a categorical split, with a value that had no branch when the
 * node split).
 * A classifier leaf shows its majority class and that class's share of its weight, and,
 * for nb and nba leaves, the strategy it predicts with now (an nb leaf predicts per row);
 * a regressor leaf is described in hoeffding_reg_dump.c. A categorical branch whose
 * child is the major branch's (the regressor's categories without rows at the leaf when
 * it split) has no line: those rows take the major branch, marked as taking unseen
 * values, and the first branch printed is the "if".
 *
 * Thresholds are printed with the fewest significant digits (at least 6) that read
 * back as the same double: short when the threshold is short, exact otherwise, because
 * a rounded threshold misplaces the boundary (agrawal's ages are integers: "age <= 40"
 * and "age <= 39.99999" send age 40 different ways). Names and categories are printed
 * as they are, except that bytes that are not printable UTF-8 and backslashes are
 * escaped (\xHH, \\), so a name cannot break the one-line-per-node layout.
 *
 * The walk is iterative (a decoded tree may be deep) and linear in the output: one
 * pass sums the subtree weights bottom-up over a pre-order list, one prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoeffding_dump_int.h"

/* ---- writing ---- */

void otter__ht_text_put(ht_text *t, const char *s, size_t n)
{
    if (t->st == OTTER_OK)
        t->st = otter_buf_append(t->out, s, n, t->err);
}

void otter__ht_text_str(ht_text *t, const char *s)
{
    otter__ht_text_put(t, s, strlen(s));
}

void otter__ht_text_printf(ht_text *t, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        otter__ht_text_put(t, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_indent(ht_text *t, uint32_t indent)
{
    static const char spaces[] = "                                                                ";
    size_t n = (size_t)indent * 2;
    while (n > 0) {
        size_t c = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        otter__ht_text_put(t, spaces, c);
        n -= c;
    }
}

/* Length of the valid UTF-8 sequence of a code point >= U+0080 at s (n bytes left), or
 * 0 when the bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || s[0] > 0xf4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return len;
}

void otter__ht_text_name(ht_text *t, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), run = 0;
    for (size_t i = 0; i < n;) {
        size_t len = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\' ? 1
                     : s[i] >= 0x80                              ? utf8_seq(s + i, n - i)
                                                                 : 0;
        if (len) {
            run += len;
            i += len;
            continue;
        }
        otter__ht_text_put(t, text + i - run, run);
        run = 0;
        if (s[i] == '\\')
            otter__ht_text_put(t, "\\\\", 2);
        else
            otter__ht_text_printf(t, "\\x%02x", s[i]);
        i++;
    }
    otter__ht_text_put(t, text + n - run, run);
}

void otter__ht_text_attr(ht_text *t, const ht_model *names, uint32_t a)
{
    const ht_attr *at = &names->attrs[a];
    const char *ns = names->strs + at->ns_off;
    if (*ns) {
        otter__ht_text_name(t, ns);
        otter__ht_text_put(t, ":", 1);
    }
    otter__ht_text_name(t, names->strs + at->name_off);
}

void otter__ht_text_exact(ht_text *t, double v)
{
    char tmp[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    otter__ht_text_str(t, tmp);
}

void otter__ht_text_weight(ht_text *t, double w)
{
    if (w < 1e15)
        otter__ht_text_printf(t, "w=%.1f", w);
    else
        otter__ht_text_printf(t, "w=%.6g", w);
}

/* ---- the walk ---- */

enum { ACT_NODE, ACT_BRANCH, ACT_ALT };

typedef struct dump_act {
    uint32_t kind, nid, branch, indent;
    int first; /* ACT_BRANCH: the split's first line ("if") */
} dump_act;

typedef struct dump_ctx {
    const ht_dump_tree *t;
    double *w;          /* subtree weight by node id */
    uint32_t *val_at;   /* value id by val_start[attribute] + local value number */
    size_t *val_start;  /* n_attrs + 1 prefix sums of the attributes' value counts */
    dump_act *acts;     /* print stack */
    size_t n_acts, cap; /* cap bounds every push of a tree walk */
    ht_text text;
} dump_ctx;

static uint32_t alt_of(const dump_ctx *d, uint32_t nid)
{
    return d->t->alt ? d->t->alt(d->t->alt_ud, nid) : HT_NONE;
}

static uint32_t kid(const dump_ctx *d, const ht_node *n, uint32_t b)
{
    return d->t->kids[n->kids + b];
}

/* Whether branch b of split n has a child (and a line) of its own: not a category
 * that shares the major branch's child. */
static int own_branch(const dump_ctx *d, const ht_node *n, uint32_t b)
{
    return b == n->major || kid(d, n, b) != kid(d, n, n->major);
}

static void branch_line(dump_ctx *d, uint32_t nid, uint32_t b, int first)
{
    const ht_model *names = d->t->names;
    const ht_node *n = &d->t->nodes[nid];
    ht_text *t = &d->text;
    int cat = names->attrs[n->attr].kind == HT_CAT;
    if (!cat) {
        otter__ht_text_str(t, b == 0 ? "if " : "else (");
        otter__ht_text_attr(t, names, n->attr);
        otter__ht_text_str(t, b == 0 ? " <= " : " > ");
        otter__ht_text_exact(t, n->threshold);
        otter__ht_text_str(t, b == 0 ? " (" : ") (");
    } else {
        otter__ht_text_str(t, first ? "if " : "else if ");
        otter__ht_text_attr(t, names, n->attr);
        otter__ht_text_put(t, " = ", 3);
        otter__ht_text_name(t, names->strs +
                                   names->vals[d->val_at[d->val_start[n->attr] + b]].str_off);
        otter__ht_text_put(t, " (", 2);
    }
    otter__ht_text_weight(t, d->w[kid(d, n, b)]);
    if (b == n->major)
        otter__ht_text_str(t, cat ? ", takes missing and unseen" : ", takes missing");
    otter__ht_text_put(t, ")\n", 2);
}

static int push(dump_ctx *d, uint32_t kind, uint32_t nid, uint32_t branch, uint32_t indent,
                int first)
{
    if (d->n_acts == d->cap)
        return 0; /* more pushes than a tree allows: not a tree */
    d->acts[d->n_acts++] = (dump_act){kind, nid, branch, indent, first};
    return 1;
}

/* Fills d->w for every node reachable from the root (alternates included): a pre-order
 * list, then sums in reverse, so each child is summed before its parent. Uses the
 * action stack as scratch. */
static int subtree_weights(dump_ctx *d, uint32_t *order, size_t max)
{
    const ht_dump_tree *t = d->t;
    size_t n = 0;
    d->n_acts = 0;
    if (!push(d, ACT_NODE, t->root, 0, 0, 0))
        return 0;
    while (d->n_acts > 0) {
        uint32_t nid = d->acts[--d->n_acts].nid, a = alt_of(d, nid);
        const ht_node *node = &t->nodes[nid];
        if (n == max || (a != HT_NONE && !push(d, ACT_NODE, a, 0, 0, 0)))
            return 0;
        order[n++] = nid;
        for (uint32_t b = 0; node->attr != HT_NONE && b < node->n_kids; b++)
            if (own_branch(d, node, b) && !push(d, ACT_NODE, kid(d, node, b), 0, 0, 0))
                return 0;
    }
    while (n-- > 0) {
        const ht_node *node = &t->nodes[order[n]];
        double w = 0;
        if (node->attr == HT_NONE)
            w = t->leaf_weight(t->ud, order[n]);
        for (uint32_t b = 0; node->attr != HT_NONE && b < node->n_kids; b++)
            if (own_branch(d, node, b))
                w += d->w[kid(d, node, b)];
        d->w[order[n]] = w;
    }
    return 1;
}

/* One step of the printing walk: writes the action's line and pushes what follows it,
 * last first. 0 when the structure is not a tree. */
static int print_act(dump_ctx *d, dump_act act)
{
    const ht_node *n = &d->t->nodes[act.nid];
    if (act.kind == ACT_BRANCH) {
        put_indent(&d->text, act.indent);
        branch_line(d, act.nid, act.branch, act.first);
        return push(d, ACT_NODE, kid(d, n, act.branch), 0, act.indent + 1, 0);
    }
    if (act.kind == ACT_ALT) {
        uint32_t a = alt_of(d, act.nid);
        put_indent(&d->text, act.indent);
        otter__ht_text_str(&d->text, "alternate: (");
        otter__ht_text_weight(&d->text, d->w[a]);
        otter__ht_text_put(&d->text, ")\n", 2);
        return push(d, ACT_NODE, a, 0, act.indent + 1, 0);
    }
    if (alt_of(d, act.nid) != HT_NONE && !push(d, ACT_ALT, act.nid, 0, act.indent, 0))
        return 0;
    if (n->attr == HT_NONE) {
        put_indent(&d->text, act.indent);
        d->t->leaf_line(d->t->ud, act.nid, &d->text);
        return 1;
    }
    uint32_t first = 0;
    while (!own_branch(d, n, first))
        first++; /* ends at the major branch at the latest */
    for (uint32_t b = n->n_kids; b-- > first;)
        if (own_branch(d, n, b) && !push(d, ACT_BRANCH, act.nid, b, act.indent, b == first))
            return 0;
    return 1;
}

/* Numbers each categorical value by attribute: val_at[val_start[a] + local]. */
static int index_values(dump_ctx *d)
{
    const ht_model *m = d->t->names;
    d->val_start = malloc((m->n_attrs + 1) * sizeof *d->val_start);
    d->val_at = malloc((m->n_vals ? m->n_vals : 1) * sizeof *d->val_at);
    if (!d->val_start || !d->val_at)
        return 0;
    d->val_start[0] = 0;
    for (size_t a = 0; a < m->n_attrs; a++)
        d->val_start[a + 1] = d->val_start[a] + m->attrs[a].n_values;
    for (size_t v = 0; v < m->n_vals; v++)
        d->val_at[d->val_start[m->vals[v].attr] + m->vals[v].local] = (uint32_t)v;
    return 1;
}

otter_status otter__ht_dump_tree(const ht_dump_tree *tree, otter_buf *out, otter_error *err)
{
    dump_ctx d = {tree, NULL, NULL, NULL, NULL, 0, 0, {out, err, OTTER_OK}};
    /* every reachable node is pushed once as a node and at most once as an alternate,
     * every branch of a reachable split once */
    d.cap = 2 * tree->n_nodes + tree->n_kids;
    d.w = malloc(tree->n_nodes * sizeof *d.w);
    d.acts = malloc(d.cap * sizeof *d.acts);
    uint32_t *order = malloc(tree->n_nodes * sizeof *order);
    if (!d.w || !d.acts || !order || !index_values(&d)) {
        d.text.st = otter_error_set(err, OTTER_NOMEM, "out of memory dumping a Hoeffding tree");
        goto done;
    }
    if (!subtree_weights(&d, order, tree->n_nodes)) {
        d.text.st = otter_error_set(err, OTTER_INTERNAL, "Hoeffding tree nodes do not form a tree");
        goto done;
    }
    d.n_acts = 0;
    int ok = push(&d, ACT_NODE, tree->root, 0, 0, 0);
    while (ok && d.text.st == OTTER_OK && d.n_acts > 0) {
        dump_act act = d.acts[--d.n_acts];
        ok = print_act(&d, act);
    }
    if (!ok)
        d.text.st = otter_error_set(err, OTTER_INTERNAL, "Hoeffding tree nodes do not form a tree");
done:
    free(d.w);
    free(d.acts);
    free(order);
    free(d.val_start);
    free(d.val_at);
    return d.text.st;
}

/* ---- the classifier's leaves ---- */

static double dist_sum(const ht_model *m, const double *dist)
{
    double s = 0;
    for (size_t c = 0; c < m->k; c++)
        s += dist[c];
    return s;
}

static double ht_leaf_weight(const void *ud, uint32_t nid)
{
    const ht_model *m = ud;
    return dist_sum(m, m->ldist + (size_t)m->nodes[nid].leaf * m->k);
}

/* The strategy a leaf predicts with now; mirrors use_nb in hoeffding.c. */
static const char *leaf_strategy(const ht_model *m, const ht_leaf *leaf, double w)
{
    if (leaf->inactive) /* deactivated under max_bytes: class weights only */
        return "inactive: mc";
    if (m->leaf_pred == HT_MC)
        return NULL;
    if (w < m->nb_threshold)
        return m->leaf_pred == HT_NB ? "nb: mc below nb_threshold" : "nba: mc below nb_threshold";
    if (m->leaf_pred == HT_NB)
        return "nb";
    return leaf->mc_correct <= leaf->nb_correct ? "nba: nb" : "nba: mc";
}

static void ht_leaf_line(const void *ud, uint32_t nid, ht_text *t)
{
    const ht_model *m = ud;
    uint32_t lid = m->nodes[nid].leaf;
    const double *dist = m->ldist + (size_t)lid * m->k;
    size_t best = 0;
    for (size_t c = 1; c < m->k; c++)
        if (dist[c] > dist[best])
            best = c;
    double w = dist_sum(m, dist);
    otter__ht_text_printf(t, "leaf: class %zu (p=%.3g, ", best,
                          w > 0 ? dist[best] / w : 1.0 / (double)m->k);
    otter__ht_text_weight(t, w);
    const char *how = leaf_strategy(m, &m->leaves[lid], w);
    if (how) {
        otter__ht_text_put(t, ", ", 2);
        otter__ht_text_str(t, how);
    }
    otter__ht_text_put(t, ")\n", 2);
}

otter_status otter__ht_dump(const ht_model *m, uint32_t root, ht_alt_fn alt, const void *ud,
                            otter_buf *out, otter_error *err)
{
    ht_dump_tree t = {m, m->nodes,       m->n_nodes,   m->kids, m->n_kids, root,
                      m, ht_leaf_weight, ht_leaf_line, alt,     ud};
    return otter__ht_dump_tree(&t, out, err);
}

otter_status otter__ht_dump_method(const void *self, otter_buf *out, otter_error *err)
{
    return otter__ht_dump(self, 0, NULL, NULL, out, err);
}

/* Text dump of the Hoeffding tree regressor (otter_learner_dump, `otter describe --tree`):
 * the classifier's walk and split lines (hoeffding_dump.c: indentation, exact thresholds,
 * escaped names, "takes missing"), with the regressor's leaf lines:
 *
 *   leaf: 12.9 (mean=12.4, sd=2.06, w=830.0, adaptive: model, 3 inputs)
 *
 * The first number is what the leaf predicts for a row without features: its target
 * mean, or, when the leaf predicts with its linear model, the model at every input's
 * mean (its intercept, back on the target's scale), so a leaf that uses its model can
 * show a value other than its mean. mean and sd are the weighted mean and standard
 * deviation of the target at the leaf (what a split would try to reduce), w its weight,
 * which is what the branch weights above it add up. Then the strategy:
 *   (nothing)               leaf_prediction=mean
 *   model: 3 inputs         leaf_prediction=model; inputs = numeric attributes whose
 *                           weight in the leaf's model is not 0
 *   adaptive: mean          adaptive, the mean has the lower faded error now
 *   adaptive: model, 3 inputs   adaptive, the model has
 * and ", inactive" for a leaf deactivated under max_bytes (no split statistics; it
 * still predicts and learns as shown).
 * Numbers are printed with 6 significant digits (they describe the leaf; the thresholds
 * that route rows are the exact ones). */
#include <math.h>

#include "hoeffding_dump_int.h"
#include "hoeffding_reg_int.h"

static const hr_leaf *leaf_at(const hr_model *m, uint32_t nid)
{
    return &m->leaves[m->nodes[nid].leaf];
}

static double leaf_weight(const void *ud, uint32_t nid)
{
    return leaf_at(ud, nid)->y.n;
}

/* Numeric attributes with a non-zero weight in the leaf's model. */
static size_t model_inputs(const hr_model *m, const hr_leaf *l)
{
    size_t n = 0;
    for (uint32_t a = 0; a + 1 < l->n_w; a++)
        n += m->names->attrs[a].kind == HT_NUM && l->w[1 + a] != 0.0;
    return n;
}

/* %.6g, without the sign of a negative zero. */
static void put_num(ht_text *t, double v)
{
    otter__ht_text_printf(t, "%.6g", v == 0.0 ? 0.0 : v);
}

static void leaf_line(const void *ud, uint32_t nid, ht_text *t)
{
    const hr_model *m = ud;
    const hr_leaf *l = leaf_at(m, nid);
    int model = otter__hr_use_model(m, l);
    otter__ht_text_str(t, "leaf: ");
    put_num(t, otter__hr_leaf_default(m, l));
    otter__ht_text_str(t, " (mean=");
    put_num(t, l->y.n > 0 ? l->y.mean : 0.0);
    otter__ht_text_str(t, ", sd=");
    put_num(t, l->y.n > 0 ? sqrt(l->y.m2 / l->y.n) : 0.0);
    otter__ht_text_str(t, ", ");
    otter__ht_text_weight(t, l->y.n);
    if (m->leaf_pred == HR_MODEL)
        otter__ht_text_str(t, ", model: ");
    else if (m->leaf_pred == HR_ADAPTIVE)
        otter__ht_text_str(t, model ? ", adaptive: model, " : ", adaptive: mean");
    if (model)
        otter__ht_text_printf(t, "%zu inputs", model_inputs(m, l));
    if (l->inactive)
        otter__ht_text_str(t, ", inactive");
    otter__ht_text_put(t, ")\n", 2);
}

otter_status otter__hr_dump(const void *self, otter_buf *out, otter_error *err)
{
    const hr_model *m = self;
    ht_dump_tree t = {m->names, m->nodes,    m->n_nodes, m->kids, m->n_kids, 0,
                      m,        leaf_weight, leaf_line,  NULL,    NULL};
    return otter__ht_dump_tree(&t, out, err);
}

/* Classifier two-sample test: how well a classifier tells generated windows from held-out real
 * ones (AUROC on a part neither it nor any split ever trained on; 0.5 = indistinguishable).
 * Real windows are split by record, so windows of one recording are never on both sides. */
#include "tgdp/ecg_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tgdp_c2st_opts_default(tgdp_c2st_opts *o)
{
    memset(o, 0, sizeof *o);
    tgdp_eval_classifier_opts_default(&o->cls);
    o->cls.n_hidden = 2;
    o->cls.hidden[0] = o->cls.hidden[1] = 128;
    o->cls.steps = 300;
    o->train_frac = 0.5;
    o->balance = 0;
}

/* rows of part p (in order), then, with cap >= 0 and more than cap rows, a seeded subsample of
 * cap of them */
static int64_t pick(int64_t n, const int *part, int p, int64_t cap, tgdp_rng *r, int64_t *rows)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (part[i] == p) rows[m++] = i;
    if (cap >= 0 && m > cap) {
        for (int64_t j = 0; j < cap; j++) { /* partial Fisher-Yates */
            int64_t k = j + (int64_t)tgdp_rng_below(r, (uint64_t)(m - j)), t = rows[j];
            rows[j] = rows[k];
            rows[k] = t;
        }
        m = cap;
    }
    return m;
}

static int64_t count_part(int64_t n, const int *part, int p)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) m += part[i] == p;
    return m;
}

int tgdp_c2st(const tgdp_eval_set *real, const tgdp_eval_set *gen, const tgdp_c2st_opts *o, tgdp_c2st_result *res,
              tgdp_error *err)
{
    memset(res, 0, sizeof *res);
    res->auroc = NAN;
    if (!real || !gen || real->n < 2 || gen->n < 2 || !real->x || !gen->x)
        return tgdp_fail(err, TGDP_EINVAL, "C2ST: needs at least 2 real and 2 generated windows");
    if (real->d != gen->d)
        return tgdp_fail(err, TGDP_EINVAL, "C2ST: real windows have %d values, generated %d", real->d, gen->d);
    const int d = real->d;
    uint64_t seed = o->cls.seed;
    tgdp_rng base = tgdp_rng_new(seed ^ 0xc257c257ull);
    int *rpart = malloc((size_t)real->n * sizeof *rpart), *gpart = malloc((size_t)gen->n * sizeof *gpart);
    int64_t *rows_r = malloc((size_t)real->n * sizeof *rows_r), *rows_g = malloc((size_t)gen->n * sizeof *rows_g);
    float *score = NULL;
    int64_t *lab = NULL;
    tgdp_eval_owned tr_r = {0}, tr_g = {0}, te_r = {0}, te_g = {0};
    tgdp_net net;
    int have_net = 0, rc = TGDP_OK;
    if (!rpart || !gpart || !rows_r || !rows_g) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "C2ST: out of memory");
        goto done;
    }
    if ((rc = tgdp_record_split(real->n, real->record, o->train_frac, seed ^ 0x5eedull, rpart, err))) {
        tgdp_error_prefix(err, "C2ST, real windows");
        goto done;
    }
    if ((rc = tgdp_record_split(gen->n, NULL, o->train_frac, seed ^ 0x9e11ull, gpart, err))) goto done;
    for (int p = 0; p < 2 && !rc; p++) {
        int64_t nr = count_part(real->n, rpart, p), ng = count_part(gen->n, gpart, p);
        int64_t cap = o->balance ? (nr < ng ? nr : ng) : -1;
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)p);
        int64_t mr = pick(real->n, rpart, p, cap, &r, rows_r), mg = pick(gen->n, gpart, p, cap, &r, rows_g);
        rc = tgdp_eval_set_take(real, mr, rows_r, p ? &te_r : &tr_r, err);
        if (!rc) rc = tgdp_eval_set_take(gen, mg, rows_g, p ? &te_g : &tr_g, err);
    }
    if (rc) goto done;
    res->n_train_real = tr_r.set.n, res->n_train_gen = tr_g.set.n;
    res->n_test_real = te_r.set.n, res->n_test_gen = te_g.set.n;
    /* c(x) = P(generated | x): generated windows are the classifier's "source" class */
    if ((rc = tgdp_eval_classifier_create(&net, &o->cls, d, 1, seed, err))) goto done;
    have_net = 1;
    tgdp_train_opts to;
    tgdp_train_opts_default(&to);
    to.steps = o->cls.steps;
    to.batch = o->cls.batch < 2 ? 2 : o->cls.batch;
    to.lr = o->cls.lr;
    to.weight_decay = o->cls.weight_decay;
    to.clip = o->cls.clip;
    to.seed = seed;
    tgdp_dataset dg = {tr_g.set.n, d, tr_g.set.x, NULL}, dr = {tr_r.set.n, d, tr_r.set.x, NULL};
    if ((rc = tgdp_train_classifier(&net, NULL, &dg, &dr, &to, NULL, NULL, err))) {
        tgdp_error_prefix(err, "C2ST classifier");
        goto done;
    }
    const int64_t nt = te_r.set.n + te_g.set.n;
    score = malloc((size_t)nt * sizeof *score);
    lab = malloc((size_t)nt * sizeof *lab);
    if (!score || !lab) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "C2ST: out of memory");
        goto done;
    }
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    rc = tgdp_net_eval(&net, &ar, te_g.set.n, te_g.set.x, NULL, NULL, score, err);
    if (!rc) rc = tgdp_net_eval(&net, &ar, te_r.set.n, te_r.set.x, NULL, NULL, score + te_g.set.n, err);
    tgdp_arena_free(&ar);
    if (rc) goto done;
    for (int64_t i = 0; i < nt; i++) lab[i] = i < te_g.set.n;
    rc = tgdp_auroc(nt, score, lab, &res->auroc, err);
done:
    if (have_net) tgdp_net_free(&net);
    tgdp_eval_owned_free(&tr_r), tgdp_eval_owned_free(&tr_g), tgdp_eval_owned_free(&te_r), tgdp_eval_owned_free(&te_g);
    free(rpart), free(gpart), free(rows_r), free(rows_g), free(score), free(lab);
    return rc;
}

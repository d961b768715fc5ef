/* Evaluation with held-out records (tgdp/ecg_eval.h): AUROC against hand-computed values (ties
 * included), macro-AUROC skip logic, record-level k-fold (every record tested once, never split,
 * stratified, deterministic), the symmetric eigen-solver, the Frechet distance against closed
 * forms (2x2 formula, commuting covariances, samples of known Gaussians, 0 for identical sets,
 * rank-deficient sets), C2ST near 0.5 for equal and near 1 for different distributions, TSTR,
 * feature extractors, the k-fold driver and the mean/spread aggregation. Synthetic data only. */
#include "testutil.h"
#include "tgdp/ecg_eval.h"

#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ---------- AUROC ---------- */
static void test_auroc(void)
{
    double a;
    /* sklearn's example: 3 of 4 pairs ordered */
    float s1[] = {0.1f, 0.4f, 0.35f, 0.8f};
    int64_t l1[] = {0, 0, 1, 1};
    CHECK(tgdp_auroc(4, s1, l1, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 0.75, 1e-12, 0);
    /* ties across classes count 1/2: positives {1, 2, 3}, negatives {1, 2}:
     * (0.5 + 0) + (1 + 0.5) + (1 + 1) = 4 of 6 pairs */
    float s2[] = {1, 1, 2, 2, 3};
    int64_t l2[] = {0, 1, 0, 1, 1};
    CHECK(tgdp_auroc(5, s2, l2, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 4.0 / 6.0, 1e-12, 0);
    /* a tie inside one class changes nothing: positives {2, 2}, negatives {1, 3}: (1+0)+(1+0) = 2/4 */
    float s3[] = {2, 1, 2, 3};
    int64_t l3[] = {1, 0, 1, 0};
    CHECK(tgdp_auroc(4, s3, l3, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 0.5, 1e-12, 0);
    /* all tied: 0.5; perfect: 1; reversed: 0; labels other than 0/1 count as positive */
    float s4[] = {7, 7, 7, 7, 7};
    int64_t l4[] = {1, 0, 0, 1, 0};
    CHECK(tgdp_auroc(5, s4, l4, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 0.5, 1e-12, 0);
    float s5[] = {-3, -1, 0.5f, 2, 9};
    int64_t l5[] = {0, 0, 2, 1, 1}, l6[] = {1, 1, 0, 0, 0};
    CHECK(tgdp_auroc(5, s5, l5, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 1.0, 1e-12, 0);
    CHECK(tgdp_auroc(5, s5, l6, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, 0.0, 1e-12, 0);
    /* brute force over pairs on a larger set with many ties */
    enum { N = 301 };
    float s[N];
    int64_t l[N];
    tgdp_rng r = tgdp_rng_new(5);
    for (int i = 0; i < N; i++) {
        s[i] = (float)tgdp_rng_below(&r, 17);
        l[i] = tgdp_rng_uniform(&r) < 0.3 + 0.02 * s[i];
    }
    double num = 0, den = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (l[i] && !l[j]) num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0, den++;
    CHECK(tgdp_auroc(N, s, l, &a, NULL) == TGDP_OK);
    CHECK_CLOSE(a, num / den, 1e-12, 0);
    /* errors */
    tgdp_error e;
    int64_t one[] = {1, 1, 1, 1};
    CHECK(tgdp_auroc(4, s1, one, &a, &e) == TGDP_EINVAL && strstr(e.msg, "both classes"));
    float bad[] = {0.1f, NAN, 0.2f, 0.3f};
    CHECK(tgdp_auroc(4, bad, l1, &a, &e) == TGDP_ENONFINITE);
}

static void test_macro_auroc(void)
{
    /* K = 4: label 0 usable (AUROC 0.75), label 1 never present, label 2 always present,
     * label 3 usable (perfect) */
    enum { N = 4, K = 4 };
    float sc[N * K];
    int64_t lab[N * K];
    float s0[] = {0.1f, 0.4f, 0.35f, 0.8f};
    int64_t l0[] = {0, 0, 1, 1}, l3[] = {1, 0, 0, 0};
    for (int i = 0; i < N; i++) {
        sc[i * K + 0] = s0[i], lab[i * K + 0] = l0[i];
        sc[i * K + 1] = (float)i, lab[i * K + 1] = 0;
        sc[i * K + 2] = (float)-i, lab[i * K + 2] = 1;
        sc[i * K + 3] = (float)(3 - i), lab[i * K + 3] = l3[i];
    }
    tgdp_macro_auroc m;
    CHECK(tgdp_macro_auroc_eval(N, K, sc, lab, &m, NULL) == TGDP_OK);
    CHECK(m.n_labels == K && m.n_used == 2);
    CHECK(m.used[0] && !m.used[1] && !m.used[2] && m.used[3]);
    CHECK(isnan(m.per_label[1]) && isnan(m.per_label[2]));
    CHECK_CLOSE(m.per_label[0], 0.75, 1e-12, 0);
    CHECK_CLOSE(m.per_label[3], 1.0, 1e-12, 0);
    CHECK_CLOSE(m.value, 0.875, 1e-12, 0);
    /* nothing usable: NaN, not an error */
    int64_t zeros[N * K] = {0};
    CHECK(tgdp_macro_auroc_eval(N, K, sc, zeros, &m, NULL) == TGDP_OK);
    CHECK(m.n_used == 0 && isnan(m.value));
    /* non-finite scores are an error */
    sc[0] = INFINITY;
    tgdp_error e;
    CHECK(tgdp_macro_auroc_eval(N, K, sc, lab, &m, &e) == TGDP_ENONFINITE && strstr(e.msg, "label 0"));
}

/* ---------- record-level splits ---------- */
static void test_kfold(void)
{
    /* 23 records with 1..6 windows each, ids sparse, windows interleaved in a random order */
    enum { R = 23, MAXW = 6 };
    int64_t ids[R], rec[R * MAXW], strat[R * MAXW];
    int nw = 0;
    tgdp_rng r = tgdp_rng_new(11);
    for (int j = 0; j < R; j++) {
        ids[j] = 1000 + 37 * j - (j % 3) * 5000;
        int w = 1 + (int)tgdp_rng_below(&r, MAXW);
        for (int q = 0; q < w; q++) rec[nw] = ids[j], strat[nw] = j % 3 == 0 ? 2 : j % 5 == 0 ? 7 : 0, nw++;
    }
    int64_t perm[R * MAXW];
    tgdp_rng_permutation(&r, perm, (size_t)nw);
    int64_t rec2[R * MAXW], strat2[R * MAXW];
    for (int i = 0; i < nw; i++) rec2[i] = rec[perm[i]], strat2[i] = strat[perm[i]];
    for (int k = 2; k <= 5; k++) {
        int fold[R * MAXW], fold2[R * MAXW];
        CHECK(tgdp_record_kfold(nw, rec, strat, k, 42, fold, NULL) == TGDP_OK);
        CHECK(tgdp_record_kfold(nw, rec2, strat2, k, 42, fold2, NULL) == TGDP_OK);
        int per_fold[8] = {0}, per_fold_stratum[8][3] = {{0}}, ok_once = 1, ok_order = 1;
        for (int j = 0; j < R; j++) {
            int f = -1;
            for (int i = 0; i < nw; i++)
                if (rec[i] == ids[j]) {
                    if (f < 0) f = fold[i];
                    else if (fold[i] != f) ok_once = 0; /* a record split over folds */
                }
            if (f < 0 || f >= k) ok_once = 0;
            else {
                per_fold[f]++;
                per_fold_stratum[f][j % 3 == 0 ? 0 : j % 5 == 0 ? 1 : 2]++;
            }
            for (int i = 0; i < nw; i++)
                if (rec2[i] == ids[j] && fold2[i] != f) ok_order = 0;
        }
        CHECKF(ok_once, "k = %d: every record in exactly one fold", k);
        CHECKF(ok_order, "k = %d: the folds do not depend on the window order", k);
        int mn = R, mx = 0;
        for (int f = 0; f < k; f++) mn = per_fold[f] < mn ? per_fold[f] : mn, mx = per_fold[f] > mx ? per_fold[f] : mx;
        CHECKF(mn >= 1 && mx - mn <= 1, "k = %d: fold sizes %d..%d records", k, mn, mx);
        for (int s = 0; s < 3; s++) { /* each stratum spread evenly */
            int smn = R, smx = 0;
            for (int f = 0; f < k; f++) {
                int c = per_fold_stratum[f][s];
                smn = c < smn ? c : smn, smx = c > smx ? c : smx;
            }
            CHECKF(smx - smn <= 1, "k = %d stratum %d: %d..%d records per fold", k, s, smn, smx);
        }
    }
    /* deterministic for a seed, another seed gives another assignment */
    int fa[R * MAXW], fb[R * MAXW], fc[R * MAXW];
    CHECK(tgdp_record_kfold(nw, rec, NULL, 5, 1, fa, NULL) == TGDP_OK);
    CHECK(tgdp_record_kfold(nw, rec, NULL, 5, 1, fb, NULL) == TGDP_OK);
    CHECK(tgdp_record_kfold(nw, rec, NULL, 5, 2, fc, NULL) == TGDP_OK);
    CHECK(memcmp(fa, fb, sizeof(int) * nw) == 0);
    CHECK(memcmp(fa, fc, sizeof(int) * nw) != 0);
    tgdp_error e;
    CHECK(tgdp_record_kfold(nw, rec, NULL, R + 1, 1, fa, &e) == TGDP_EINVAL && strstr(e.msg, "records"));
    CHECK(tgdp_record_kfold(nw, rec, NULL, 1, 1, fa, &e) == TGDP_EINVAL);
    /* two parts by record */
    int part[R * MAXW];
    CHECK(tgdp_record_split(nw, rec, 0.5, 3, part, NULL) == TGDP_OK);
    int n0 = 0, n1 = 0, whole = 1;
    for (int i = 0; i < nw; i++) {
        n0 += part[i] == 0, n1 += part[i] == 1;
        for (int j = 0; j < nw; j++)
            if (rec[i] == rec[j] && part[i] != part[j]) whole = 0;
    }
    CHECK(n0 > 0 && n1 > 0 && whole);
    int64_t same[4] = {5, 5, 5, 5};
    CHECK(tgdp_record_split(4, same, 0.5, 3, part, &e) == TGDP_EINVAL);
    CHECK(tgdp_record_split(4, NULL, 0.5, 3, part, NULL) == TGDP_OK && part[0] + part[1] + part[2] + part[3] == 2);
    /* primary label: the rarest positive one */
    int64_t lab[4 * 3] = {1, 0, 0, /**/ 1, 1, 0, /**/ 1, 0, 1, /**/ 0, 0, 0}, prim[4];
    CHECK(tgdp_primary_labels(4, 3, lab, prim, NULL) == TGDP_OK);
    CHECK(prim[0] == 0 && prim[1] == 1 && prim[2] == 2 && prim[3] == 3);
}

static void test_sets(void)
{
    float x[5 * 2] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    int64_t lab[5 * 2] = {1, 0, 0, 1, 1, 1, 0, 0, 1, 0}, rec[5] = {9, 9, 4, 4, 1};
    tgdp_eval_set s = {5, 2, x, 2, lab, rec};
    int part[5] = {1, 0, 1, 0, 0};
    tgdp_eval_owned in, out;
    CHECK(tgdp_eval_set_split(&s, part, 1, &in, &out, NULL) == TGDP_OK);
    CHECK(in.set.n == 2 && out.set.n == 3 && in.set.n_labels == 2);
    CHECK(in.set.x[2] == 4 && in.set.labels[2] == 1 && in.set.record[1] == 4);
    CHECK(out.set.x[0] == 2 && out.set.record[2] == 1);
    tgdp_eval_owned_free(&in);
    tgdp_eval_owned_free(&out);
    int64_t cls[3] = {2, 0, 1}, oh[9];
    CHECK(tgdp_labels_one_hot(3, cls, 3, oh, NULL) == TGDP_OK);
    CHECK(oh[2] == 1 && oh[0] == 0 && oh[3] == 1 && oh[7] == 1 && oh[8] == 0);
    cls[1] = 3;
    CHECK(tgdp_labels_one_hot(3, cls, 3, oh, NULL) == TGDP_EINVAL);
}

/* ---------- eigen-solver and Frechet distance ---------- */
static void test_sym_eig(void)
{
    enum { N = 20 };
    double A[N * N], A0[N * N], V[N * N], w[N];
    tgdp_rng r = tgdp_rng_new(3);
    for (int i = 0; i < N; i++)
        for (int j = 0; j <= i; j++) A[i * N + j] = A[j * N + i] = tgdp_rng_normal(&r);
    A[0] = A[N + 1]; /* a repeated diagonal entry */
    memcpy(A0, A, sizeof A);
    CHECK(tgdp_sym_eig(N, A, w, V, NULL) == TGDP_OK);
    double rec = 0, orth = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0, o = 0;
            for (int k = 0; k < N; k++) s += V[i * N + k] * w[k] * V[j * N + k], o += V[k * N + i] * V[k * N + j];
            rec = fmax(rec, fabs(s - A0[i * N + j]));
            orth = fmax(orth, fabs(o - (i == j)));
        }
    CHECKF(rec < 1e-10 && orth < 1e-10, "reconstruction %g, orthogonality %g", rec, orth);
    int asc = 1;
    for (int i = 1; i < N; i++) asc &= w[i] >= w[i - 1];
    CHECK(asc);
    /* rank one: eigenvalues 0 (N-1 times) and |u|^2 */
    double u[N];
    for (int i = 0; i < N; i++) u[i] = i - 7.5;
    double uu = 0;
    for (int i = 0; i < N; i++) {
        uu += u[i] * u[i];
        for (int j = 0; j < N; j++) A[i * N + j] = u[i] * u[j];
    }
    CHECK(tgdp_sym_eig(N, A, w, NULL, NULL) == TGDP_OK);
    CHECK_CLOSE(w[N - 1], uu, 1e-9, 1e-12);
    CHECK(fabs(w[0]) < 1e-9 * uu && fabs(w[N - 2]) < 1e-9 * uu);
}

/* the 2x2 closed form: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for SPD M, with
 * tr(S1^1/2 S2 S1^1/2) = tr(S1 S2) and det = det S1 det S2 */
static double frechet_2x2(const double *m1, const double *S1, const double *m2, const double *S2)
{
    double dm = (m1[0] - m2[0]) * (m1[0] - m2[0]) + (m1[1] - m2[1]) * (m1[1] - m2[1]);
    double tr12 = S1[0] * S2[0] + S1[1] * S2[2] + S1[2] * S2[1] + S1[3] * S2[3];
    double det = (S1[0] * S1[3] - S1[1] * S1[2]) * (S2[0] * S2[3] - S2[1] * S2[2]);
    return dm + S1[0] + S1[3] + S2[0] + S2[3] - 2 * sqrt(tr12 + 2 * sqrt(det));
}

static void test_frechet(void)
{
    double m1[2] = {0.3, -1}, m2[2] = {1.3, 0.5};
    double S1[4] = {2.0, 0.8, 0.8, 1.0}, S2[4] = {0.5, -0.3, -0.3, 3.0}; /* do not commute */
    double f;
    CHECK(tgdp_frechet_gaussian(2, m1, S1, m2, S2, &f, NULL) == TGDP_OK);
    CHECK_CLOSE(f, frechet_2x2(m1, S1, m2, S2), 1e-10, 1e-10);
    CHECK(tgdp_frechet_gaussian(2, m1, S1, m1, S1, &f, NULL) == TGDP_OK);
    CHECK(fabs(f) < 1e-10);
    /* commuting (diagonal) covariances in 6-D: sum (sqrt a - sqrt b)^2 + |dmu|^2 */
    enum { F = 6 };
    double a[F * F] = {0}, b[F * F] = {0}, ma[F] = {0}, mb[F], want = 0;
    for (int i = 0; i < F; i++) {
        a[i * F + i] = 0.5 + i, b[i * F + i] = 2.0 / (i + 1), mb[i] = 0.1 * i;
        want += pow(sqrt(a[i * F + i]) - sqrt(b[i * F + i]), 2) + mb[i] * mb[i];
    }
    CHECK(tgdp_frechet_gaussian(F, ma, a, mb, b, &f, NULL) == TGDP_OK);
    CHECK_CLOSE(f, want, 1e-10, 1e-10);
    /* a singular covariance (rank 1) is fine */
    double Z[4] = {1, 1, 1, 1};
    CHECK(tgdp_frechet_gaussian(2, m1, Z, m2, S2, &f, NULL) == TGDP_OK);
    CHECK_CLOSE(f, frechet_2x2(m1, Z, m2, S2), 1e-6, 0); /* sqrt of a zero eigenvalue: sqrt(eps) accuracy */

    /* samples of the two 2-D Gaussians: the estimate approaches the closed form */
    enum { NS = 40000 };
    float *x = malloc(sizeof(float) * NS * 2), *y = malloc(sizeof(float) * NS * 2);
    tgdp_rng r = tgdp_rng_new(8);
    /* Cholesky factors of S1 and S2 */
    double l1a = sqrt(S1[0]), l1b = S1[2] / l1a, l1c = sqrt(S1[3] - l1b * l1b);
    double l2a = sqrt(S2[0]), l2b = S2[2] / l2a, l2c = sqrt(S2[3] - l2b * l2b);
    for (int i = 0; i < NS; i++) {
        double z0 = tgdp_rng_normal(&r), z1 = tgdp_rng_normal(&r), z2 = tgdp_rng_normal(&r), z3 = tgdp_rng_normal(&r);
        x[2 * i] = (float)(m1[0] + l1a * z0), x[2 * i + 1] = (float)(m1[1] + l1b * z0 + l1c * z1);
        y[2 * i] = (float)(m2[0] + l2a * z2), y[2 * i + 1] = (float)(m2[1] + l2b * z2 + l2c * z3);
    }
    CHECK(tgdp_frechet_distance(NS, NS, 2, x, y, &f, NULL) == TGDP_OK);
    CHECKF(fabs(f - frechet_2x2(m1, S1, m2, S2)) < 0.08, "sample %g vs closed form %g", f, frechet_2x2(m1, S1, m2, S2));
    /* identical sets: 0 */
    CHECK(tgdp_frechet_distance(NS, NS, 2, x, x, &f, NULL) == TGDP_OK);
    CHECKF(fabs(f) < 1e-9, "identical sets: %g", f);
    /* rank-deficient: 5 rows of 12 features; identical -> 0, shifted -> |shift|^2 */
    float p[5 * 12], q[5 * 12];
    for (int i = 0; i < 60; i++) p[i] = (float)tgdp_rng_normal(&r), q[i] = p[i] + 0.5f;
    CHECK(tgdp_frechet_distance(5, 5, 12, p, p, &f, NULL) == TGDP_OK);
    CHECKF(fabs(f) < 1e-6, "rank-deficient identical: %g", f);
    CHECK(tgdp_frechet_distance(5, 5, 12, p, q, &f, NULL) == TGDP_OK);
    CHECK_CLOSE(f, 12 * 0.25, 1e-4, 1e-4);
    tgdp_error e;
    CHECK(tgdp_frechet_distance(1, 5, 12, p, q, &f, &e) == TGDP_EINVAL);
    free(x);
    free(y);
}

/* ---------- classifiers: C2ST, TSTR ---------- */

/* n windows of dimension d in records of 4 windows (ids start at id0), N(shift, 1) plus a
 * per-record offset; label k on when feature k > 0 (K labels) */
static void gauss_set(tgdp_rng *r, int n, int d, float shift, int64_t id0, float *x, int64_t *rec, int K, int64_t *lab)
{
    for (int i = 0; i < n; i++) {
        if (rec) rec[i] = id0 + i / 4;
        for (int j = 0; j < d; j++) x[i * d + j] = shift + (float)tgdp_rng_normal(r);
        for (int k = 0; k < K; k++) lab[i * K + k] = x[i * d + k] + 0.3f * (float)tgdp_rng_normal(r) > shift;
    }
}

static tgdp_c2st_opts small_c2st(void)
{
    tgdp_c2st_opts o;
    tgdp_c2st_opts_default(&o);
    o.cls.n_hidden = 1;
    o.cls.hidden[0] = 32;
    o.cls.steps = 150;
    o.cls.batch = 64;
    o.cls.lr = 3e-3;
    return o;
}

static void test_c2st(void)
{
    enum { N = 400, D = 8 };
    float *xr = malloc(sizeof(float) * N * D), *xs = malloc(sizeof(float) * N * D), *xd = malloc(sizeof(float) * N * D);
    int64_t rec[N], lab[N];
    tgdp_rng r = tgdp_rng_new(21);
    gauss_set(&r, N, D, 0, 0, xr, rec, 0, lab);
    gauss_set(&r, N, D, 0, 0, xs, NULL, 0, lab);
    gauss_set(&r, N, D, 1.5f, 0, xd, NULL, 0, lab);
    tgdp_eval_set real = {N, D, xr, 0, NULL, rec}, same = {N, D, xs, 0, NULL, NULL}, diff = {N, D, xd, 0, NULL, NULL};
    tgdp_c2st_opts o = small_c2st();
    tgdp_c2st_result cs, cd;
    double t0 = now();
    CHECK(tgdp_c2st(&real, &same, &o, &cs, NULL) == TGDP_OK);
    CHECK(tgdp_c2st(&real, &diff, &o, &cd, NULL) == TGDP_OK);
    printf("C2ST: same distribution %.3f, shifted by 1.5 in 8-D %.3f (%.2f s)\n", cs.auroc, cd.auroc, now() - t0);
    CHECKF(fabs(cs.auroc - 0.5) < 0.1, "same distribution: AUROC %g", cs.auroc);
    CHECKF(cd.auroc > 0.95, "different distributions: AUROC %g", cd.auroc);
    CHECK(cs.n_train_real + cs.n_test_real == N && cs.n_train_gen + cs.n_test_gen == N);
    /* a generated set smaller than the real one: all used by default; with balance the real
     * side is subsampled to the generated one in each part */
    tgdp_eval_set few = {60, D, xs, 0, NULL, NULL};
    CHECK(tgdp_c2st(&real, &few, &o, &cs, NULL) == TGDP_OK);
    CHECK(cs.n_train_gen == 30 && cs.n_test_gen == 30 && cs.n_train_real + cs.n_test_real == N);
    o.balance = 1;
    CHECK(tgdp_c2st(&real, &few, &o, &cs, NULL) == TGDP_OK);
    CHECK(cs.n_train_real == 30 && cs.n_test_real == 30 && cs.n_train_gen == 30 && cs.n_test_gen == 30);
    o.balance = 0;
    /* one record only: no record split possible */
    int64_t one[N] = {0};
    tgdp_eval_set single = {N, D, xr, 0, NULL, one};
    tgdp_error e;
    CHECK(tgdp_c2st(&single, &same, &o, &cs, &e) == TGDP_EINVAL && strstr(e.msg, "record"));
    /* an architecture that is not there yet: a clear error */
    snprintf(o.cls.arch, sizeof o.cls.arch, "resnet9000");
    CHECK(tgdp_c2st(&real, &same, &o, &cs, &e) == TGDP_EUNSUPPORTED && strstr(e.msg, "resnet9000"));
    free(xr), free(xs), free(xd);
}

static void test_tstr(void)
{
    enum { N = 300, D = 6, K = 3 };
    float *xa = malloc(sizeof(float) * N * D), *xb = malloc(sizeof(float) * N * D);
    int64_t la[N * K], lb[N * K], lr[N * K];
    tgdp_rng r = tgdp_rng_new(4);
    gauss_set(&r, N, D, 0, 0, xa, NULL, K, la);
    gauss_set(&r, N, D, 0, 0, xb, NULL, K, lb);
    for (int i = 0; i < N * K; i++) lr[i] = tgdp_rng_below(&r, 2);
    tgdp_eval_set train = {N, D, xa, K, la, NULL}, test = {N, D, xb, K, lb, NULL}, noise = {N, D, xa, K, lr, NULL};
    tgdp_eval_classifier_opts o;
    tgdp_eval_classifier_opts_default(&o);
    o.n_hidden = 1;
    o.hidden[0] = 32;
    o.steps = 200;
    o.lr = 3e-3;
    tgdp_macro_auroc good, bad;
    CHECK(tgdp_train_test_auroc(&train, &test, &o, &good, NULL) == TGDP_OK);
    CHECK(tgdp_train_test_auroc(&noise, &test, &o, &bad, NULL) == TGDP_OK);
    printf("TSTR: informative labels %.3f, random labels %.3f\n", good.value, bad.value);
    CHECK(good.n_used == K && good.value > 0.85);
    CHECK(bad.value < good.value - 0.2);
    free(xa), free(xb);
}

/* ---------- feature extractors and distances ---------- */
static void test_features(void)
{
    enum { C = 2, L = 64, N = 3 };
    float x[N * C * L], f[N * C * 12];
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++)
            for (int t = 0; t < L; t++) /* lead 0: a sine of period 16; lead 1: alternating +-1 */
                x[(i * C + c) * L + t] = c == 0 ? (float)((i + 1) * sin(2 * 3.14159265358979323846 * (t + 0.5) / 16)) : (t % 2 ? 1.f : -1.f);
    tgdp_feature_extractor fe;
    CHECK(tgdp_ecg_stat_features(&fe, C, L, NULL) == TGDP_OK);
    CHECK(fe.dim == C * 12 && fe.in_dim == C * L);
    CHECK(tgdp_features(&fe, N, C * L, x, f, NULL) == TGDP_OK);
    const float *s0 = f + 1 * C * 12, *s1 = f + 1 * C * 12 + 12; /* window 1 (amplitude 2) */
    CHECK_CLOSE(s0[0], 2 / sqrt(2.0), 1e-4, 1e-4); /* std */
    CHECK_CLOSE(s0[4], 0, 1e-4, 0);                 /* skewness */
    CHECK_CLOSE(s0[5], -1.5, 1e-3, 0);              /* excess kurtosis of a sine */
    CHECK_CLOSE(s0[6], 7.0 / 63.0, 1e-6, 0);        /* 8 crossings at the half periods, 7 inside */
    CHECK_CLOSE(s1[0], 1, 1e-6, 0);
    CHECK_CLOSE(s1[6], 1, 1e-6, 0);                 /* crosses at every sample */
    CHECK_CLOSE(s1[7], 1, 1e-6, 0);                 /* all energy in the finest Haar detail */
    double share = 0;
    for (int k = 7; k < 12; k++) share += s0[k];
    CHECK(share > 0.5 && share <= 1 + 1e-6 && s0[10] > s0[7]); /* the sine sits at level 4 (period 16) */
    tgdp_error e;
    CHECK(tgdp_features(&fe, N, C * L + 1, x, f, &e) == TGDP_EINVAL);
    tgdp_feature_extractor_free(&fe);

    /* penultimate features of an MLP: its last hidden width, equal to a manual forward */
    tgdp_eval_classifier_opts o;
    tgdp_eval_classifier_opts_default(&o);
    o.n_hidden = 2;
    o.hidden[0] = 16;
    o.hidden[1] = 5;
    tgdp_net net;
    CHECK(tgdp_eval_classifier_create(&net, &o, C * L, 3, 1, NULL) == TGDP_OK);
    CHECK(tgdp_net_features(&fe, &net, NULL) == TGDP_OK);
    CHECK(fe.dim == 5);
    float pf[N * 5], logits[N * 3];
    CHECK(tgdp_features(&fe, N, C * L, x, pf, NULL) == TGDP_OK);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    CHECK(tgdp_net_eval(&net, &ar, N, x, NULL, NULL, logits, NULL) == TGDP_OK);
    tgdp_arena_free(&ar);
    /* logits = W_last pf + b_last */
    int wi = tgdp_params_find(&net.p, "layers.2.weight"), bi = tgdp_params_find(&net.p, "layers.2.bias");
    CHECK(wi >= 0 && bi >= 0);
    double maxd = 0;
    for (int i = 0; i < N && wi >= 0 && bi >= 0; i++)
        for (int k = 0; k < 3; k++) {
            double s = net.p.w[net.p.info[bi].off + k];
            for (int j = 0; j < 5; j++) s += net.p.w[net.p.info[wi].off + k * 5 + j] * pf[i * 5 + j];
            maxd = fmax(maxd, fabs(s - logits[i * 3 + k]));
        }
    CHECKF(maxd < 1e-4, "penultimate features do not reproduce the logits (%g)", maxd);
    tgdp_feature_extractor_free(&fe);
    tgdp_net_free(&net);
}

static void test_feature_distances(void)
{
    enum { C = 2, L = 32, N = 200 };
    float *a = malloc(sizeof(float) * N * C * L), *b = malloc(sizeof(float) * N * C * L),
          *c = malloc(sizeof(float) * N * C * L);
    tgdp_rng r = tgdp_rng_new(9);
    for (int i = 0; i < N * C * L; i++) {
        a[i] = (float)tgdp_rng_normal(&r);
        b[i] = (float)tgdp_rng_normal(&r);
        c[i] = 1.5f * (float)tgdp_rng_normal(&r) + 0.5f * (float)sin(i * 0.3);
    }
    tgdp_feature_extractor fe;
    CHECK(tgdp_ecg_stat_features(&fe, C, L, NULL) == TGDP_OK);
    tgdp_eval_set A = {N, C * L, a, 0, NULL, NULL}, B = {N, C * L, b, 0, NULL, NULL}, Cs = {N, C * L, c, 0, NULL, NULL};
    tgdp_feature_distance same, diff, self;
    CHECK(tgdp_feature_distances(&fe, &B, &A, 0, 1, &same, NULL) == TGDP_OK);
    CHECK(tgdp_feature_distances(&fe, &Cs, &A, 0, 1, &diff, NULL) == TGDP_OK);
    CHECK(tgdp_feature_distances(&fe, &A, &A, 0, 1, &self, NULL) == TGDP_OK);
    printf("feature distances: same %.3f / %.4f, different %.3f / %.4f (Frechet / MMD^2)\n", same.frechet, same.mmd2,
           diff.frechet, diff.mmd2);
    CHECK(same.dim == 24 && same.bandwidth > 0);
    CHECKF(fabs(self.frechet) < 1e-6, "identical sets: Frechet %g", self.frechet);
    CHECKF(diff.frechet > 5 * same.frechet, "Frechet: different %g vs same %g", diff.frechet, same.frechet);
    CHECKF(diff.mmd2 > 0.05 && fabs(same.mmd2) < 0.02, "MMD^2: different %g vs same %g", diff.mmd2, same.mmd2);
    tgdp_feature_extractor_free(&fe);
    free(a), free(b), free(c);
}

/* identity features: the window itself */
static int identity_features(void *ctx, int64_t n, const float *x, float *out, tgdp_error *err)
{
    (void)err;
    const int F = *(const int *)ctx;
    memcpy(out, x, (size_t)n * F * sizeof *out);
    return TGDP_OK;
}

/* a feature that is almost constant over the real windows (a nearly dead unit) must not turn a
 * tiny absolute difference into a distance of millions (seen on small ECG folds) */
static void test_feature_distance_dead_feature(void)
{
    enum { F = 8, N = 60 };
    static float real[N * F], gen[N * F];
    tgdp_rng r = tgdp_rng_new(4);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < F; j++) {
            real[i * F + j] = (float)tgdp_rng_normal(&r);
            gen[i * F + j] = (float)tgdp_rng_normal(&r);
        }
    for (int i = 0; i < N; i++) { /* feature 0: sd 1e-4 over the real set, 0.05 away in the generated one */
        real[i * F] = 1e-4f * (float)tgdp_rng_normal(&r);
        gen[i * F] = 0.05f + 1e-4f * (float)tgdp_rng_normal(&r);
    }
    int dim = F;
    tgdp_feature_extractor fe = {identity_features, &dim, NULL, F, F, "identity"};
    tgdp_eval_set G = {N, F, gen, 0, NULL, NULL}, R = {N, F, real, 0, NULL, NULL};
    tgdp_feature_distance fd;
    CHECK(tgdp_feature_distances(&fe, &G, &R, 0, 1, &fd, NULL) == TGDP_OK);
    /* unfloored, feature 0 alone contributes (0.05 / 1e-4)^2 = 250000; with the floor at a tenth of
     * the median sd (about 0.1) it contributes about (0.05 / 0.1)^2 + the other features' noise */
    printf("feature distance with a nearly dead feature: Frechet %.3f\n", fd.frechet);
    CHECKF(fd.frechet > 0.1 && fd.frechet < 10, "Frechet %g", fd.frechet);
}

/* ---------- k-fold driver and aggregation ---------- */
static void progress_count(void *ctx, int done, int total, const tgdp_ecg_eval_result *last)
{
    (void)last;
    int *calls = ctx;
    if (done == total) calls[1] = 1;
    calls[0]++;
}

static void test_kfold_eval(void)
{
    enum { C = 2, L = 16, D = C * L, NR = 160, NG = 120, NS = 200, K = 2 };
    float *xr = malloc(sizeof(float) * NR * D), *xg = malloc(sizeof(float) * NG * D), *xs = malloc(sizeof(float) * NS * D);
    int64_t rec[NR], lr[NR * K], lg[NG * K], ls[NS * K];
    tgdp_rng r = tgdp_rng_new(2);
    gauss_set(&r, NR, D, 0, 100, xr, rec, K, lr);
    gauss_set(&r, NG, D, 0.3f, 0, xg, NULL, K, lg);
    gauss_set(&r, NS, D, 0, 0, xs, NULL, K, ls);
    tgdp_eval_set real = {NR, D, xr, K, lr, rec}, gen = {NG, D, xg, K, lg, NULL}, src = {NS, D, xs, K, ls, NULL};
    tgdp_ecg_eval_config cfg;
    tgdp_ecg_eval_config_default(&cfg);
    CHECK(tgdp_ecg_eval_config_arch(&cfg, "mlp", NULL) == TGDP_OK);
    cfg.c2st = small_c2st();
    cfg.tstr.n_hidden = 1;
    cfg.tstr.hidden[0] = 16;
    cfg.tstr.steps = 150;
    cfg.tstr.lr = 3e-3;
    cfg.seed = 7;
    cfg.tstr.n_leads = C; /* the realism metrics read lead II of [C, L] windows */
    cfg.util.cls.width = 8; /* a small utility classifier (resnet1d over [C, L]) */
    cfg.util.cls.steps = 40;
    cfg.util.n_boot = 50;
    tgdp_eval_classifier_opts fo = cfg.tstr;
    tgdp_feature_extractor fe;
    CHECK(tgdp_source_features(&fe, &src, &fo, NULL) == TGDP_OK);
    CHECK(fe.dim == 16);
    tgdp_ecg_eval_result res[3 * 2];
    int calls[2] = {0, 0};
    double t0 = now();
    CHECK(tgdp_ecg_eval_kfold(&cfg, &real, &gen, &fe, 3, 2, res, progress_count, calls, NULL) == TGDP_OK);
    printf("k-fold evaluation, 3 folds x 2 seeds: %.2f s\n", now() - t0);
    CHECK(calls[0] == 6 && calls[1] == 1);
    int64_t tested = 0;
    int all = 1;
    for (int i = 0; i < 6; i++) {
        all &= isfinite(res[i].c2st_auroc) && isfinite(res[i].feature_distance) && isfinite(res[i].mmd2) &&
               isfinite(res[i].tstr_macro_auroc) && isfinite(res[i].trtr_macro_auroc);
        all &= res[i].fold == i % 3 && res[i].seed == 7 + (uint64_t)(i / 3);
        all &= res[i].n_real_test + res[i].n_real_train == NR && res[i].n_gen == NG;
        if (i < 3) tested += res[i].n_real_test;
    }
    CHECK(all);
    CHECK(tested == NR); /* every real window tested exactly once per seed */
    tgdp_ecg_eval_summary sm;
    tgdp_ecg_eval_summarize(res, 6, &sm);
    const tgdp_stat *st = sm.m;
    CHECK(st[TGDP_EM_C2ST_AUROC].n == 6 && st[TGDP_EM_TSTR_MACRO_AUROC].n == 6 && st[TGDP_EM_C2ST_AUROC].sd >= 0);
    printf("summary: c2st %.3f +- %.3f, frechet %.3f +- %.3f, mmd2 %.4f +- %.4f, tstr %.3f +- %.3f, trtr %.3f +- %.3f\n",
           st[TGDP_EM_C2ST_AUROC].mean, st[TGDP_EM_C2ST_AUROC].sd, st[TGDP_EM_FEATURE_DISTANCE].mean,
           st[TGDP_EM_FEATURE_DISTANCE].sd, st[TGDP_EM_MMD2].mean, st[TGDP_EM_MMD2].sd, st[TGDP_EM_TSTR_MACRO_AUROC].mean,
           st[TGDP_EM_TSTR_MACRO_AUROC].sd, st[TGDP_EM_TRTR_MACRO_AUROC].mean, st[TGDP_EM_TRTR_MACRO_AUROC].sd);
    CHECK(st[TGDP_EM_TRTR_MACRO_AUROC].mean > 0.7);
    /* Gaussian "windows" have no beats; their high-frequency share is that of white noise */
    CHECK(st[TGDP_EM_BEAT_FRACTION].n == 6 && st[TGDP_EM_BEAT_FRACTION].mean == 0 && st[TGDP_EM_REAL_BEAT_FRACTION].mean == 0);
    CHECK(st[TGDP_EM_HR_W1].n == 0 && st[TGDP_EM_RR_CV].n == 0);
    CHECKF(fabs(st[TGDP_EM_HF_NOISE_RATIO].mean - 1) < 0.2, "hf_noise_ratio %g", st[TGDP_EM_HF_NOISE_RATIO].mean);
    for (int m = 0; m < TGDP_EM_COUNT; m++) {
        CHECK(tgdp_ecg_metric_key(m) && tgdp_ecg_metric_help(m));
        double v = tgdp_ecg_metric_value(&res[0], m);
        CHECK(v == v || m == TGDP_EM_HR_W1 || m == TGDP_EM_RR_CV || m == TGDP_EM_REAL_RR_CV);
    }
    CHECK(strcmp(tgdp_ecg_metric_key(TGDP_EM_HF_NOISE_RATIO), "hf_noise_ratio") == 0 && !tgdp_ecg_metric_key(TGDP_EM_COUNT));
    /* utility: both classifiers in every fold, the pooled interval around the mean */
    for (int m = TGDP_EM_AUG_MACRO_AUROC; m < TGDP_EM_COUNT; m++) {
        CHECKF(st[m].n == 6 && sm.lo[m] <= st[m].mean && st[m].mean <= sm.hi[m] && sm.lo[m] < sm.hi[m],
               "%s: %g [%g, %g] n %d", tgdp_ecg_metric_key(m), st[m].mean, sm.lo[m], sm.hi[m], st[m].n);
    }
    CHECK(isnan(sm.lo[TGDP_EM_C2ST_AUROC]) && res[0].aug.n_train == res[0].n_real_train + NG);
    printf("utility: aug AUROC %.3f [%.3f, %.3f], real only %.3f [%.3f, %.3f]\n", st[TGDP_EM_AUG_MACRO_AUROC].mean,
           sm.lo[TGDP_EM_AUG_MACRO_AUROC], sm.hi[TGDP_EM_AUG_MACRO_AUROC], st[TGDP_EM_REAL_ONLY_MACRO_AUROC].mean,
           sm.lo[TGDP_EM_REAL_ONLY_MACRO_AUROC], sm.hi[TGDP_EM_REAL_ONLY_MACRO_AUROC]);
    /* generated windows without labels: TSTR not computed (NaN), the rest is */
    tgdp_eval_set gen_nl = {NG, D, xg, 0, NULL, NULL};
    CHECK(tgdp_ecg_eval_kfold(&cfg, &real, &gen_nl, NULL, 2, 1, res, NULL, NULL, NULL) == TGDP_OK);
    CHECK(isnan(res[0].tstr_macro_auroc) && isnan(res[0].feature_distance) && isfinite(res[0].c2st_auroc));
    tgdp_feature_extractor_free(&fe);
    free(xr), free(xg), free(xs);

    /* aggregation: NaN skipped, sample standard deviation */
    double v[5] = {1, 2, NAN, 3, 6};
    tgdp_stat s = tgdp_stat_of(v, 5);
    CHECK(s.n == 4);
    CHECK_CLOSE(s.mean, 3, 1e-12, 0);
    CHECK_CLOSE(s.sd, sqrt(14.0 / 3.0), 1e-12, 0);
    s = tgdp_stat_of(v, 1);
    CHECK(s.n == 1 && s.sd == 0);
    s = tgdp_stat_of(v + 2, 1);
    CHECK(s.n == 0 && isnan(s.mean));
}

int main(void)
{
    double t0 = now();
    test_auroc();
    test_macro_auroc();
    test_kfold();
    test_sets();
    test_sym_eig();
    test_frechet();
    test_c2st();
    test_tstr();
    test_features();
    test_feature_distances();
    test_feature_distance_dead_feature();
    test_kfold_eval();
    printf("total %.2f s\n", now() - t0);
    TEST_MAIN_END();
}

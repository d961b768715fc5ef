/* Frechet distance between Gaussian fits, with a symmetric eigen-solver (Householder
 * tridiagonalisation + implicit QL) for the matrix square roots: no LAPACK needed, accurate to
 * round-off, any rank. */
#include "tgdp/ecg_eval.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Element (i, j) of the n x n matrix V stored column-major: every O(n^3) loop below runs over
 * the first index, so it walks memory contiguously. */
#define M(i, j) V[(size_t)(j) * n + (i)]

/* Householder reduction of the symmetric matrix in V to tridiagonal form: diagonal d,
 * subdiagonal e (e[0] = 0), V the orthogonal transformation (EISPACK tred2, in the formulation
 * of the public-domain JAMA library). */
static void tred2(int n, double *V, double *d, double *e)
{
    for (int j = 0; j < n; j++) d[j] = M(n - 1, j);
    for (int i = n - 1; i > 0; i--) {
        double scale = 0, h = 0;
        for (int k = 0; k < i; k++) scale += fabs(d[k]);
        if (scale == 0) {
            e[i] = d[i - 1];
            for (int j = 0; j < i; j++) {
                d[j] = M(i - 1, j);
                M(i, j) = 0;
                M(j, i) = 0;
            }
        } else {
            for (int k = 0; k < i; k++) {
                d[k] /= scale;
                h += d[k] * d[k];
            }
            double f = d[i - 1], g = sqrt(h);
            if (f > 0) g = -g;
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            for (int j = 0; j < i; j++) e[j] = 0;
            for (int j = 0; j < i; j++) {
                f = d[j];
                M(j, i) = f;
                g = e[j] + M(j, j) * f;
                for (int k = j + 1; k <= i - 1; k++) {
                    g += M(k, j) * d[k];
                    e[k] += M(k, j) * f;
                }
                e[j] = g;
            }
            f = 0;
            for (int j = 0; j < i; j++) {
                e[j] /= h;
                f += e[j] * d[j];
            }
            double hh = f / (h + h);
            for (int j = 0; j < i; j++) e[j] -= hh * d[j];
            for (int j = 0; j < i; j++) {
                f = d[j];
                g = e[j];
                for (int k = j; k <= i - 1; k++) M(k, j) -= f * e[k] + g * d[k];
                d[j] = M(i - 1, j);
                M(i, j) = 0;
            }
        }
        d[i] = h;
    }
    for (int i = 0; i < n - 1; i++) { /* accumulate the transformations */
        M(n - 1, i) = M(i, i);
        M(i, i) = 1;
        double h = d[i + 1];
        if (h != 0) {
            for (int k = 0; k <= i; k++) d[k] = M(k, i + 1) / h;
            for (int j = 0; j <= i; j++) {
                double g = 0;
                for (int k = 0; k <= i; k++) g += M(k, i + 1) * M(k, j);
                for (int k = 0; k <= i; k++) M(k, j) -= g * d[k];
            }
        }
        for (int k = 0; k <= i; k++) M(k, i + 1) = 0;
    }
    for (int j = 0; j < n; j++) {
        d[j] = M(n - 1, j);
        M(n - 1, j) = 0;
    }
    M(n - 1, n - 1) = 1;
    e[0] = 0;
}

/* Implicit QL iterations on the tridiagonal (d, e) from tred2, accumulating into V; d gets the
 * eigenvalues (unsorted), V's columns the eigenvectors (EISPACK tql2, as in JAMA). Returns 0, or
 * -1 when an eigenvalue needs more than 100 iterations. */
static int tql2(int n, double *V, double *d, double *e)
{
    for (int i = 1; i < n; i++) e[i - 1] = e[i];
    e[n - 1] = 0;
    double f = 0, tst1 = 0;
    const double eps = 2.220446049250313e-16;
    for (int l = 0; l < n; l++) {
        tst1 = fmax(tst1, fabs(d[l]) + fabs(e[l]));
        int m = l;
        while (m < n - 1 && fabs(e[m]) > eps * tst1) m++; /* e[n-1] = 0 ends the search */
        if (m > l) {
            int iter = 0;
            do {
                if (++iter > 100) return -1;
                double g = d[l], p = (d[l + 1] - g) / (2 * e[l]), r = hypot(p, 1.0);
                if (p < 0) r = -r;
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                double dl1 = d[l + 1], h = g - d[l];
                for (int i = l + 2; i < n; i++) d[i] -= h;
                f += h;
                p = d[m];
                double c = 1, c2 = 1, c3 = 1, el1 = e[l + 1], s = 0, s2 = 0;
                for (int i = m - 1; i >= l; i--) {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    g = c * e[i];
                    h = c * p;
                    r = hypot(p, e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    for (int k = 0; k < n; k++) {
                        h = M(k, i + 1);
                        M(k, i + 1) = s * M(k, i) + c * h;
                        M(k, i) = c * M(k, i) - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
            } while (fabs(e[l]) > eps * tst1);
        }
        d[l] += f;
        e[l] = 0;
    }
    return 0;
}

int tgdp_sym_eig(int n, double *A, double *w, double *V, tgdp_error *err)
{
    if (n < 1 || !A || !w) return tgdp_fail(err, TGDP_EINVAL, "eigen: invalid arguments (n = %d)", n);
    const size_t N = (size_t)n;
    for (size_t i = 0; i < N * N; i++)
        if (!isfinite(A[i])) return tgdp_fail(err, TGDP_ENONFINITE, "eigen: matrix entry %zu is not finite", i);
    for (size_t i = 0; i < N; i++) /* use the symmetric part */
        for (size_t j = 0; j < i; j++) A[i * N + j] = A[j * N + i] = 0.5 * (A[i * N + j] + A[j * N + i]);
    double *e = malloc(N * sizeof *e);
    if (!e) return tgdp_fail(err, TGDP_ENOMEM, "eigen: out of memory (n = %d)", n);
    tred2(n, A, w, e);
    int rc = tql2(n, A, w, e);
    free(e);
    if (rc) return tgdp_fail(err, TGDP_EINVAL, "eigen: QL iterations did not converge (n = %d)", n);
    /* sort ascending (selection sort; A holds the eigenvectors column-major, i.e. as rows) */
    for (size_t i = 0; i < N; i++) {
        size_t m = i;
        for (size_t j = i + 1; j < N; j++)
            if (w[j] < w[m]) m = j;
        if (m == i) continue;
        double t = w[i];
        w[i] = w[m];
        w[m] = t;
        for (size_t r = 0; r < N; r++) {
            t = A[i * N + r];
            A[i * N + r] = A[m * N + r];
            A[m * N + r] = t;
        }
    }
    if (V) /* row-major, eigenvector j in column j */
        for (size_t r = 0; r < N; r++)
            for (size_t c = 0; c < N; c++) V[r * N + c] = A[c * N + r];
    return TGDP_OK;
}
#undef M

/* out = V diag(f(w)) V^T with f(w) = sqrt(max(w, 0)); U: n*n scratch */
static void sym_sqrt_from(int n, const double *V, const double *w, double *U, double *out)
{
    const size_t N = (size_t)n;
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < N; k++) U[i * N + k] = V[i * N + k] * (w[k] > 0 ? sqrt(w[k]) : 0.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, U, n, V, n, 0.0, out, n); /* U V^T */
}

int tgdp_frechet_gaussian(int F, const double *mu1, const double *S1, const double *mu2, const double *S2,
                          double *out, tgdp_error *err)
{
    if (F < 1 || !mu1 || !S1 || !mu2 || !S2 || !out) return tgdp_fail(err, TGDP_EINVAL, "frechet: invalid arguments");
    const size_t N = (size_t)F;
    double *A = malloc(N * N * sizeof *A), *V = malloc(N * N * sizeof *V), *R = malloc(N * N * sizeof *R);
    double *T = malloc(N * N * sizeof *T), *w = malloc(N * sizeof *w);
    int rc = TGDP_OK;
    if (!A || !V || !R || !T || !w) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "frechet: cannot allocate %d x %d matrices", F, F);
        goto done;
    }
    double dmu = 0, tr = 0;
    for (size_t i = 0; i < N; i++) {
        double d = mu1[i] - mu2[i];
        dmu += d * d;
        tr += S1[i * N + i] + S2[i * N + i];
    }
    memcpy(A, S1, N * N * sizeof *A);
    if ((rc = tgdp_sym_eig(F, A, w, V, err))) goto done;
    sym_sqrt_from(F, V, w, T, R); /* R = S1^1/2 */
    /* T = S2 R, A = R T = S1^1/2 S2 S1^1/2 (symmetric PSD) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, F, F, 1.0, S2, F, R, F, 0.0, T, F);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, F, F, 1.0, R, F, T, F, 0.0, A, F);
    if ((rc = tgdp_sym_eig(F, A, w, NULL, err))) goto done;
    double trsq = 0;
    for (size_t i = 0; i < N; i++) trsq += w[i] > 0 ? sqrt(w[i]) : 0.0;
    *out = dmu + tr - 2 * trsq;
    if (*out < 0 && *out > -1e-9 * (tr + dmu + 1e-300)) *out = 0; /* round-off of equal Gaussians */
done:
    free(A), free(V), free(R), free(T), free(w);
    return rc;
}

#define MOMENT_ROWS 256

/* mean [F] and covariance [F, F] (n - 1) of x [n, F]; c: MOMENT_ROWS * F doubles of scratch */
static void moments(int64_t n, int F, const float *x, double *mu, double *S, double *c)
{
    const size_t N = (size_t)F;
    for (size_t j = 0; j < N; j++) mu[j] = 0;
    for (int64_t i = 0; i < n; i++)
        for (size_t j = 0; j < N; j++) mu[j] += x[(size_t)i * N + j];
    for (size_t j = 0; j < N; j++) mu[j] /= (double)n;
    memset(S, 0, N * N * sizeof *S);
    for (int64_t i0 = 0; i0 < n; i0 += MOMENT_ROWS) { /* S += C^T C over chunks of centred rows */
        int b = (int)(n - i0 < MOMENT_ROWS ? n - i0 : MOMENT_ROWS);
        for (int i = 0; i < b; i++)
            for (size_t j = 0; j < N; j++) c[(size_t)i * N + j] = x[(size_t)(i0 + i) * N + j] - mu[j];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, F, F, b, 1.0, c, F, c, F, 1.0, S, F);
    }
    for (size_t a = 0; a < N; a++)
        for (size_t b = a; b < N; b++) S[b * N + a] = S[a * N + b] = 0.5 * (S[a * N + b] + S[b * N + a]) / (double)(n - 1);
}

int tgdp_frechet_distance(int64_t n, int64_t m, int F, const float *x, const float *y, double *out, tgdp_error *err)
{
    if (n < 2 || m < 2 || F < 1 || !x || !y || !out)
        return tgdp_fail(err, TGDP_EINVAL, "frechet: needs at least 2 rows per set and F >= 1 (n %lld, m %lld, F %d)",
                         (long long)n, (long long)m, F);
    int rc = tgdp_check_finite(x, (size_t)n * F, "frechet: first set", err);
    if (!rc) rc = tgdp_check_finite(y, (size_t)m * F, "frechet: second set", err);
    if (rc) return rc;
    const size_t N = (size_t)F;
    double *mu1 = malloc(N * sizeof(double)), *mu2 = malloc(N * sizeof(double));
    double *S1 = malloc(N * N * sizeof(double)), *S2 = malloc(N * N * sizeof(double));
    double *c = malloc((size_t)MOMENT_ROWS * N * sizeof(double));
    if (!mu1 || !mu2 || !S1 || !S2 || !c) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "frechet: out of memory for F = %d", F);
    } else {
        moments(n, F, x, mu1, S1, c);
        moments(m, F, y, mu2, S2, c);
        rc = tgdp_frechet_gaussian(F, mu1, S1, mu2, S2, out, err);
    }
    free(mu1), free(mu2), free(S1), free(S2), free(c);
    return rc;
}

/* The one finite-difference harness of the engine, model and method tests.
 *
 * A case is a graph builder y = f(x; P) over an input x [B, C, L] and parameters P. Against
 * central finite differences computed from first-order evaluations only, fd_check verifies
 *   first order:  dS/dx and dS/dP for S = sum_k c_k y_k (c random),
 *   second order: d(v . grad_x S)/dP and H v = grad_x (v . grad_x S) for a random v
 *                 (the tangent pass and its backward), and that the tangent of S is v . grad_x S.
 * Each entry's tolerance is scaled by the largest analytic value of its own tensor (the input,
 * or one parameter tensor), so a wrong gradient of a small bias cannot hide behind the largest
 * gradient of the network; an absolute floor of 1e-4 times the largest gradient of all absorbs
 * float rounding of the differences. fd_compare does the same for any analytic gradient of any
 * scalar function of P (e.g. a training loss with its penalties). */
#ifndef TGDP_FD_HARNESS_H
#define TGDP_FD_HARNESS_H

#include "testutil.h"
#include "tgdp/nn.h"

#include <string.h>

typedef int (*fd_build_fn)(tgdp_graph *gr, tgdp_params *P, int x, void *ctx);

typedef struct fd_case {
    const char *name;
    fd_build_fn build;
    void *ctx;
    tgdp_params *P;
    float *x;
    int64_t B, C, L;
    double eps, tol;      /* step and relative tolerance; 0: 2e-3 and 1e-2 */
    int stride1, stride2; /* check every stride-th parameter entry (first, second order); 0: all */
    int second_order;
    tgdp_arena *arena;
    /* internal */
    float *c;
    size_t ny;
} fd_case;

static inline double fd_max_abs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

/* S = sum_k c_k y_k; optionally backward (parameter gradients into P->g, input gradient into xg) */
static inline double fd_eval_S(fd_case *h, float *xg, int param_grads)
{
    tgdp_graph gr;
    tgdp_arena_reset(h->arena);
    tgdp_graph_init(&gr, h->arena);
    int x = tgdp_input(&gr, h->x, h->B, h->C, h->L, 1);
    int y = h->build(&gr, h->P, x, h->ctx);
    if (y < 0) {
        fprintf(stderr, "%s: build failed: %s\n", h->name, gr.err.msg);
        exit(2);
    }
    h->ny = gr.nodes[y].n;
    if (!h->c) return 0;
    double s = 0;
    for (size_t k = 0; k < h->ny; k++) s += (double)h->c[k] * gr.nodes[y].v[k];
    if (xg || param_grads) {
        tgdp_graph_backward(&gr, y, h->c, NULL, param_grads);
        if (xg) memcpy(xg, gr.nodes[x].g, gr.nodes[x].n * sizeof(float));
    }
    return s;
}

/* F = v . grad_x S from the first-order machinery only */
static inline double fd_eval_F(fd_case *h, const float *v)
{
    const size_t nx = (size_t)(h->B * h->C * h->L);
    float *xg = malloc(nx * sizeof *xg);
    fd_eval_S(h, xg, 0);
    double f = 0;
    for (size_t i = 0; i < nx; i++) f += (double)v[i] * xg[i];
    free(xg);
    return f;
}

/* One tensor's entries: analytic a[j] against the central difference of fn around w[j]; scale is
 * the tensor's own largest |a|. Returns the number of disagreeing entries (the first few printed). */
typedef double (*fd_value_fn)(void *ctx);

static inline int fd_tensor(const char *name, const char *what, float *w, const float *a, size_t n, size_t stride,
                            double eps, double tol, double floor_abs, fd_value_fn fn, void *ctx)
{
    const double scale = fd_max_abs(a, n);
    int bad = 0;
    for (size_t j = 0; j < n; j += stride) {
        const float o = w[j];
        w[j] = o + (float)eps;
        const double p = fn(ctx);
        w[j] = o - (float)eps;
        const double m = fn(ctx);
        w[j] = o;
        const double fd = (p - m) / (2 * eps);
        if (fabs(a[j] - fd) > tol * (scale + fabs(fd)) + floor_abs && bad++ < 5)
            fprintf(stderr, "%s: %s[%zu] analytic %.7g vs finite difference %.7g (tensor scale %.3g)\n", name, what, j,
                    (double)a[j], fd, scale);
    }
    return bad;
}

typedef struct {
    fd_case *h;
    const float *v; /* NULL: S, else F = v . grad_x S */
} fd_fn_ctx;

static inline double fd_value(void *ctx)
{
    fd_fn_ctx *f = ctx;
    return f->v ? fd_eval_F(f->h, f->v) : fd_eval_S(f->h, NULL, 0);
}

/* every parameter tensor of P: analytic g (P->n) against fn's differences */
static inline int fd_params(const char *name, tgdp_params *P, const float *g, size_t stride, double eps, double tol,
                            double floor_abs, fd_value_fn fn, void *ctx, int *checked)
{
    int bad = 0;
    for (int q = 0; q < P->count; q++) {
        bad += fd_tensor(name, P->info[q].name, P->w + P->info[q].off, g + P->info[q].off, P->info[q].n, stride, eps,
                         tol, floor_abs, fn, ctx);
        *checked += (int)((P->info[q].n + stride - 1) / stride);
    }
    return bad;
}

static inline void fd_check(fd_case *h)
{
    const double eps = h->eps > 0 ? h->eps : 2e-3, tol = h->tol > 0 ? h->tol : 1e-2;
    const size_t s1 = h->stride1 > 0 ? (size_t)h->stride1 : 1, s2 = h->stride2 > 0 ? (size_t)h->stride2 : 1;
    tgdp_params *P = h->P;
    const size_t nx = (size_t)(h->B * h->C * h->L);
    tgdp_rng rng = tgdp_rng_new(99);
    fd_eval_S(h, NULL, 0); /* learn ny */
    h->c = malloc(h->ny * sizeof(float));
    tgdp_rng_fill_normal(&rng, h->c, h->ny, 0, 1);
    float *gx = calloc(nx, sizeof(float)), *gp = calloc(P->n + 1, sizeof(float));
    tgdp_params_zero_grad(P);
    fd_eval_S(h, gx, 1);
    memcpy(gp, P->g, P->n * sizeof(float));
    double floor_abs = 1e-4 * fmax(fd_max_abs(gp, P->n), fd_max_abs(gx, nx));
    fd_fn_ctx S = {h, NULL};
    int checked = 0;
    int bad = fd_tensor(h->name, "dS/dx", h->x, gx, nx, 1, eps, tol, floor_abs, fd_value, &S);
    bad += fd_params(h->name, P, gp, s1, eps, tol, floor_abs, fd_value, &S, &checked);
    CHECKF(bad == 0, "%s: %d first-order gradient entries disagree with finite differences", h->name, bad);
    CHECKF(checked > 0, "%s: no parameter checked", h->name);
    if (h->second_order) {
        float *v = malloc(nx * sizeof *v), *hv = malloc(nx * sizeof *hv);
        tgdp_rng_fill_normal(&rng, v, nx, 0, 1);
        tgdp_graph gr;
        tgdp_arena_reset(h->arena);
        tgdp_graph_init(&gr, h->arena);
        int x = tgdp_input(&gr, h->x, h->B, h->C, h->L, 1);
        int y = h->build(&gr, P, x, h->ctx);
        CHECK(y >= 0 && tgdp_graph_tangent(&gr, x, v) == TGDP_OK);
        double dir = 0;
        for (size_t k = 0; k < h->ny; k++) dir += (double)h->c[k] * (gr.nodes[y].dv ? gr.nodes[y].dv[k] : 0.0f);
        tgdp_params_zero_grad(P);
        CHECK(tgdp_graph_backward(&gr, y, NULL, h->c, 1) == TGDP_OK);
        memcpy(hv, gr.nodes[x].g, nx * sizeof(float));
        memcpy(gp, P->g, P->n * sizeof(float));
        const double F0 = fd_eval_F(h, v);
        CHECKF(fabs(dir - F0) <= 1e-4 * (fabs(F0) + 1e-3), "%s: tangent %.7g vs v.grad_x S %.7g", h->name, dir, F0);
        CHECKF(fd_max_abs(gp, P->n) > 0, "%s: second-order parameter gradient is identically zero", h->name);
        floor_abs = 1e-4 * fmax(fd_max_abs(gp, P->n), fd_max_abs(hv, nx));
        fd_fn_ctx F = {h, v};
        checked = 0;
        bad = fd_params(h->name, P, gp, s2, eps, 2 * tol, floor_abs, fd_value, &F, &checked);
        bad += fd_tensor(h->name, "Hv", h->x, hv, nx, 1, eps, 2 * tol, floor_abs, fd_value, &F);
        CHECKF(bad == 0, "%s: %d second-order entries disagree with finite differences", h->name, bad);
        free(v);
        free(hv);
    }
    free(gx);
    free(gp);
    free(h->c);
    h->c = NULL;
}

#endif

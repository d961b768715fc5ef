/* Core: RNG determinism on 1 and 2 threads, splitting, distributions; arena reuse. */
#include "testutil.h"
#include "tgdp/core.h"
#include <string.h>

static void test_rng_threads(void)
{
    enum { N = 200003 };
    float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    tgdp_rng r1 = tgdp_rng_new(42), r2 = tgdp_rng_new(42);
    tgdp_set_threads(1);
    tgdp_rng_fill_normal(&r1, a, N, 0, 1);
    tgdp_set_threads(2);
    tgdp_rng_fill_normal(&r2, b, N, 0, 1);
    CHECK(memcmp(a, b, N * sizeof *a) == 0);
    CHECK(r1.ctr == r2.ctr);
    tgdp_set_threads(1);
    tgdp_rng_fill_uniform(&r1, a, N, -1, 3);
    tgdp_set_threads(2);
    tgdp_rng_fill_uniform(&r2, b, N, -1, 3);
    CHECK(memcmp(a, b, N * sizeof *a) == 0);
    /* moments */
    double s = 0, s2 = 0, mn = 1e9, mx = -1e9;
    for (int i = 0; i < N; i++) { s += a[i]; s2 += a[i] * a[i]; if (a[i] < mn) mn = a[i]; if (a[i] > mx) mx = a[i]; }
    CHECK_CLOSE(s / N, 1.0, 0.01, 0);
    CHECK(mn >= -1 && mx < 3);
    tgdp_rng_fill_normal(&r1, a, N, 2, 3);
    s = s2 = 0;
    for (int i = 0; i < N; i++) { s += a[i]; s2 += (double)a[i] * a[i]; }
    double mean = s / N, var = s2 / N - mean * mean;
    CHECK_CLOSE(mean, 2.0, 0.03, 0);
    CHECK_CLOSE(var, 9.0, 0.1, 0);
    /* a scalar draw sequence equals a fill from the same state */
    tgdp_rng r3 = tgdp_rng_new(7), r4 = tgdp_rng_new(7);
    float f[5];
    tgdp_rng_fill_normal(&r3, f, 5, 0, 1);
    for (int i = 0; i < 5; i++) CHECK_CLOSE(tgdp_rng_normal(&r4), f[i], 1e-6, 0);
    free(a);
    free(b);
}

static void test_rng_split(void)
{
    tgdp_rng p = tgdp_rng_new(1);
    tgdp_rng c1 = tgdp_rng_split(&p, 0), c2 = tgdp_rng_split(&p, 1), c1b = tgdp_rng_split(&p, 0);
    CHECK(tgdp_rng_u64(&c1) == tgdp_rng_u64(&c1b));
    CHECK(c1.key != c2.key);
    tgdp_rng q = tgdp_rng_new(2);
    CHECK(tgdp_rng_new(1).key != q.key);
    /* categorical frequencies */
    double p3[3] = {0.2, 0.0, 0.8};
    int cnt[3] = {0};
    for (int i = 0; i < 20000; i++) cnt[tgdp_rng_categorical(&p, p3, 3)]++;
    CHECK(cnt[1] == 0);
    CHECK_CLOSE(cnt[0] / 20000.0, 0.2, 0.015, 0);
    double z[2] = {0, 0};
    CHECK(tgdp_rng_categorical(&p, z, 2) == -1);
    /* permutation is a permutation */
    int64_t perm[1000];
    int seen[1000] = {0};
    tgdp_rng_permutation(&p, perm, 1000);
    int ok = 1, moved = 0;
    for (int i = 0; i < 1000; i++) {
        if (perm[i] < 0 || perm[i] >= 1000 || seen[perm[i]]++) ok = 0;
        if (perm[i] != i) moved++;
    }
    CHECK(ok);
    CHECK(moved > 900);
    for (int i = 0; i < 1000; i++) CHECK(tgdp_rng_below(&p, 7) < 7);
}

static void test_arena(void)
{
    tgdp_arena a;
    tgdp_arena_init(&a);
    for (int step = 0; step < 5; step++) {
        for (int k = 0; k < 40; k++) {
            float *p = tgdp_arena_floats(&a, 100000);
            CHECK(p != NULL && ((uintptr_t)p % 64) == 0);
            p[0] = 1;
            p[99999] = 2;
        }
        tgdp_arena_reset(&a);
        if (step == 0) { CHECK(a.n_mallocs >= 2); }
    }
    size_t after_warmup = a.n_mallocs;
    for (int k = 0; k < 40; k++) tgdp_arena_floats(&a, 100000);
    tgdp_arena_reset(&a);
    CHECK(a.n_mallocs == after_warmup);
    /* kids for work split over threads: kid 0 is the arena itself, the others are distinct,
     * kept when asked for fewer, grown when asked for more, and freed with the arena */
    CHECK(tgdp_arena_kids(&a, 3) == TGDP_OK && a.n_kids == 2);
    CHECK(tgdp_arena_kid(&a, 0) == &a && tgdp_arena_kid(&a, 1) != tgdp_arena_kid(&a, 2));
    float *k2 = tgdp_arena_floats(tgdp_arena_kid(&a, 2), 1000);
    CHECK(k2 != NULL && tgdp_arena_kid(&a, 2)->used_total >= 1000 * sizeof(float) && a.used_total == 0);
    CHECK(tgdp_arena_kids(&a, 2) == TGDP_OK && a.n_kids == 2);
    CHECK(tgdp_arena_kids(&a, 4) == TGDP_OK && a.n_kids == 3 && tgdp_arena_kid(&a, 2)->used_total >= 1000 * sizeof(float));
    tgdp_arena_free(&a);
    CHECK(a.n_kids == 0 && a.kids == NULL);
}

static void test_errors(void)
{
    tgdp_error e;
    CHECK(tgdp_fail(&e, TGDP_EFORMAT, "file %s: bad", "x.npy") == TGDP_EFORMAT);
    CHECK(strcmp(e.msg, "file x.npy: bad") == 0);
    tgdp_error_prefix(&e, "loading");
    CHECK(strcmp(e.msg, "loading: file x.npy: bad") == 0);
    size_t out;
    CHECK(!tgdp_mul_size(SIZE_MAX / 2, 3, &out));
    CHECK(tgdp_mul_size(3, 4, &out) && out == 12);
    float v[3] = {1, NAN, 2};
    CHECK(tgdp_check_finite(v, 3, "v", &e) == TGDP_ENONFINITE);
    CHECK(strstr(e.msg, "element 1") != NULL);
}

int main(void)
{
    test_rng_threads();
    test_rng_split();
    test_arena();
    test_errors();
    TEST_MAIN_END();
}

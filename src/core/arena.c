/* Bump allocator for the temporaries of one step (see core.h). */
#include "tgdp/core.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64
#define ARENA_MIN_BLOCK (1u << 20)

struct tgdp_arena_block {
    tgdp_arena_block *next;
    size_t cap, used;
    unsigned char *mem;
};

static tgdp_arena_block *block_new(size_t cap)
{
    tgdp_arena_block *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->mem = aligned_alloc(ARENA_ALIGN, cap);
    if (!b->mem) {
        free(b);
        return NULL;
    }
    b->cap = cap;
    b->used = 0;
    b->next = NULL;
    return b;
}

void tgdp_arena_init(tgdp_arena *a) { memset(a, 0, sizeof *a); }

void *tgdp_arena_alloc(tgdp_arena *a, size_t bytes)
{
    size_t need = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < bytes) return NULL;
    if (need == 0) need = ARENA_ALIGN;
    tgdp_arena_block *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_MIN_BLOCK ? need : ARENA_MIN_BLOCK;
        if (b && cap < 2 * b->cap) cap = 2 * b->cap;
        tgdp_arena_block *nb = block_new(cap);
        if (!nb) return NULL;
        nb->next = b;
        a->head = b = nb;
        a->n_mallocs++;
    }
    void *p = b->mem + b->used;
    b->used += need;
    a->used_total += need;
    if (a->used_total > a->peak) a->peak = a->used_total;
    return p;
}

float *tgdp_arena_floats(tgdp_arena *a, size_t n)
{
    size_t bytes;
    if (!tgdp_mul_size(n, sizeof(float), &bytes)) return NULL;
    return tgdp_arena_alloc(a, bytes);
}

float *tgdp_arena_zeros(tgdp_arena *a, size_t n)
{
    float *p = tgdp_arena_floats(a, n);
    if (p) memset(p, 0, n * sizeof(float));
    return p;
}

void tgdp_arena_reset(tgdp_arena *a)
{
    tgdp_arena_block *b = a->head;
    if (b && b->next) {
        /* More than one block was needed: replace them all by one block of the peak size,
         * so that the next step of the same shape needs no allocation. */
        size_t cap = a->peak + ARENA_ALIGN;
        while (b) {
            tgdp_arena_block *n = b->next;
            free(b->mem);
            free(b);
            b = n;
        }
        a->head = block_new(cap);
        if (a->head) a->n_mallocs++;
    } else if (b) {
        b->used = 0;
    }
    a->used_total = 0;
}

int tgdp_arena_kids(tgdp_arena *a, int n)
{
    if (n - 1 <= a->n_kids) return TGDP_OK;
    tgdp_arena *k = realloc(a->kids, (size_t)(n - 1) * sizeof *k);
    if (!k) return TGDP_ENOMEM;
    for (int i = a->n_kids; i < n - 1; i++) tgdp_arena_init(&k[i]);
    a->kids = k;
    a->n_kids = n - 1;
    return TGDP_OK;
}

tgdp_arena *tgdp_arena_kid(tgdp_arena *a, int k) { return k == 0 ? a : &a->kids[k - 1]; }

void tgdp_arena_free(tgdp_arena *a)
{
    for (int i = 0; i < a->n_kids; i++) tgdp_arena_free(&a->kids[i]);
    free(a->kids);
    tgdp_arena_block *b = a->head;
    while (b) {
        tgdp_arena_block *n = b->next;
        free(b->mem);
        free(b);
        b = n;
    }
    memset(a, 0, sizeof *a);
}

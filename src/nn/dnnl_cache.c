/* The oneDNN backend's plumbing: one engine for the process; per thread a stream, a cache of
 * primitives keyed by shape (least recently used evicted beyond CACHE_CAP) and scratch
 * buffers. Per-thread state needs no locks: a thread only ever runs its own primitives. It lives
 * as long as the thread (OpenMP keeps its threads for the process). */
#include "nn/dnnl_cache.h"

#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { CACHE_CAP = 128, N_SCRATCH = 8 };

typedef struct dn_entry {
    int key[DN_KEY];
    uint64_t used;
    dn_prim p;
} dn_entry;

typedef struct dn_thread {
    dnnl_stream_t stream;
    int n;
    uint64_t tick;
    dn_entry e[CACHE_CAP];
    void *scr[N_SCRATCH];
    size_t scr_cap[N_SCRATCH];
} dn_thread;

static pthread_once_t eng_once = PTHREAD_ONCE_INIT;
static dnnl_engine_t engine;
static _Thread_local dn_thread *tl;

static void make_engine(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
}

dnnl_engine_t dn_engine(void)
{
    pthread_once(&eng_once, make_engine);
    return engine;
}

static dn_thread *thread_state(void)
{
    if (tl) return tl;
    if (!dn_engine()) return NULL;
    dn_thread *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (dnnl_stream_create(&t->stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        free(t);
        return NULL;
    }
    return tl = t;
}

static void prim_free(dn_prim *p)
{
    for (int i = 0; i < p->n_args; i++)
        if (p->mem[i]) dnnl_memory_destroy(p->mem[i]);
    if (p->p) dnnl_primitive_destroy(p->p);
    memset(p, 0, sizeof *p);
}

dn_prim *dn_get(const int *key, int n, dn_make_fn make, const void *ctx)
{
    dn_thread *t = thread_state();
    if (!t || n >= DN_KEY) return NULL;
    int k[DN_KEY] = {0};
    memcpy(k, key, (size_t)n * sizeof *k);
    /* a primitive made outside a parallel region splits its work over the threads */
    k[n] = omp_in_parallel() ? 1 : omp_get_max_threads();
    dn_entry *e = NULL;
    for (int i = 0; i < t->n && !e; i++)
        if (memcmp(t->e[i].key, k, sizeof k) == 0) e = &t->e[i];
    if (!e) {
        if (t->n < CACHE_CAP) e = &t->e[t->n++];
        else { /* evict the least recently used */
            e = &t->e[0];
            for (int i = 1; i < CACHE_CAP; i++)
                if (t->e[i].used < e->used) e = &t->e[i];
            prim_free(&e->p);
        }
        memcpy(e->key, k, sizeof k);
        memset(&e->p, 0, sizeof e->p);
        if (make(&e->p, engine, ctx) != dnnl_success) prim_free(&e->p); /* remembered as unavailable */
    }
    e->used = ++t->tick;
    return e->p.p ? &e->p : NULL;
}

dnnl_status_t dn_prim_from_pd(dn_prim *p, dnnl_primitive_desc_t pd, const int *args, int n_args)
{
    dnnl_status_t st = dnnl_primitive_create(&p->p, pd);
    p->n_args = 0;
    for (int i = 0; i < n_args && st == dnnl_success; i++) {
        const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, args[i]);
        if (!md) return dnnl_invalid_arguments;
        p->arg[i] = args[i];
        p->bytes[i] = dnnl_memory_desc_get_size(md);
        st = dnnl_memory_create(&p->mem[i], md, engine, DNNL_MEMORY_NONE);
        if (st == dnnl_success) p->n_args = i + 1;
    }
    return st;
}

int dn_exec(dn_prim *p, void *const *handles)
{
    dnnl_exec_arg_t a[DN_MAX_ARGS];
    for (int i = 0; i < p->n_args; i++) {
        if (dnnl_memory_set_data_handle(p->mem[i], handles[i]) != dnnl_success) return -1;
        a[i].arg = p->arg[i];
        a[i].memory = p->mem[i];
    }
    if (dnnl_primitive_execute(p->p, tl->stream, p->n_args, a) != dnnl_success) return -1;
    return dnnl_stream_wait(tl->stream) == dnnl_success ? 0 : -1;
}

static void *scratch(int slot, size_t bytes, int fill)
{
    dn_thread *t = thread_state();
    if (!t || slot < 0 || slot >= N_SCRATCH) return NULL;
    if (t->scr_cap[slot] < bytes) {
        size_t cap = (bytes + 63) & ~(size_t)63;
        cap += cap / 4; /* room to grow a little without reallocating every time */
        cap = (cap + 63) & ~(size_t)63;
        void *p = aligned_alloc(64, cap);
        if (!p) return NULL;
        free(t->scr[slot]);
        t->scr[slot] = p;
        t->scr_cap[slot] = cap;
        if (fill) /* 0x3c00: 0.0078 as bf16; pairs of it, 0.0078 as float32 */
            for (size_t i = 0; i < cap / 2; i++) ((uint16_t *)p)[i] = 0x3c00;
    }
    return t->scr[slot];
}

void *dn_scratch(int slot, size_t bytes) { return scratch(slot, bytes, 0); }
void *dn_scratch_filled(int slot, size_t bytes) { return scratch(slot, bytes, 1); }

dnnl_status_t dn_md(dnnl_memory_desc_t *md, int nd, const int64_t *dims, dnnl_data_type_t dt, const int64_t *strides)
{
    dnnl_dims_t d, s;
    for (int i = 0; i < nd; i++) d[i] = dims[i], s[i] = strides[i];
    return dnnl_memory_desc_init_by_strides(md, nd, d, dt, s);
}

dnnl_status_t dn_attr(dnnl_primitive_attr_t *attr, float alpha, float beta)
{
    dnnl_status_t st = dnnl_primitive_attr_create(attr);
    if (st == dnnl_success) st = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_library);
    if (st == dnnl_success && alpha != 1.0f) st = dnnl_primitive_attr_set_output_scales(*attr, 1, 0, &alpha);
    if (st == dnnl_success && beta != 0.0f) {
        dnnl_post_ops_t po;
        st = dnnl_post_ops_create(&po);
        if (st == dnnl_success) {
            st = dnnl_post_ops_append_sum(po, beta);
            if (st == dnnl_success) st = dnnl_primitive_attr_set_post_ops(*attr, po);
            dnnl_post_ops_destroy(po);
        }
    }
    return st;
}

const char *nn_dnnl_isa(void)
{
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    default: return "other";
    }
}

/* tgdp inspect FILE: what a file holds (tgdp_inspect_file, tgdp/inspect.h), printed through the
 * emitter: text on stdout, or one JSON object with --json. A file that cannot be read gives one
 * line "tgdp inspect: FILE: problem" on stderr and exit status 1. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/emit.h"
#include "tgdp/inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)

/* The one error line: "tgdp inspect: FILE: problem" (the library's messages start with the
 * file's path already; it is not repeated). */
static int fail(const char *path, const tgdp_error *err)
{
    const char *m = err->msg[0] ? err->msg : tgdp_error_name(err->code);
    size_t L = strlen(path);
    if (strncmp(m, path, L) == 0 && m[L] == ':') m += L + 1;
    while (*m == ' ') m++;
    fprintf(stderr, "tgdp inspect: %s: ", path);
    for (const char *p = m; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    return 1;
}

static void shape_text(char *buf, size_t cap, int ndim, const int64_t *shape, const char *sep)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && k + 1 < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? sep : "", (long long)shape[i]);
    if (ndim == 0) snprintf(buf, cap, "scalar");
}

static void shape_json(cli_emit *e, const char *key, int ndim, const int64_t *shape)
{
    cli_emit_array(e, key);
    for (int i = 0; i < ndim; i++) cli_emit_int(e, NULL, shape[i]);
    cli_emit_end(e);
}

static const char *mat4_precision_name(int p)
{
    static const char *const n[] = {"double", "single", "int32", "int16", "uint16", "uint8"};
    return p >= 0 && p < 6 ? n[p] : "?";
}

static void print_findings(cli_emit *e, const tgdp_file_info *fi)
{
    cli_emit_array(e, "findings");
    if (fi->n_findings) cli_emitf(e, "findings:\n");
    for (int i = 0; i < fi->n_findings; i++) cli_emitf(e, "  - {:%s}\n", fi->findings[i]);
    cli_emit_end(e);
}

/* "ecg": the loaded 12-lead record (text: under title) */
static void print_record(cli_emit *e, const char *title, const tgdp_inspect_ecg *g)
{
    const tgdp_ecg_record *r = &g->rec;
    const double secs = r->fs > 0 ? (double)r->n / r->fs : NAN;
    char lab[128];
    tgdp_ecg_labels_format(r->labels, lab, sizeof lab);
    cli_emit_object(e, "ecg");
    cli_emitf(e, "%s\n  record        {id:%s} (%s)\n", title, r->id, r->database[0] ? r->database : "?");
    cli_emit_str(e, "database", r->database);
    cli_emitf(e, "  rate          {fs:%g} Hz%s\n", r->fs, (r->flags & TGDP_ECG_F_ASSUMED_FS) ? " (assumed)" : "");
    cli_emit_bool(e, "fs_assumed", (r->flags & TGDP_ECG_F_ASSUMED_FS) != 0);
    cli_emitf(e, "  length        {samples:%lld} samples (%.3f s)\n", (long long)r->n, isnan(secs) ? 0.0 : secs);
    cli_emit_num(e, "seconds", secs);
    if (e->json || r->age >= 0) cli_emitf(e, "  age           {age:%d}\n", r->age);
    if (e->json || r->sex != 'U') cli_emitf(e, "  sex           {sex:%c}\n", r->sex);
    if (e->json || r->labels || r->source_labels[0])
        cli_emitf(e, "  labels        {labels:%s}   (from: {source_labels:%s})\n", lab, r->source_labels);
    cli_emit_int(e, "flags", r->flags);
    cli_emitf(e, "  %-5s %10s %10s %10s   (mV)\n", "lead", "min", "max", "mean");
    cli_emit_array(e, "leads");
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        cli_emit_object(e, NULL);
        cli_emitf(e, "  {lead:%-5s} {min_mv:%10.4f} {max_mv:%10.4f} {mean_mv:%10.4f}\n", tgdp_ecg_lead_name(l),
                  g->lead[l].min, g->lead[l].max, g->lead[l].mean);
        cli_emit_end(e);
    }
    cli_emit_end(e);
    cli_emit_end(e);
}

/* after a listing: the file as a 12-lead record, and the findings */
static void print_ecg_block(cli_emit *e, const tgdp_file_info *fi, const char *title)
{
    if (fi->ecg.loaded) print_record(e, title, &fi->ecg);
    else cli_emit_null(e, "ecg");
    print_findings(e, fi);
}

/* ---- WFDB */
static void print_wfdb_signals(cli_emit *e, const tgdp_wfdb_info *w)
{
    cli_emitf(e, "signals:\n  %-3s %-6s %-14s %6s %4s %5s %7s %12s %9s %-6s %4s %5s %7s %9s %5s\n", "#", "lead", "file",
              "format", "spf", "skew", "offset", "gain", "baseline", "units", "adc", "zero", "init", "checksum", "block");
    cli_emit_array(e, "signals");
    for (int k = 0; k < w->h.nsig; k++) {
        const tgdp_wfdb_signal *s = &w->h.sig[k];
        const tgdp_value_stats *st = &w->raw[k];
        const double g = s->gain != 0 ? s->gain : 1;
        char gain[40], base[24], init[16], cs[16];
        snprintf(gain, sizeof gain, "%g%s", s->gain, s->gain_given ? "" : "(dflt)");
        snprintf(base, sizeof base, "%g%s", s->baseline, s->baseline_given ? "" : "*");
        snprintf(init, sizeof init, s->has_init_value ? "%d" : "-", s->init_value);
        snprintf(cs, sizeof cs, s->has_checksum ? "%d" : "-", s->checksum);
        cli_emit_object(e, NULL);
        cli_emitf(e, "  {index:%-3d} {lead:%-6s} {file:%-14s} {format:%6d} {samples_per_frame:%4d} {skew:%5d} "
                     "{byte_offset:%7ld} %12s %9s {units:%-6s} {adc_resolution:%4d} {adc_zero:%5d} %7s %9s {block_size:%5d}\n",
                  k, s->description, s->file_name, s->format, s->samples_per_frame, s->skew, s->byte_offset, gain, base,
                  s->units, s->adc_resolution, s->adc_zero, init, cs, s->block_size);
        if (w->lead[k] >= 0) cli_emit_str(e, "standard_lead", tgdp_ecg_lead_name(w->lead[k]));
        else cli_emit_null(e, "standard_lead");
        cli_emit_num(e, "gain", s->gain);
        cli_emit_bool(e, "gain_given", s->gain_given);
        cli_emit_num(e, "baseline", s->baseline);
        if (s->has_init_value) cli_emit_int(e, "init_value", s->init_value);
        else cli_emit_null(e, "init_value");
        if (s->has_checksum) cli_emit_int(e, "checksum", s->checksum);
        else cli_emit_null(e, "checksum");
        cli_emit_num(e, "raw_min", st->min);
        cli_emit_num(e, "raw_max", st->max);
        cli_emit_num(e, "min", (st->min - s->baseline) / g);
        cli_emit_num(e, "max", (st->max - s->baseline) / g);
        cli_emit_int(e, "invalid_samples", (int64_t)st->nonfinite);
        cli_emit_end(e);
    }
    cli_emit_end(e);
    cli_emitf(e, "  (gain: ADC units per unit; baseline*: not in the header, the ADC zero; spf: samples per frame)\n");
}

static void print_wfdb_files(cli_emit *e, const tgdp_wfdb_info *w)
{
    cli_emit_array(e, "signal_files");
    for (int i = 0; i < w->n_files; i++) {
        const tgdp_wfdb_sigfile *f = &w->files[i];
        cli_emit_object(e, NULL);
        if (!f->is_mat4) {
            cli_emit_str(e, "file", f->name);
        } else {
            cli_emitf(e, "  signal file {file:%s}: MATLAB v4 matrix ", f->name);
            cli_emit_object(e, "mat4");
            cli_emitf(e, "'{name:%s}', {precision:%s}, {rows:%d} x {cols:%d}, data at byte %zu\n", f->m4.name,
                      mat4_precision_name(f->m4.precision), (int)f->m4.mrows, (int)f->m4.ncols, f->m4.data_offset);
            cli_emit_int(e, "type", f->m4.type);
            cli_emit_end(e);
        }
        cli_emit_end(e);
    }
    cli_emit_end(e);
}

/* text: the samples of every signal against the header's gains and the record as loaded */
static void print_wfdb_data_check(cli_emit *e, const tgdp_wfdb_info *w, const tgdp_inspect_ecg *g)
{
    cli_emitf(e, "data check (all %lld samples read):\n  %-3s %-6s %10s %10s %12s %12s %-6s %12s %12s\n",
              (long long)w->nsamp, "#", "lead", "raw min", "raw max", "min", "max", "units", "min mV", "max mV");
    for (int k = 0; k < w->h.nsig; k++) {
        const tgdp_wfdb_signal *s = &w->h.sig[k];
        const tgdp_value_stats *st = &w->raw[k];
        const double gain = s->gain != 0 ? s->gain : 1;
        cli_emitf(e, "  %-3d %-6s %10.0f %10.0f %12.5g %12.5g %-6s", k, s->description, st->min, st->max,
                  (st->min - s->baseline) / gain, (st->max - s->baseline) / gain, s->units);
        if (g->loaded && w->lead[k] >= 0) cli_emitf(e, " %12.4f %12.4f", g->lead[w->lead[k]].min, g->lead[w->lead[k]].max);
        cli_emitf(e, "\n");
    }
    cli_emitf(e, "  (min/max: (raw - baseline) / gain with the header's gain%s)\n",
              g->loaded ? "; min/max mV: as loaded by tgdp, lead by name" : "");
}

static void print_wfdb(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    const tgdp_wfdb_info *w = &fi->u.wfdb;
    const tgdp_wfdb_header *h = &w->h;
    cli_emitf(e, "{file:%s}: WFDB record\n  header        {header:%s}\n  record        {record:%s}\n", path, w->hea,
              h->record_name);
    cli_emit_str(e, "type", "wfdb");
    cli_emitf(e, "  signals       {nsig:%d}\n  rate          {fs:%g} Hz%s\n", h->nsig, h->fs,
              h->fs_given ? "" : " (not in the header: WFDB default)");
    cli_emit_bool(e, "fs_given", h->fs_given);
    if (h->counter_freq > 0) cli_emitf(e, "  counter       %g Hz (base %g)\n", h->counter_freq, h->base_counter);
    cli_emitf(e, "  length        {samples:%lld} samples ({seconds:%.3f} s)%s\n", (long long)w->nsamp,
              h->fs > 0 ? (double)w->nsamp / h->fs : 0, h->nsamp < 0 ? " (from the signal file size)" : "");
    if (h->base_time[0] || h->base_date[0]) cli_emitf(e, "  start         %s %s\n", h->base_time, h->base_date);
    cli_emit_str(e, "base_time", h->base_time);
    cli_emit_str(e, "base_date", h->base_date);
    print_wfdb_signals(e, w);
    print_wfdb_files(e, w);
    cli_emitf(e, "comments:%s\n", h->n_comments ? "" : " none");
    cli_emit_array(e, "comments");
    for (size_t i = 0; i < h->n_comments; i++) cli_emitf(e, "  {:%s}\n", h->comments[i]);
    cli_emit_end(e);
    print_wfdb_data_check(e, w, &fi->ecg);
    if (e->json && fi->ecg.loaded) print_record(e, "", &fi->ecg); /* text: the data check shows it */
    else cli_emit_null(e, "ecg");
    cli_emit_str(e, "load_error", fi->ecg.loaded ? NULL : fi->ecg.error);
    print_findings(e, fi);
}

/* ---- MATLAB */
static void print_mat5_var(cli_emit *e, const tgdp_mat5_var *v, int depth)
{
    cli_emit_object(e, NULL);
    if (!v->class_name) { /* a field libmatio could not describe */
        cli_emitf(e, "  %*s{name:%s}\n", 2 * depth, "", v->name);
        cli_emit_end(e);
        return;
    }
    char dims[64];
    size_t k = 0;
    dims[0] = '\0';
    for (int i = 0; i < v->rank && k + 1 < sizeof dims; i++)
        k += (size_t)snprintf(dims + k, sizeof dims - k, "%s%zu", i ? "x" : "", v->dims[i]);
    const int other = v->stored_as && strcmp(v->stored_as, v->class_name) != 0;
    cli_emitf(e, "  %*s{name:%-*s} {class:%-8s} %-12s%s%s%s%s\n", 2 * depth, "", 16 - 2 * depth > 1 ? 16 - 2 * depth : 1,
              v->name, v->class_name, dims, v->complex ? " complex" : "", other ? " (stored as " : "",
              other ? v->stored_as : "", other ? ")" : "");
    cli_emit_array(e, "dims");
    for (int i = 0; i < v->rank; i++) cli_emit_int(e, NULL, (int64_t)v->dims[i]);
    cli_emit_end(e);
    cli_emit_bool(e, "complex", v->complex);
    if (v->stored_as) cli_emit_str(e, "stored_as", v->stored_as);
    if (v->has_fields) {
        cli_emit_array(e, "fields");
        for (int i = 0; i < v->n_fields; i++) print_mat5_var(e, &v->fields[i], depth + 1);
        cli_emit_end(e);
    }
    cli_emit_end(e);
}

static void print_mat5(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    cli_emitf(e, "{file:%s}: MATLAB v5 MAT-file\n  header        {header:%s}\nvariables:\n  %-16s %-8s %-12s\n", path,
              fi->u.mat5.header, "name", "class", "dims");
    cli_emit_str(e, "type", "mat5");
    cli_emit_array(e, "variables");
    for (int i = 0; i < fi->u.mat5.n_vars; i++) print_mat5_var(e, &fi->u.mat5.vars[i], 0);
    cli_emit_end(e);
    if (fi->u.mat5.more) cli_emitf(e, "  ... more variables (the first 256 are listed)\n");
    print_ecg_block(e, fi, "as a CPSC 2018 ECG record (struct ECG, mV):");
}

static void print_mat4(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    cli_emitf(e, "{file:%s}: MATLAB v4 MAT-file\n  %-12s %-6s %-8s %-6s %8s %8s %10s\n", path, "name", "type", "class",
              "endian", "rows", "cols", "offset");
    cli_emit_str(e, "type", "mat4");
    cli_emit_array(e, "matrices");
    for (int i = 0; i < fi->u.mat4.n; i++) {
        const tgdp_mat4_header *m = &fi->u.mat4.m[i];
        cli_emit_object(e, NULL);
        cli_emitf(e, "  {name:%-12s} {type:%-6d} {precision:%-8s} %-6s {rows:%8d} {cols:%8d} {data_offset:%10zu}\n",
                  m->name, (int)m->type, mat4_precision_name(m->precision), m->big_endian ? "big" : "little",
                  (int)m->mrows, (int)m->ncols, m->data_offset);
        cli_emit_bool(e, "big_endian", m->big_endian);
        cli_emit_int(e, "bytes", (int64_t)m->data_bytes);
        cli_emit_end(e);
    }
    cli_emit_end(e);
    print_ecg_block(e, fi, "as a 12-lead ECG (CinC conventions: integers at 1000 per mV):");
}

/* ---- arrays and tables */
static void print_npy(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    const tgdp_value_stats *s = &fi->u.npy.stats;
    const int is_float = fi->u.npy.dtype == TGDP_DT_F32 || fi->u.npy.dtype == TGDP_DT_F64;
    char version[16], shape[160];
    snprintf(version, sizeof version, "%d.%d", fi->u.npy.hdr.major, fi->u.npy.hdr.minor);
    shape_text(shape, sizeof shape, fi->u.npy.ndim, fi->u.npy.shape, ", ");
    cli_emitf(e, "{file:%s}: NumPy .npy array\n  version       {version:%s}\n  header        {header:%s}\n"
                 "  dtype         {dtype:%s}\n  shape         (%s%s)\n  elements      {elements:%zu} ({bytes:%zu} bytes of data)\n",
              path, version, fi->u.npy.hdr.header, tgdp_dtype_name(fi->u.npy.dtype), fi->u.npy.ndim ? shape : "",
              fi->u.npy.ndim == 1 ? "," : "", fi->u.npy.numel, fi->u.npy.nbytes);
    cli_emit_str(e, "type", "npy");
    shape_json(e, "shape", fi->u.npy.ndim, fi->u.npy.shape);
    if (e->json || s->n)
        cli_emitf(e, "  min           {min:%.9g}\n  max           {max:%.9g}\n  mean          {mean:%.9g}\n", s->min, s->max,
                  s->mean);
    if (e->json || is_float) cli_emitf(e, "  non-finite    {nonfinite:%zu}\n", s->nonfinite);
}

static void print_csv(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    const tgdp_csv_header *h = &fi->u.csv.names;
    const int64_t cols = fi->u.csv.cols, show = e->json || cols <= 40 ? cols : 40;
    cli_emitf(e, "{file:%s}: numeric CSV table\n  rows          {rows:%lld}%s\n  columns       {columns:%lld}\n"
                 "  header        %s\n  %-4s %-16s %12s %12s %12s %9s\n", path, (long long)fi->u.csv.rows,
              h->n ? " (after the header row)" : "", (long long)cols, h->n ? "yes" : "none", "col", "name", "min", "max",
              "mean", "nonfinite");
    cli_emit_str(e, "type", "csv");
    if (h->n) {
        cli_emit_array(e, "header");
        for (int i = 0; i < h->n; i++) cli_emit_str(e, NULL, h->names[i]);
        cli_emit_end(e);
    } else {
        cli_emit_null(e, "header");
    }
    cli_emit_array(e, "column_stats");
    for (int64_t c = 0; c < show; c++) {
        const tgdp_value_stats *s = &fi->u.csv.col[c];
        cli_emit_object(e, NULL);
        cli_emitf(e, "  %-4lld %-16s {min:%12.6g} {max:%12.6g} {mean:%12.6g} {nonfinite:%9zu}\n", (long long)c,
                  c < h->n ? h->names[c] : "-", s->min, s->max, s->mean, s->nonfinite);
        cli_emit_end(e);
    }
    cli_emit_end(e);
    if (show < cols) cli_emitf(e, "  ... %lld more columns (--json lists all)\n", (long long)(cols - show));
    print_ecg_block(e, fi, "as a PTB-XL ECG record (12 leads I..V6, mV; rate from the file name):");
}

static void print_label_table(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    static const char *const title[] = {
        [TGDP_FILE_PTBXL_DATABASE] = "PTB-XL database table (ptbxl_database.csv)",
        [TGDP_FILE_SCP_STATEMENTS] = "PTB-XL SCP statement table (scp_statements.csv)",
        [TGDP_FILE_CPSC_REFERENCE] = "CPSC 2018 label table (REFERENCE.csv)",
        [TGDP_FILE_LUDB_TABLE] = "LUDB label table (ludb.csv)"};
    const size_t n = fi->u.table.rows;
    cli_emitf(e, "{file:%s}: %s\n", path, title[fi->kind]);
    cli_emit_str(e, "type", tgdp_file_kind_name(fi->kind));
    if (fi->kind == TGDP_FILE_SCP_STATEMENTS) {
        cli_emitf(e, "  rows          {rows:%zu} statements: {diagnostic:%d} diagnostic, {form:%d} form, {rhythm:%d} rhythm\n",
                  n, fi->u.table.diagnostic, fi->u.table.form, fi->u.table.rhythm);
        return;
    }
    if (fi->kind == TGDP_FILE_PTBXL_DATABASE)
        cli_emitf(e, "  rows          {rows:%zu} records (ecg_id %d..%d)\n", n, fi->u.table.first_id, fi->u.table.last_id);
    else
        cli_emitf(e, "  rows          {rows:%zu} records\n", n);
    if (n) {
        cli_emitf(e, "  labels        ");
        cli_emit_object(e, "label_counts");
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) {
            cli_emitf(e, "%s%s %zu", k ? ", " : "", tgdp_ecg_label_name(k), fi->u.table.label_counts[k]);
            cli_emit_int(e, tgdp_ecg_label_name(k), (int64_t)fi->u.table.label_counts[k]);
        }
        cli_emit_end(e);
        cli_emitf(e, "  (records per tgdp label)\n");
    }
    if (fi->kind != TGDP_FILE_PTBXL_DATABASE) return;
    cli_emitf(e, "  strat_fold    ");
    cli_emit_array(e, "folds");
    for (int k = 1; k <= 10; k++) cli_emitf(e, "%s%d:{:%d}", k > 1 ? " " : "", k, fi->u.table.folds[k]);
    cli_emit_end(e);
    cli_emitf(e, "\n");
}

static void print_safetensors(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    const tgdp_st_file *f = &fi->u.st;
    size_t total = 0;
    for (size_t i = 0; i < f->n_tensors; i++) total += f->tensors[i].nbytes;
    cli_emitf(e, "{file:%s}: safetensors\n  tensors       %zu (%zu bytes of data)\n  %-32s %-8s %-18s %10s %10s\n", path,
              f->n_tensors, total, "name", "dtype", "shape", "bytes", "offset");
    cli_emit_str(e, "type", "safetensors");
    cli_emit_int(e, "data_bytes", (int64_t)f->data_size);
    cli_emit_array(e, "tensors");
    for (size_t i = 0; i < f->n_tensors; i++) {
        const tgdp_st_tensor *t = &f->tensors[i];
        char shape[160];
        shape_text(shape, sizeof shape, t->ndim, t->shape, " x ");
        cli_emit_object(e, NULL);
        cli_emitf(e, "  {name:%-32s} {dtype:%-8s} %-18s {bytes:%10zu} {offset:%10zu}\n", t->name, tgdp_dtype_name(t->dtype),
                  shape, t->nbytes, t->offset);
        shape_json(e, "shape", t->ndim, t->shape);
        cli_emit_end(e);
    }
    cli_emit_end(e);
    cli_emitf(e, "metadata:%s\n", f->n_meta ? "" : " none");
    cli_emit_object(e, "metadata");
    for (size_t i = 0; i < f->n_meta; i++) {
        cli_emitf(e, "  %s = %s\n", f->meta_keys[i], f->meta_values[i]);
        cli_emit_str(e, f->meta_keys[i], f->meta_values[i]);
    }
    cli_emit_end(e);
}

static void print_info(cli_emit *e, const char *path, const tgdp_file_info *fi)
{
    switch (fi->kind) {
    case TGDP_FILE_WFDB: print_wfdb(e, path, fi); break;
    case TGDP_FILE_MAT5: print_mat5(e, path, fi); break;
    case TGDP_FILE_MAT4: print_mat4(e, path, fi); break;
    case TGDP_FILE_NPY: print_npy(e, path, fi); break;
    case TGDP_FILE_CSV: print_csv(e, path, fi); break;
    case TGDP_FILE_SAFETENSORS: print_safetensors(e, path, fi); break;
    case TGDP_FILE_NONE: break;
    default: print_label_table(e, path, fi);
    }
}

int cmd_inspect(int argc, char **argv)
{
    const char *cmd = "inspect", *file = NULL;
    int json = 0;
    cli_opt opts[] = {
        {"json", OPT_FLAG, &json, NULL, "print one JSON object instead of text", 0, -1},
    };
    const char *summary =
        "Print what a file holds: tgdp inspect FILE [--json]\n\n"
        "  WFDB record (.hea, a record name without extension, or a .dat/.mat with its .hea): rate, length,\n"
        "      signals (lead, format, samples per frame, byte offset, gain, baseline, units, ADC), the #\n"
        "      comments, and a data check (all samples read: min/max per lead, sanity findings)\n"
        "  .mat: MATLAB v5 variables and struct fields (class, dimensions), or MATLAB v4 matrices; a CPSC\n"
        "      2018 record or a 12-row v4 matrix is also checked as an ECG\n"
        "  .npy: version, dtype, shape, min/max/mean and non-finite count\n"
        "  .csv: rows, columns, header, per-column min/max (ECG label tables: rows and label counts)\n"
        "  .safetensors: tensors (name, dtype, shape, bytes) and metadata\n"
        "Other names are recognised by their first bytes. A file that cannot be read gives one line on\n"
        "stderr and exit status 1.";
    int pr = cli_parse_pos(cmd, summary, opts, NOPT(opts), argc, argv, &file);
    if (pr) return pr > 0 ? 0 : 2;
    if (!file) return cli_errorf(cmd, "give a file to inspect (see --help)"), 2;
    tgdp_file_info *fi = malloc(sizeof *fi);
    if (!fi) return cli_errorf(cmd, "out of memory");
    tgdp_error err;
    int rc = tgdp_inspect_file(file, fi, &err);
    if (rc) {
        rc = fail(file, &err);
    } else {
        cli_emit e;
        cli_emit_begin(&e, stdout, json, 9, 2);
        print_info(&e, file, fi);
        cli_emit_finish(&e);
    }
    tgdp_file_info_free(fi);
    free(fi);
    return rc;
}

/* tgdp ecg beats: the R peaks of one lead of an ECG record (any format tgdp reads) or of one
 * window of an .npy array [N, leads, L]. The detector is the library's (tgdp/ecg_beats.h); this
 * file loads the lead and prints. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_beats.h"
#include "tgdp/io.h"
#include "tgdp/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "ecg beats";

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* one lead of a record: a copy in *x (n samples) at *fs */
static int lead_of_record(const char *path, int lead, float **x, int64_t *n, double *fs, tgdp_error *err)
{
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_ecg_load(path, &r, err);
    if (rc) return rc;
    *x = malloc((size_t)(r.n > 0 ? r.n : 1) * sizeof **x);
    if (!*x) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    else memcpy(*x, tgdp_ecg_lead(&r, lead), (size_t)r.n * sizeof **x);
    *n = r.n;
    *fs = r.fs;
    tgdp_ecg_record_free(&r);
    return rc;
}

/* one lead of window k of an array [N, leads, L] */
static int lead_of_npy(const char *path, int64_t k, int lead, float **x, int64_t *n, tgdp_error *err)
{
    tgdp_tensor t;
    int rc = tgdp_npy_read_f32_finite(path, &t, err);
    if (rc) return rc;
    if (t.ndim != 3 || t.shape[0] < 1 || t.shape[2] < 1)
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: expected windows [N, leads, L], got a %d-D array", path, t.ndim);
    else if (k >= t.shape[0])
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: --index %lld, but the array holds %lld windows", path, (long long)k,
                       (long long)t.shape[0]);
    else if (lead >= t.shape[1])
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: lead %s is channel %d, but the windows have %lld channels", path,
                       tgdp_ecg_lead_name(lead), lead, (long long)t.shape[1]);
    else if (!(*x = malloc((size_t)t.shape[2] * sizeof **x)))
        rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    if (!rc) {
        *n = t.shape[2];
        memcpy(*x, t.data + ((size_t)k * (size_t)t.shape[1] + (size_t)lead) * (size_t)*n, (size_t)*n * sizeof **x);
    }
    tgdp_tensor_free(&t);
    return rc;
}

static void print_beats(double fs, int lead, const int64_t *pk, int64_t np, int64_t n, int json)
{
    if (json) { /* exactly {"fs": F, "lead": "II", "r_peaks": [..]} on one line */
        tgdp_json j;
        tgdp_json_init(&j, stdout, 0);
        tgdp_json_begin_object(&j, NULL);
        tgdp_json_num(&j, "fs", fs);
        tgdp_json_str(&j, "lead", tgdp_ecg_lead_name(lead));
        tgdp_json_begin_array(&j, "r_peaks");
        for (int64_t i = 0; i < np; i++) tgdp_json_int(&j, NULL, pk[i]);
        tgdp_json_end_array(&j);
        tgdp_json_end_object(&j);
        tgdp_json_finish(&j);
        return;
    }
    printf("fs %.10g Hz, lead %s, %lld samples (%.2f s)\n", fs, tgdp_ecg_lead_name(lead), (long long)n, (double)n / fs);
    printf("r_peaks (%lld):", (long long)np);
    for (int64_t i = 0; i < np; i++) printf(" %lld", (long long)pk[i]);
    putchar('\n');
    if (np >= 2) printf("heart rate %.1f bpm (mean RR)\n", 60.0 * fs * (double)(np - 1) / (double)(pk[np - 1] - pk[0]));
}

int cmd_ecg_beats(int argc, char **argv)
{
    const char *lead_name = NULL, *file = NULL;
    int index = -1, json = 0;
    double fs_opt = 0;
    cli_opt opts[] = {
        {"lead", OPT_STRING, &lead_name, "II", "lead to detect on (I, II, III, aVR, aVL, aVF, V1..V6)", 0, -1},
        {"index", OPT_INT, &index, NULL, "window of an .npy array [N, 12, L] (default 0; .npy only)", 0, 2147483647},
        {"fs", OPT_DOUBLE, &fs_opt, NULL,
         "sampling rate of an .npy array in Hz (default 100, the rate tgdp ecg prepare writes; records carry their own)",
         1, 1e6},
        {"json", OPT_FLAG, &json, NULL, "print {\"fs\": F, \"lead\": \"II\", \"r_peaks\": [..]} instead of text", 0, -1},
    };
    int pr = cli_parse_pos(
        CMD,
        "tgdp ecg beats RECORD_OR_NPY [--lead NAME] [--index K] [--fs HZ] [--json]\n\n"
        "R peaks (QRS complexes) of one lead, by a Pan-Tompkins detector whose filters are designed for the\n"
        "sampling rate (any rate from 33 Hz up): prints the rate and the R-peak sample indices (0-based).\n"
        "RECORD_OR_NPY is any record tgdp reads (WFDB .hea of any format and rate, CinC .mat, CPSC MATLAB v5,\n"
        "PTB-XL .csv), or an .npy array of windows [N, 12, L] (tgdp ecg prepare's D_x.npy or generated\n"
        "windows), of which window --index is read at --fs Hz (the file stores no rate).",
        opts, (int)(sizeof opts / sizeof *opts), argc, argv, &file);
    if (pr) return pr > 0 ? 0 : 2;
    if (!file) return cli_errorf(CMD, "give a record or an .npy file (see --help)"), 2;
    const int lead = tgdp_ecg_lead_from_name(lead_name);
    if (lead < 0) return cli_errorf(CMD, "--lead: '%s' is not one of the 12 standard leads", lead_name), 2;
    const int npy = ends_with(file, ".npy");
    static const char *const npy_only[] = {"index", "fs", NULL};
    if (!npy && cli_reject(CMD, opts, (int)(sizeof opts / sizeof *opts), "to a record (.npy windows only: a record carries its rate)", npy_only))
        return 2;
    tgdp_error err;
    float *x = NULL;
    int64_t n = 0;
    double fs = fs_opt > 0 ? fs_opt : TGDP_ECG_DEFAULT_FS;
    int rc = npy ? lead_of_npy(file, index < 0 ? 0 : index, lead, &x, &n, &err) : lead_of_record(file, lead, &x, &n, &fs, &err);
    if (rc) return cli_error(CMD, &err);
    const int64_t cap = tgdp_qrs_max_beats(n, fs, NULL);
    int64_t *pk = malloc((size_t)cap * sizeof *pk), np = 0;
    if (!pk) rc = tgdp_fail(&err, TGDP_ENOMEM, "out of memory");
    else rc = tgdp_qrs_detect(x, n, fs, NULL, pk, cap, &np, &err);
    if (rc) tgdp_error_prefix(&err, "%s", file);
    else print_beats(fs, lead, pk, np, n, json);
    free(x);
    free(pk);
    return rc ? cli_error(CMD, &err) : 0;
}

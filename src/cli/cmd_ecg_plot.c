/* tgdp ecg plot: windows of a .npy file ([N, 12, L] or [N, 12*L], e.g. tgdp sample's output or
 * tgdp ecg prepare's target_x.npy) as a 12-lead PNG, optionally beside real windows. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/ecg_plot.h"
#include "tgdp/io.h"

#include <stdio.h>
#include <string.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
static const char *const CMD = "ecg plot";

/* windows of a file as [N, 12, L]; L from the shape */
static int load_windows(const char *path, tgdp_tensor *t, int64_t *n, int64_t *L, tgdp_error *err)
{
    int rc = tgdp_npy_read_f32(path, t, err);
    if (rc) return rc;
    int64_t d = 1;
    for (int i = 1; i < t->ndim; i++) d *= t->shape[i];
    int ok = t->ndim >= 2 && t->shape[0] > 0 && d % 12 == 0 && d / 12 >= 2 && (t->ndim == 2 || t->shape[1] == 12);
    if (!ok) {
        tgdp_tensor_free(t);
        return tgdp_fail(err, TGDP_EINVAL,
                         "%s: expected 12-lead windows [N, 12, L] or [N, 12*L] with N >= 1 and L >= 2", path);
    }
    *n = t->shape[0];
    *L = d / 12;
    return TGDP_OK;
}

int cmd_ecg_plot(int argc, char **argv)
{
    const char *in = NULL, *real = NULL, *out = "ecg.png", *title = NULL;
    int n = 4, first = 0;
    cli_opt opts[] = {
        {"in", OPT_STRING, &in, NULL, "windows to plot, .npy [N, 12, L] or [N, 12*L] (drawn in red; required)", 0, -1},
        {"real", OPT_STRING, &real, NULL, "real windows drawn first, in black, on whose scale every lead is drawn", 0, -1},
        {"n", OPT_INT, &n, "4", "windows taken from each file", 1, 32},
        {"first", OPT_INT, &first, "0", "index of the first window taken from each file", 0, 1e12},
        {"out", OPT_STRING, &out, "ecg.png", "output PNG", 0, -1},
        {"title", OPT_STRING, &title, NULL, "title (default: the file names)", 0, -1},
    };
    int pr = cli_parse(CMD,
                       "Draw 12-lead ECG windows as a PNG: a row per lead, a column per window; --in in red, --real "
                       "(optional) in black, each lead on the real windows' scale.",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!in) return cli_errorf(CMD, "--in is required"), 2;
    tgdp_error err;
    tgdp_tensor g = {0}, r = {0};
    int64_t ng = 0, nr = 0, L = 0, Lr = 0;
    if (load_windows(in, &g, &ng, &L, &err)) return cli_error(CMD, &err);
    if (real && load_windows(real, &r, &nr, &Lr, &err)) {
        tgdp_tensor_free(&g);
        return cli_error(CMD, &err);
    }
    int rc = 0;
    if (real && Lr != L) {
        rc = cli_errorf(CMD, "%s has windows of %lld samples, %s of %lld", in, (long long)L, real, (long long)Lr);
        goto done;
    }
    if (first >= ng || (real && first >= nr)) {
        rc = cli_errorf(CMD, "--first %d: %s has %lld windows", first, first >= ng ? in : real,
                        (long long)(first >= ng ? ng : nr));
        goto done;
    }
    tgdp_ecg_plot_column cols[64];
    char labels[64][32];
    int nc = 0;
    for (int pass = 0; pass < 2; pass++) {
        const tgdp_tensor *t = pass == 0 ? &r : &g;
        int64_t avail = pass == 0 ? nr : ng;
        if (pass == 0 && !real) continue;
        for (int64_t i = first; i < avail && i < first + n; i++, nc++) {
            snprintf(labels[nc], sizeof labels[nc], "%s %lld", pass == 0 ? "REAL" : "GEN", (long long)i);
            cols[nc] = (tgdp_ecg_plot_column){t->data + (size_t)(i * 12 * L), labels[nc], pass == 1};
        }
    }
    char deftitle[256];
    if (!title) {
        snprintf(deftitle, sizeof deftitle, "%s%s%s", in, real ? "  VS  " : "", real ? real : "");
        title = deftitle;
    }
    if (tgdp_ecg_plot_png(out, title, L, cols, nc, &err)) rc = cli_error(CMD, &err);
    else fprintf(stderr, "ecg plot: wrote %s (%d windows of %lld samples)\n", out, nc, (long long)L);
done:
    tgdp_tensor_free(&g);
    tgdp_tensor_free(&r);
    return rc;
}

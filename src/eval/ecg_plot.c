/* 12-lead window grids as PNG (tgdp/ecg_plot.h). */
#include "tgdp/ecg_plot.h"

#include "tgdp/ecg.h"
#include "tgdp/plot.h"

#include <math.h>
#include <stdio.h>

int tgdp_ecg_plot_png(const char *path, const char *title, int64_t L, const tgdp_ecg_plot_column *cols, int ncol,
                      tgdp_error *err)
{
    if (!path || !cols || ncol < 1 || ncol > 64 || L < 2)
        return tgdp_fail(err, TGDP_EINVAL, "ECG plot %s: need 1..64 windows of at least 2 samples (got %d of %lld)",
                         path ? path : "(no path)", ncol, (long long)L);
    const int PW = 180, PH = 44, gap = 6, left = 40, top = 40;
    static const unsigned char black[3] = {0, 0, 0}, red[3] = {210, 30, 30}, grey[3] = {170, 170, 170};
    int any_real = 0;
    for (int j = 0; j < ncol; j++) any_real |= !cols[j].generated;
    double range[12];
    for (int l = 0; l < 12; l++) {
        double mx = 0.5;
        for (int j = 0; j < ncol; j++)
            if (!cols[j].generated || !any_real)
                for (int64_t s = 0; s < L; s++) {
                    double v = fabs(cols[j].window[l * L + s]);
                    if (isfinite(v) && v > mx) mx = v;
                }
        range[l] = 1.1 * mx;
    }
    tgdp_canvas cv;
    int rc = tgdp_canvas_init(&cv, left + ncol * (PW + gap) + gap, top + 12 * (PH + gap) + 10, err);
    if (rc) return rc;
    if (title) tgdp_canvas_text(&cv, gap, 6, title, 2, black);
    for (int j = 0; j < ncol; j++)
        if (cols[j].label)
            tgdp_canvas_text(&cv, left + j * (PW + gap), top - 12, cols[j].label, 1, cols[j].generated ? red : black);
    for (int l = 0; l < 12; l++) {
        int y0 = top + l * (PH + gap);
        tgdp_canvas_text(&cv, 4, y0 + PH / 2 - 4, tgdp_ecg_lead_name(l), 1, black);
        for (int j = 0; j < ncol; j++) {
            int x0 = left + j * (PW + gap);
            tgdp_canvas_rect(&cv, x0, y0, PW, PH, grey);
            tgdp_canvas_line(&cv, x0, y0, PW, PH, cols[j].window + (size_t)l * (size_t)L, (int)L, -range[l], range[l],
                             cols[j].generated ? red : black);
        }
    }
    rc = tgdp_canvas_write_png(&cv, path, err);
    tgdp_canvas_free(&cv);
    return rc;
}

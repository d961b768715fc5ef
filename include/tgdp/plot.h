/* Minimal raster plots written as PNG (libpng): a density heat map with scatter points on top,
 * and 12-lead style line panels. Library code: returns errors, never prints.
 *
 * Coordinates are canvas pixels, (0,0) at the top-left. A rectangle (x0, y0, pw, ph) covers
 * [x0, x0+pw) x [y0, y0+ph); pw or ph <= 0 means an empty rectangle. Every drawing call clips to
 * the canvas (and to its rectangle), so any arguments are memory-safe: rectangles partly or
 * wholly off the canvas, n <= 0, NULL data/text/colour (a no-op), non-finite values. */
#ifndef TGDP_PLOT_H
#define TGDP_PLOT_H

#include "tgdp/api.h"

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef struct tgdp_canvas {
    int w, h;
    unsigned char *rgb; /* w*h*3 */
} tgdp_canvas;

/* white canvas; 1 <= w, h <= 1000000 (libpng's limit), else TGDP_EINVAL / TGDP_ENOMEM */
int tgdp_canvas_init(tgdp_canvas *c, int w, int h, tgdp_error *err);
/* frees the pixels and zeroes c; safe to call twice */
void tgdp_canvas_free(tgdp_canvas *c);
/* heat map of values v[gh][gw] (row 0 at the top) into the rectangle, normalised to [vmin, vmax].
 * Colours: a viridis ramp (dark purple 68,1,84 at vmin to yellow 253,231,37 at vmax), values
 * clamped to the range; NaN is grey (128,128,128). Each pixel takes its nearest grid cell. */
void tgdp_canvas_heat(tgdp_canvas *c, int x0, int y0, int pw, int ph, const double *v, int gw, int gh, double vmin,
                      double vmax);
/* scatter points (data coordinates in [xmin,xmax]x[ymin,ymax]) as small dots of colour rgb.
 * xy holds n (x, y) pairs; y grows upwards; xmin maps to column x0, xmax to x0+pw-1. Each point
 * is a 3x3 dot clipped to the rectangle; non-finite points are skipped; an empty or non-finite
 * data range draws nothing. */
void tgdp_canvas_scatter(tgdp_canvas *c, int x0, int y0, int pw, int ph, const float *xy, int n, double xmin,
                         double xmax, double ymin, double ymax, const unsigned char rgb[3]);
/* polyline of n values into the rectangle, y range [ymin, ymax] (ymax at the top row).
 * Sample i sits at x0 + i*(pw-1)/(n-1) (n may exceed pw); consecutive samples are joined with
 * Bresenham lines clipped to the rectangle; a non-finite value leaves a gap. */
void tgdp_canvas_line(tgdp_canvas *c, int x0, int y0, int pw, int ph, const float *v, int n, double ymin, double ymax,
                      const unsigned char rgb[3]);
/* one-pixel outline of the rectangle */
void tgdp_canvas_rect(tgdp_canvas *c, int x0, int y0, int pw, int ph, const unsigned char rgb[3]);
/* text in a built-in 5x7 font (upper-case letters, digits, a few symbols), scale >= 1.
 * (x, y) is the top-left of the first glyph. Covers A-Z (lower case drawn as upper case), 0-9
 * and . , : - + = _ ( ) / % # < > ?; anything else is a blank. Glyphs advance by 6*scale pixels
 * (one blank column), '\n' starts a new line 8*scale below; scale < 1 is taken as 1. */
void tgdp_canvas_text(tgdp_canvas *c, int x, int y, const char *s, int scale, const unsigned char rgb[3]);
/* 8-bit RGB PNG, replaced atomically: written to "<path>.tmp.XXXXXX" in the same directory,
 * then rename()d over path; on failure the temporary file is removed, path is untouched and
 * the message names path (TGDP_EIO; TGDP_EINVAL for a bad canvas/path, TGDP_ENOMEM). */
int tgdp_canvas_write_png(const tgdp_canvas *c, const char *path, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

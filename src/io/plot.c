/* Minimal raster canvas: heat maps (viridis ramp), scatter dots, polylines, rectangles and a
 * built-in 5x7 bitmap font, written as 8-bit RGB PNG through libpng.
 *
 * Every drawing call clips to the canvas (and to its rectangle where it has one) using 64-bit
 * or double arithmetic, so any arguments (rectangles partly or wholly off the canvas, n = 0,
 * NULL data, huge scales, non-finite values) are memory-safe. PNG files are written
 * atomically through tgdp_atomic_open (temporary file, fsync, rename). */
#include "tgdp/plot.h"
#include "tgdp/io.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ canvas */

/* libpng's default user limit on image width and height */
#define TGDP_CANVAS_MAX_SIDE 1000000

int tgdp_canvas_init(tgdp_canvas *c, int w, int h, tgdp_error *err)
{
    if (!c) return tgdp_fail(err, TGDP_EINVAL, "canvas: NULL canvas");
    c->w = c->h = 0;
    c->rgb = NULL;
    if (w <= 0 || h <= 0) return tgdp_fail(err, TGDP_EINVAL, "canvas: invalid size %dx%d", w, h);
    if (w > TGDP_CANVAS_MAX_SIDE || h > TGDP_CANVAS_MAX_SIDE)
        return tgdp_fail(err, TGDP_EINVAL, "canvas: size %dx%d exceeds the PNG writer's limit of %d pixels per side", w,
                         h, TGDP_CANVAS_MAX_SIDE);
    size_t n;
    if (!tgdp_mul_size((size_t)w, (size_t)h, &n) || !tgdp_mul_size(n, 3, &n))
        return tgdp_fail(err, TGDP_ENOMEM, "canvas: size %dx%d overflows", w, h);
    c->rgb = malloc(n);
    if (!c->rgb) return tgdp_fail(err, TGDP_ENOMEM, "canvas: cannot allocate %zu bytes for %dx%d", n, w, h);
    memset(c->rgb, 255, n);
    c->w = w;
    c->h = h;
    return TGDP_OK;
}

void tgdp_canvas_free(tgdp_canvas *c)
{
    if (!c) return;
    free(c->rgb);
    c->rgb = NULL;
    c->w = c->h = 0;
}

static int canvas_ok(const tgdp_canvas *c)
{
    return c && c->rgb && c->w > 0 && c->h > 0;
}

/* caller guarantees 0 <= x < w, 0 <= y < h */
static void put_px(tgdp_canvas *c, int64_t x, int64_t y, const unsigned char rgb[3])
{
    unsigned char *p = c->rgb + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
}

static void put_px_clipped(tgdp_canvas *c, int64_t x, int64_t y, const unsigned char rgb[3])
{
    if (x >= 0 && y >= 0 && x < c->w && y < c->h) put_px(c, x, y, rgb);
}

/* Inclusive clip box: the rectangle [x0, x0+pw) x [y0, y0+ph) intersected with the canvas.
 * Returns 0 when empty. */
typedef struct clip_box {
    int64_t x0, y0, x1, y1;
} clip_box;

static int rect_clip(const tgdp_canvas *c, int x0, int y0, int pw, int ph, clip_box *b)
{
    if (pw <= 0 || ph <= 0) return 0;
    b->x0 = x0 > 0 ? x0 : 0;
    b->y0 = y0 > 0 ? y0 : 0;
    b->x1 = (int64_t)x0 + pw - 1;
    b->y1 = (int64_t)y0 + ph - 1;
    if (b->x1 > c->w - 1) b->x1 = c->w - 1;
    if (b->y1 > c->h - 1) b->y1 = c->h - 1;
    return b->x0 <= b->x1 && b->y0 <= b->y1;
}

/* ================================================================ heat map */

/* matplotlib's viridis sampled at t = 0, 0.1, ..., 1 */
static const unsigned char viridis[11][3] = {
    {68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},  {42, 120, 142}, {33, 145, 140},
    {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37},
};

static const unsigned char nan_grey[3] = {128, 128, 128};

static void colormap(double t, unsigned char out[3])
{
    if (!(t > 0)) t = 0; /* also catches NaN */
    if (t > 1) t = 1;
    double s = t * 10.0;
    int i = (int)s;
    if (i >= 10) i = 9;
    double f = s - i;
    for (int k = 0; k < 3; k++) {
        double a = viridis[i][k], b = viridis[i + 1][k];
        out[k] = (unsigned char)lround(a + (b - a) * f);
    }
}

void tgdp_canvas_heat(tgdp_canvas *c, int x0, int y0, int pw, int ph, const double *v, int gw, int gh, double vmin,
                      double vmax)
{
    clip_box b;
    if (!canvas_ok(c) || !v || gw <= 0 || gh <= 0 || !rect_clip(c, x0, y0, pw, ph, &b)) return;
    double range = vmax - vmin;
    int range_ok = isfinite(range) && range > 0;
    for (int64_t py = b.y0; py <= b.y1; py++) {
        int64_t gy = (py - y0) * gh / ph; /* 0 <= py - y0 < ph, so 0 <= gy < gh */
        for (int64_t px = b.x0; px <= b.x1; px++) {
            int64_t gx = (px - x0) * gw / pw;
            double val = v[(size_t)gy * (size_t)gw + (size_t)gx];
            unsigned char col[3];
            if (isnan(val)) {
                put_px(c, px, py, nan_grey);
                continue;
            }
            double t;
            if (range_ok) t = (val - vmin) / range;
            else if (val < vmin) t = 0;
            else if (val > vmax) t = 1;
            else t = 0.5; /* degenerate or non-finite range */
            colormap(t, col);
            put_px(c, px, py, col);
        }
    }
}

/* ================================================================ scatter */

void tgdp_canvas_scatter(tgdp_canvas *c, int x0, int y0, int pw, int ph, const float *xy, int n, double xmin,
                         double xmax, double ymin, double ymax, const unsigned char rgb[3])
{
    clip_box b;
    if (!canvas_ok(c) || !xy || !rgb || n <= 0 || !rect_clip(c, x0, y0, pw, ph, &b)) return;
    double xr = xmax - xmin, yr = ymax - ymin;
    if (!(isfinite(xr) && xr > 0 && isfinite(yr) && yr > 0)) return;
    for (int i = 0; i < n; i++) {
        double x = xy[2 * (size_t)i], y = xy[2 * (size_t)i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        /* offsets inside the rectangle; y grows upwards in data space */
        double rx = (x - xmin) / xr * (pw - 1);
        double ry = (ymax - y) / yr * (ph - 1);
        if (!(rx > -2.0 && rx < pw + 1.0 && ry > -2.0 && ry < ph + 1.0)) continue;
        int64_t cx = (int64_t)x0 + (int64_t)lround(rx), cy = (int64_t)y0 + (int64_t)lround(ry);
        for (int64_t py = cy - 1; py <= cy + 1; py++) {
            if (py < b.y0 || py > b.y1) continue;
            for (int64_t px = cx - 1; px <= cx + 1; px++)
                if (px >= b.x0 && px <= b.x1) put_px(c, px, py, rgb);
        }
    }
}

/* ================================================================ polyline */

/* Liang-Barsky: clip the segment (ax,ay)-(bx,by) to the box; returns 0 when nothing is left. */
static int clip_segment(double *ax, double *ay, double *bx, double *by, const clip_box *b)
{
    double dx = *bx - *ax, dy = *by - *ay;
    double t0 = 0.0, t1 = 1.0;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {*ax - (double)b->x0, (double)b->x1 - *ax, *ay - (double)b->y0, (double)b->y1 - *ay};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0.0) {
            if (q[k] < 0) return 0;
        } else {
            double r = q[k] / p[k];
            if (p[k] < 0) {
                if (r > t1) return 0;
                if (r > t0) t0 = r;
            } else {
                if (r < t0) return 0;
                if (r < t1) t1 = r;
            }
        }
    }
    double nax = *ax + t0 * dx, nay = *ay + t0 * dy;
    double nbx = *ax + t1 * dx, nby = *ay + t1 * dy;
    *ax = nax;
    *ay = nay;
    *bx = nbx;
    *by = nby;
    return 1;
}

static int64_t clamp_round(double v, int64_t lo, int64_t hi)
{
    if (!(v >= (double)lo)) return lo;
    if (v > (double)hi) return hi;
    int64_t r = (int64_t)lround(v);
    return r < lo ? lo : r > hi ? hi : r;
}

static void bresenham(tgdp_canvas *c, const clip_box *b, int64_t xa, int64_t ya, int64_t xb, int64_t yb,
                      const unsigned char rgb[3])
{
    int64_t dx = xb > xa ? xb - xa : xa - xb, sx = xa < xb ? 1 : -1;
    int64_t dy = yb > ya ? ya - yb : yb - ya, sy = ya < yb ? 1 : -1; /* dy <= 0 */
    int64_t e = dx + dy;
    for (;;) {
        if (xa >= b->x0 && xa <= b->x1 && ya >= b->y0 && ya <= b->y1) put_px(c, xa, ya, rgb);
        if (xa == xb && ya == yb) break;
        int64_t e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            xa += sx;
        }
        if (e2 <= dx) {
            e += dx;
            ya += sy;
        }
    }
}

/* canvas y of sample val, or 0 when it is not a finite position */
static int line_y(double val, int y0, int ph, double ymax, double yr, double *y)
{
    if (!isfinite(val)) return 0;
    *y = (double)y0 + (ymax - val) / yr * (ph - 1);
    return isfinite(*y);
}

void tgdp_canvas_line(tgdp_canvas *c, int x0, int y0, int pw, int ph, const float *v, int n, double ymin, double ymax,
                      const unsigned char rgb[3])
{
    clip_box b;
    if (!canvas_ok(c) || !v || !rgb || n <= 0 || !rect_clip(c, x0, y0, pw, ph, &b)) return;
    double yr = ymax - ymin;
    if (!(isfinite(yr) && yr > 0)) return;
    double xstep = n > 1 ? (double)(pw - 1) / (double)(n - 1) : 0.0;
    double px = 0, py = 0, y = 0, ynext = 0;
    int have_prev = 0;
    int valid = line_y(v[0], y0, ph, ymax, yr, &y);
    for (int i = 0; i < n; i++) {
        /* non-finite samples (or positions) leave a gap in the line */
        int next_valid = i + 1 < n && line_y(v[i + 1], y0, ph, ymax, yr, &ynext);
        if (valid) {
            double x = (double)x0 + i * xstep;
            if (have_prev) {
                double ax = px, ay = py, bx = x, by = y;
                if (clip_segment(&ax, &ay, &bx, &by, &b))
                    bresenham(c, &b, clamp_round(ax, b.x0, b.x1), clamp_round(ay, b.y0, b.y1),
                              clamp_round(bx, b.x0, b.x1), clamp_round(by, b.y0, b.y1), rgb);
            } else if (!next_valid) {
                /* isolated sample: one pixel if it lies inside the rectangle */
                double ax = x, ay = y, bx = x, by = y;
                if (clip_segment(&ax, &ay, &bx, &by, &b))
                    put_px_clipped(c, clamp_round(ax, b.x0, b.x1), clamp_round(ay, b.y0, b.y1), rgb);
            }
            px = x;
            py = y;
        }
        have_prev = valid;
        valid = next_valid;
        y = ynext;
    }
}

/* ================================================================ rectangle */

void tgdp_canvas_rect(tgdp_canvas *c, int x0, int y0, int pw, int ph, const unsigned char rgb[3])
{
    clip_box b;
    if (!canvas_ok(c) || !rgb || !rect_clip(c, x0, y0, pw, ph, &b)) return;
    int64_t right = (int64_t)x0 + pw - 1, bottom = (int64_t)y0 + ph - 1;
    for (int64_t x = b.x0; x <= b.x1; x++) {
        if (y0 >= 0) put_px(c, x, y0, rgb); /* y0 <= b.y1 < h since the box is non-empty */
        if (bottom < c->h) put_px(c, x, bottom, rgb);
    }
    for (int64_t y = b.y0; y <= b.y1; y++) {
        if (x0 >= 0) put_px(c, x0, y, rgb);
        if (right < c->w) put_px(c, right, y, rgb);
    }
}

/* ================================================================ text */

#define GLYPH_W 5
#define GLYPH_H 7

/* 7 rows of 5 columns, '#' = ink */
static const struct glyph {
    char ch;
    char bits[GLYPH_W * GLYPH_H + 1];
} font[] = {
    {'A', ".###." "#...#" "#...#" "#####" "#...#" "#...#" "#...#"},
    {'B', "####." "#...#" "#...#" "####." "#...#" "#...#" "####."},
    {'C', ".###." "#...#" "#...." "#...." "#...." "#...#" ".###."},
    {'D', "####." "#...#" "#...#" "#...#" "#...#" "#...#" "####."},
    {'E', "#####" "#...." "#...." "####." "#...." "#...." "#####"},
    {'F', "#####" "#...." "#...." "####." "#...." "#...." "#...."},
    {'G', ".###." "#...#" "#...." "#.###" "#...#" "#...#" ".####"},
    {'H', "#...#" "#...#" "#...#" "#####" "#...#" "#...#" "#...#"},
    {'I', ".###." "..#.." "..#.." "..#.." "..#.." "..#.." ".###."},
    {'J', "..###" "...#." "...#." "...#." "...#." "#..#." ".##.."},
    {'K', "#...#" "#..#." "#.#.." "##..." "#.#.." "#..#." "#...#"},
    {'L', "#...." "#...." "#...." "#...." "#...." "#...." "#####"},
    {'M', "#...#" "##.##" "#.#.#" "#.#.#" "#...#" "#...#" "#...#"},
    {'N', "#...#" "#...#" "##..#" "#.#.#" "#..##" "#...#" "#...#"},
    {'O', ".###." "#...#" "#...#" "#...#" "#...#" "#...#" ".###."},
    {'P', "####." "#...#" "#...#" "####." "#...." "#...." "#...."},
    {'Q', ".###." "#...#" "#...#" "#...#" "#.#.#" "#..#." ".##.#"},
    {'R', "####." "#...#" "#...#" "####." "#.#.." "#..#." "#...#"},
    {'S', ".####" "#...." "#...." ".###." "....#" "....#" "####."},
    {'T', "#####" "..#.." "..#.." "..#.." "..#.." "..#.." "..#.."},
    {'U', "#...#" "#...#" "#...#" "#...#" "#...#" "#...#" ".###."},
    {'V', "#...#" "#...#" "#...#" "#...#" "#...#" ".#.#." "..#.."},
    {'W', "#...#" "#...#" "#...#" "#.#.#" "#.#.#" "#.#.#" ".#.#."},
    {'X', "#...#" "#...#" ".#.#." "..#.." ".#.#." "#...#" "#...#"},
    {'Y', "#...#" "#...#" ".#.#." "..#.." "..#.." "..#.." "..#.."},
    {'Z', "#####" "....#" "...#." "..#.." ".#..." "#...." "#####"},
    {'0', ".###." "#...#" "#..##" "#.#.#" "##..#" "#...#" ".###."},
    {'1', "..#.." ".##.." "..#.." "..#.." "..#.." "..#.." ".###."},
    {'2', ".###." "#...#" "....#" "...#." "..#.." ".#..." "#####"},
    {'3', "#####" "...#." "..#.." "...#." "....#" "#...#" ".###."},
    {'4', "...#." "..##." ".#.#." "#..#." "#####" "...#." "...#."},
    {'5', "#####" "#...." "####." "....#" "....#" "#...#" ".###."},
    {'6', "..##." ".#..." "#...." "####." "#...#" "#...#" ".###."},
    {'7', "#####" "....#" "...#." "..#.." ".#..." ".#..." ".#..."},
    {'8', ".###." "#...#" "#...#" ".###." "#...#" "#...#" ".###."},
    {'9', ".###." "#...#" "#...#" ".####" "....#" "...#." ".##.."},
    {'.', "....." "....." "....." "....." "....." ".##.." ".##.."},
    {',', "....." "....." "....." "....." ".##.." "..#.." ".#..."},
    {':', "....." ".##.." ".##.." "....." ".##.." ".##.." "....."},
    {'-', "....." "....." "....." "#####" "....." "....." "....."},
    {'+', "....." "..#.." "..#.." "#####" "..#.." "..#.." "....."},
    {'=', "....." "....." "#####" "....." "#####" "....." "....."},
    {'_', "....." "....." "....." "....." "....." "....." "#####"},
    {'(', "...#." "..#.." ".#..." ".#..." ".#..." "..#.." "...#."},
    {')', ".#..." "..#.." "...#." "...#." "...#." "..#.." ".#..."},
    {'/', "....." "....#" "...#." "..#.." ".#..." "#...." "....."},
    {'%', "##..." "##..#" "...#." "..#.." ".#..." "#..##" "...##"},
    {'#', ".#.#." ".#.#." "#####" ".#.#." "#####" ".#.#." ".#.#."},
    {'<', "...#." "..#.." ".#..." "#...." ".#..." "..#.." "...#."},
    {'>', ".#..." "..#.." "...#." "....#" "...#." "..#.." ".#..."},
    {'?', ".###." "#...#" "....#" "...#." "..#.." "....." "..#.."},
};

/* NULL for characters drawn as a blank (space and everything the font lacks) */
static const char *glyph_bits(unsigned char ch)
{
    if (ch >= 'a' && ch <= 'z') ch = (unsigned char)(ch - 'a' + 'A');
    for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
        if ((unsigned char)font[i].ch == ch) return font[i].bits;
    return NULL;
}

void tgdp_canvas_text(tgdp_canvas *c, int x, int y, const char *s, int scale, const unsigned char rgb[3])
{
    if (!canvas_ok(c) || !s || !rgb) return;
    if (scale < 1) scale = 1;
    const int64_t sc = scale, advance = (GLYPH_W + 1) * sc, line = (GLYPH_H + 1) * sc;
    int64_t pen_x = x, pen_y = y;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            pen_x = x;
            pen_y += line;
            if (pen_y >= c->h) break;
            continue;
        }
        const char *bits = glyph_bits(*p);
        if (bits && pen_x < c->w && pen_x + GLYPH_W * sc > 0 && pen_y < c->h && pen_y + GLYPH_H * sc > 0) {
            for (int r = 0; r < GLYPH_H; r++) {
                int64_t by0 = pen_y + r * sc, by1 = by0 + sc - 1;
                if (by1 < 0 || by0 >= c->h) continue;
                if (by0 < 0) by0 = 0;
                if (by1 > c->h - 1) by1 = c->h - 1;
                for (int k = 0; k < GLYPH_W; k++) {
                    if (bits[r * GLYPH_W + k] != '#') continue;
                    int64_t bx0 = pen_x + k * sc, bx1 = bx0 + sc - 1;
                    if (bx1 < 0 || bx0 >= c->w) continue;
                    if (bx0 < 0) bx0 = 0;
                    if (bx1 > c->w - 1) bx1 = c->w - 1;
                    for (int64_t yy = by0; yy <= by1; yy++)
                        for (int64_t xx = bx0; xx <= bx1; xx++) put_px(c, xx, yy, rgb);
                }
            }
        }
        pen_x += advance;
        /* past the right edge: skip to the next line, if any */
        if (pen_x >= c->w) {
            while (p[1] && p[1] != '\n') p++;
        }
    }
}

/* ================================================================ PNG output */

typedef struct png_msg {
    char text[256];
} png_msg;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_msg *m = png_get_error_ptr(png);
    if (m) snprintf(m->text, sizeof m->text, "%s", msg ? msg : "libpng error");
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png; /* library code never prints */
    (void)msg;
}

/* Encode the canvas to f. The setjmp lives here, so the caller's locals (and m, which libpng
 * writes to before the longjmp) are not automatic objects of this function; the locals used
 * after a longjmp (png, info) are not modified after setjmp, so none needs volatile. */
static int encode_png(const tgdp_canvas *c, FILE *f, png_msg *m)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, m, png_on_error, png_on_warning);
    if (!png) {
        snprintf(m->text, sizeof m->text, "cannot create the libpng writer");
        return TGDP_ENOMEM;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(m->text, sizeof m->text, "cannot create the libpng info structure");
        return TGDP_ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return TGDP_EIO;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const size_t stride = (size_t)c->w * 3;
    for (int y = 0; y < c->h; y++) png_write_row(png, c->rgb + (size_t)y * stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return TGDP_OK;
}

int tgdp_canvas_write_png(const tgdp_canvas *c, const char *path, tgdp_error *err)
{
    if (!path || !*path) return tgdp_fail(err, TGDP_EINVAL, "write png: empty path");
    if (!canvas_ok(c)) return tgdp_fail(err, TGDP_EINVAL, "%s: canvas is not initialised", path);
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    png_msg m;
    m.text[0] = '\0';
    rc = encode_png(c, af.f, &m);
    if (rc != TGDP_OK) {
        tgdp_atomic_abort(&af);
        return tgdp_fail(err, rc, "%s: writing PNG failed: %s", path, m.text[0] ? m.text : "libpng error");
    }
    return tgdp_atomic_commit(&af, err);
}

/* PNG plotting canvas: heat map, scatter, polyline, rectangle and text drawn on a small canvas,
 * written as PNG, read back with libpng and checked pixel by pixel; failed writes name the path
 * and leave no temporary files; out-of-range arguments of every drawing call are harmless. */
#include "test_files.h"
#include "testutil.h"
#include "tgdp/plot.h"

#include <limits.h>
#include <png.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static const unsigned char WHITE[3] = {255, 255, 255};
static const unsigned char BLACK[3] = {0, 0, 0};
static const unsigned char RED[3] = {220, 20, 30};
static const unsigned char GREEN[3] = {10, 200, 40};
static const unsigned char BLUE[3] = {20, 40, 230};
static const unsigned char VIRIDIS_LO[3] = {68, 1, 84};
static const unsigned char VIRIDIS_MID[3] = {33, 145, 140};
static const unsigned char VIRIDIS_HI[3] = {253, 231, 37};
static const unsigned char GREY[3] = {128, 128, 128};

static const unsigned char *px(const unsigned char *rgb, int w, int x, int y)
{
    return rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
}

static int is_col(const unsigned char *rgb, int w, int x, int y, const unsigned char col[3])
{
    const unsigned char *p = px(rgb, w, x, y);
    return p[0] == col[0] && p[1] == col[1] && p[2] == col[2];
}

#define CHECK_PX(rgb, w, x, y, col)                                                                        \
    do {                                                                                                   \
        const unsigned char *tp_ = px(rgb, w, x, y);                                                       \
        CHECKF(is_col(rgb, w, x, y, col), "pixel (%d,%d) = (%d,%d,%d), expected (%d,%d,%d)", (int)(x), (int)(y), \
               tp_[0], tp_[1], tp_[2], (col)[0], (col)[1], (col)[2]);                                      \
    } while (0)

static int all_white(const tgdp_canvas *c)
{
    for (size_t i = 0; i < (size_t)c->w * c->h * 3; i++)
        if (c->rgb[i] != 255) return 0;
    return 1;
}

/* read a PNG as 8-bit RGB; returns malloc'd pixels or NULL */
static unsigned char *read_png(const char *path, int *w, int *h, int *format)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        fprintf(stderr, "read_png %s: %s\n", path, img.message);
        return NULL;
    }
    *format = (int)img.format;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        fprintf(stderr, "read_png %s: %s\n", path, img.message);
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

static void test_init(void)
{
    tgdp_canvas c;
    tgdp_error err = {0, ""};
    CHECK(tgdp_canvas_init(&c, 0, 5, &err) == TGDP_EINVAL);
    CHECK(c.rgb == NULL && err.msg[0] != '\0');
    CHECK(tgdp_canvas_init(&c, 5, -1, &err) == TGDP_EINVAL);
    CHECK(tgdp_canvas_init(&c, 2000000, 2, &err) == TGDP_EINVAL);
    CHECK(tgdp_canvas_init(&c, INT_MAX, INT_MAX, NULL) != TGDP_OK);
    CHECK(tgdp_canvas_init(NULL, 4, 4, &err) == TGDP_EINVAL);
    CHECK(tgdp_canvas_init(&c, 7, 3, &err) == TGDP_OK);
    CHECK(c.w == 7 && c.h == 3 && c.rgb != NULL);
    if (c.rgb) CHECK(all_white(&c));
    tgdp_canvas_free(&c);
    CHECK(c.rgb == NULL && c.w == 0 && c.h == 0);
    tgdp_canvas_free(&c); /* twice is fine */
    tgdp_canvas_free(NULL);
    /* drawing on / writing a freed canvas is a no-op / an error */
    tgdp_canvas_rect(&c, 0, 0, 3, 3, BLACK);
    tgdp_canvas_text(&c, 0, 0, "A", 1, BLACK);
    CHECK(tgdp_canvas_write_png(&c, tpath("freed.png"), &err) == TGDP_EINVAL);
    CHECK(strstr(err.msg, "freed.png") != NULL);
}

/* the main picture: each element in its own area of a 64x48 canvas */
static void draw_scene(tgdp_canvas *c)
{
    /* heat map 2x2 grid in [2,18)x[2,18): 0 | 0.5 / NaN | 1 */
    const double grid[4] = {0.0, 0.5, NAN, 1.0};
    tgdp_canvas_heat(c, 2, 2, 16, 16, grid, 2, 2, 0.0, 1.0);
    /* scatter in [20,40)x[2,22), data [0,1]^2: centre point and the top-left corner */
    const float pts[6] = {0.5f, 0.5f, 0.0f, 1.0f, 5.0f, 5.0f /* outside: not drawn */};
    tgdp_canvas_scatter(c, 20, 2, 20, 20, pts, 3, 0.0, 1.0, 0.0, 1.0, RED);
    /* rectangle outline [44,54)x[2,10) */
    tgdp_canvas_rect(c, 44, 2, 10, 8, GREEN);
    /* horizontal line through the middle of [0,64)x[24,35) */
    const float flat[2] = {0.0f, 0.0f};
    tgdp_canvas_line(c, 0, 24, 64, 11, flat, 2, -1.0, 1.0, BLUE);
    /* text: "A1" at (2,36), "a" at (40,36), "-" scaled x2 at (20,36) */
    tgdp_canvas_text(c, 2, 36, "A1", 1, BLACK);
    tgdp_canvas_text(c, 40, 36, "a", 1, BLACK);
    tgdp_canvas_text(c, 20, 36, "-", 2, BLACK);
}

static void check_scene(const unsigned char *rgb, int w)
{
    /* heat map corners: ramp ends, the middle colour and NaN grey */
    CHECK_PX(rgb, w, 2, 2, VIRIDIS_LO);
    CHECK_PX(rgb, w, 9, 9, VIRIDIS_LO);
    CHECK_PX(rgb, w, 17, 2, VIRIDIS_MID);
    CHECK_PX(rgb, w, 2, 17, GREY);
    CHECK_PX(rgb, w, 17, 17, VIRIDIS_HI);
    CHECK_PX(rgb, w, 10, 10, VIRIDIS_HI);
    CHECK_PX(rgb, w, 1, 1, WHITE);
    CHECK_PX(rgb, w, 18, 18, WHITE);
    /* scatter: (0.5,0.5) -> centre (30,12), a 3x3 dot */
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) CHECK_PX(rgb, w, 30 + dx, 12 + dy, RED);
    CHECK_PX(rgb, w, 32, 12, WHITE);
    CHECK_PX(rgb, w, 30, 14, WHITE);
    /* (0,1) -> the rectangle's top-left corner (20,2); the dot is clipped to the rectangle */
    CHECK_PX(rgb, w, 20, 2, RED);
    CHECK_PX(rgb, w, 21, 3, RED);
    CHECK_PX(rgb, w, 19, 2, WHITE);
    CHECK_PX(rgb, w, 20, 1, WHITE);
    /* rectangle outline */
    CHECK_PX(rgb, w, 44, 2, GREEN);
    CHECK_PX(rgb, w, 53, 2, GREEN);
    CHECK_PX(rgb, w, 44, 9, GREEN);
    CHECK_PX(rgb, w, 53, 9, GREEN);
    CHECK_PX(rgb, w, 48, 2, GREEN);
    CHECK_PX(rgb, w, 44, 5, GREEN);
    CHECK_PX(rgb, w, 48, 5, WHITE);
    CHECK_PX(rgb, w, 54, 2, WHITE);
    CHECK_PX(rgb, w, 44, 10, WHITE);
    /* line at y = 24 + 5 across the full width */
    for (int x = 0; x < 64; x++) CHECK_PX(rgb, w, x, 29, BLUE);
    CHECK_PX(rgb, w, 32, 28, WHITE);
    CHECK_PX(rgb, w, 32, 30, WHITE);
    /* 'A' at x 2..6: top row .###. */
    CHECK_PX(rgb, w, 2, 36, WHITE);
    CHECK_PX(rgb, w, 3, 36, BLACK);
    CHECK_PX(rgb, w, 5, 36, BLACK);
    CHECK_PX(rgb, w, 6, 36, WHITE);
    CHECK_PX(rgb, w, 2, 39, BLACK); /* crossbar ##### */
    CHECK_PX(rgb, w, 6, 39, BLACK);
    CHECK_PX(rgb, w, 4, 40, WHITE);
    /* one-pixel gap column x = 7, then '1' at x 8..12: top row ..#.. */
    for (int y = 36; y < 43; y++) CHECK_PX(rgb, w, 7, y, WHITE);
    CHECK_PX(rgb, w, 10, 36, BLACK);
    CHECK_PX(rgb, w, 8, 36, WHITE);
    CHECK_PX(rgb, w, 9, 42, BLACK); /* bottom row .###. */
    CHECK_PX(rgb, w, 11, 42, BLACK);
    /* lower case renders as upper case */
    int same = 1, ink = 0;
    for (int y = 36; y < 43; y++)
        for (int x = 0; x < 6; x++) {
            int a = is_col(rgb, w, 2 + x, y, BLACK), b = is_col(rgb, w, 40 + x, y, BLACK);
            if (a != b) same = 0;
            ink += a;
        }
    CHECK(same);
    CHECK(ink == 18); /* 'A' has 18 ink pixels */
    /* '-' at scale 2: font row 3 -> canvas rows 42, 43, columns 20..29 */
    CHECK_PX(rgb, w, 20, 42, BLACK);
    CHECK_PX(rgb, w, 29, 43, BLACK);
    CHECK_PX(rgb, w, 25, 41, WHITE);
    CHECK_PX(rgb, w, 25, 44, WHITE);
    CHECK_PX(rgb, w, 30, 42, WHITE);
}

static void test_scene_png(void)
{
    tgdp_canvas c;
    tgdp_error err = {0, ""};
    CHECK(tgdp_canvas_init(&c, 64, 48, &err) == TGDP_OK);
    if (!c.rgb) return;
    draw_scene(&c);
    check_scene(c.rgb, c.w);

    const char *path = tpath("scene.png");
    CHECKF(tgdp_canvas_write_png(&c, path, &err) == TGDP_OK, "%s", err.msg);
    CHECK(count_files_with(".tmp.") == 0);
    int w = 0, h = 0, format = -1;
    unsigned char *rgb = read_png(path, &w, &h, &format);
    CHECK(rgb != NULL);
    if (rgb) {
        CHECK(w == 64 && h == 48);
        CHECK(format == PNG_FORMAT_RGB); /* stored as 8-bit RGB, no alpha */
        if (w == 64 && h == 48) {
            CHECK(memcmp(rgb, c.rgb, (size_t)w * h * 3) == 0);
            check_scene(rgb, w);
        }
        free(rgb);
    }

    /* overwriting an existing file replaces it atomically */
    tgdp_canvas_rect(&c, 0, 0, 64, 48, RED);
    CHECKF(tgdp_canvas_write_png(&c, path, &err) == TGDP_OK, "%s", err.msg);
    CHECK(count_files_with(".tmp.") == 0);
    rgb = read_png(path, &w, &h, &format);
    CHECK(rgb != NULL);
    if (rgb) {
        CHECK(w == 64 && h == 48);
        if (w == 64 && h == 48) {
            CHECK_PX(rgb, w, 0, 0, RED);
            CHECK_PX(rgb, w, 63, 47, RED);
            CHECK_PX(rgb, w, 30, 12, RED);
        }
        free(rgb);
    }

    /* a folder that cannot be created (a file is in the way): an error naming the path, no
     * temporary file, nothing created */
    FILE *blocker = fopen(tpath("blocker"), "w");
    CHECK(blocker != NULL);
    if (blocker) fclose(blocker);
    const char *bad = tpath("blocker/dir/out.png");
    err.code = 0;
    err.msg[0] = '\0';
    CHECK(tgdp_canvas_write_png(&c, bad, &err) == TGDP_EIO);
    CHECK(err.code == TGDP_EIO);
    CHECKF(strstr(err.msg, bad) != NULL, "message '%s' does not name %s", err.msg, bad);
    CHECK(access(bad, F_OK) != 0);
    CHECK(count_files_with(".tmp.") == 0);
    /* err may be NULL; empty and NULL paths are rejected */
    CHECK(tgdp_canvas_write_png(&c, bad, NULL) == TGDP_EIO);
    CHECK(tgdp_canvas_write_png(&c, "", &err) == TGDP_EINVAL);
    CHECK(tgdp_canvas_write_png(&c, NULL, &err) == TGDP_EINVAL);
    CHECK(tgdp_canvas_write_png(NULL, path, &err) == TGDP_EINVAL);
    tgdp_canvas_free(&c);
}

static void test_heat_clamp(void)
{
    tgdp_canvas c;
    CHECK(tgdp_canvas_init(&c, 8, 4, NULL) == TGDP_OK);
    if (!c.rgb) return;
    /* values outside [vmin, vmax] clamp to the ramp ends; infinities too */
    const double v[4] = {-5.0, 5.0, -INFINITY, INFINITY};
    tgdp_canvas_heat(&c, 0, 0, 8, 4, v, 4, 1, 0.0, 1.0);
    CHECK_PX(c.rgb, c.w, 0, 0, VIRIDIS_LO);
    CHECK_PX(c.rgb, c.w, 3, 3, VIRIDIS_HI);
    CHECK_PX(c.rgb, c.w, 4, 1, VIRIDIS_LO);
    CHECK_PX(c.rgb, c.w, 7, 2, VIRIDIS_HI);
    /* the ramp is monotone in brightness-ish: green channel grows along it */
    const double ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    tgdp_canvas_heat(&c, 0, 0, 8, 4, ramp, 8, 1, 0.0, 7.0);
    int mono = 1;
    for (int x = 1; x < 8; x++)
        if (px(c.rgb, c.w, x, 0)[1] <= px(c.rgb, c.w, x - 1, 0)[1]) mono = 0;
    CHECK(mono);
    /* a grid larger than the rectangle is subsampled, no overrun */
    double big[100 * 50];
    for (int i = 0; i < 100 * 50; i++) big[i] = i;
    tgdp_canvas_heat(&c, 0, 0, 8, 4, big, 100, 50, 0.0, 4999.0);
    CHECK_PX(c.rgb, c.w, 0, 0, VIRIDIS_LO);
    tgdp_canvas_free(&c);
}

static void test_dense_line(void)
{
    /* n much larger than the width: the polyline stays connected, every column gets ink */
    tgdp_canvas c;
    CHECK(tgdp_canvas_init(&c, 40, 30, NULL) == TGDP_OK);
    if (!c.rgb) return;
    enum { N = 1000 };
    float v[N];
    for (int i = 0; i < N; i++) v[i] = (float)sin(i * 0.05);
    tgdp_canvas_line(&c, 5, 5, 30, 20, v, N, -1.0, 1.0, BLACK);
    int cols_ok = 1, outside = 0;
    for (int x = 0; x < c.w; x++)
        for (int y = 0; y < c.h; y++) {
            int in = x >= 5 && x < 35 && y >= 5 && y < 25;
            if (!in && !is_col(c.rgb, c.w, x, y, WHITE)) outside++;
        }
    for (int x = 5; x < 35; x++) {
        int any = 0;
        for (int y = 5; y < 25; y++) any |= is_col(c.rgb, c.w, x, y, BLACK);
        if (!any) cols_ok = 0;
    }
    CHECK(cols_ok);
    CHECK(outside == 0);
    /* values beyond [ymin, ymax] are clipped to the rectangle, not drawn outside it */
    const float wild[5] = {0.0f, 100.0f, -100.0f, 1e30f, 0.5f};
    tgdp_canvas_line(&c, 5, 5, 30, 20, wild, 5, -1.0, 1.0, RED);
    outside = 0;
    for (int x = 0; x < c.w; x++)
        for (int y = 0; y < c.h; y++) {
            int in = x >= 5 && x < 35 && y >= 5 && y < 25;
            if (!in && !is_col(c.rgb, c.w, x, y, WHITE)) outside++;
        }
    CHECK(outside == 0);
    /* a single sample is one pixel at the rectangle's left edge */
    tgdp_canvas blank;
    CHECK(tgdp_canvas_init(&blank, 10, 10, NULL) == TGDP_OK);
    if (blank.rgb) {
        const float one = 0.0f;
        tgdp_canvas_line(&blank, 2, 2, 5, 5, &one, 1, -1.0, 1.0, BLUE);
        CHECK_PX(blank.rgb, blank.w, 2, 4, BLUE);
        int ink = 0;
        for (size_t i = 0; i < 100; i++) ink += !is_col(blank.rgb, 10, (int)(i % 10), (int)(i / 10), WHITE);
        CHECK(ink == 1);
    }
    tgdp_canvas_free(&blank);
    tgdp_canvas_free(&c);
}

static void test_text_details(void)
{
    tgdp_canvas c;
    CHECK(tgdp_canvas_init(&c, 80, 20, NULL) == TGDP_OK);
    if (!c.rgb) return;
    /* characters the font lacks, and space, are blanks */
    tgdp_canvas_text(&c, 0, 0, " @~\x01\xff", 1, BLACK);
    CHECK(all_white(&c));
    /* every supported character draws something */
    const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:-+=_()/%#<>?";
    int missing = 0;
    for (const char *p = set; *p; p++) {
        memset(c.rgb, 255, (size_t)c.w * c.h * 3);
        char s[2] = {*p, 0};
        tgdp_canvas_text(&c, 1, 1, s, 1, BLACK);
        if (all_white(&c)) {
            fprintf(stderr, "glyph '%c' is blank\n", *p);
            missing++;
        }
    }
    CHECK(missing == 0);
    /* distinct glyphs for digits (no copy-paste slip in the table) */
    unsigned char shapes[10][35];
    for (int d = 0; d < 10; d++) {
        memset(c.rgb, 255, (size_t)c.w * c.h * 3);
        char s[2] = {(char)('0' + d), 0};
        tgdp_canvas_text(&c, 0, 0, s, 1, BLACK);
        for (int i = 0; i < 35; i++) shapes[d][i] = px(c.rgb, c.w, i % 5, i / 5)[0];
    }
    int distinct = 1;
    for (int a = 0; a < 10; a++)
        for (int b = a + 1; b < 10; b++)
            if (!memcmp(shapes[a], shapes[b], 35)) distinct = 0;
    CHECK(distinct);
    /* scale 3: each font pixel becomes a 3x3 block; characters advance by 6*3 */
    memset(c.rgb, 255, (size_t)c.w * c.h * 3);
    tgdp_canvas_text(&c, 0, 0, "II", 3, BLACK);
    CHECK_PX(c.rgb, c.w, 3, 0, BLACK); /* 'I' top row .###. -> x 3..11 */
    CHECK_PX(c.rgb, c.w, 11, 2, BLACK);
    CHECK_PX(c.rgb, c.w, 2, 0, WHITE);
    CHECK_PX(c.rgb, c.w, 12, 0, WHITE);
    CHECK_PX(c.rgb, c.w, 21, 0, BLACK); /* second 'I' starts at 18 */
    CHECK_PX(c.rgb, c.w, 20, 0, WHITE);
    for (int y = 0; y < 20; y++) CHECK_PX(c.rgb, c.w, 15, y, WHITE); /* gap columns 15..17 */
    tgdp_canvas_free(&c);
}

static void test_out_of_range(void)
{
    tgdp_canvas c;
    CHECK(tgdp_canvas_init(&c, 16, 12, NULL) == TGDP_OK);
    if (!c.rgb) return;
    const double g[4] = {0, 1, 2, 3};
    const float xy[8] = {0.5f, 0.5f, NAN, 0.0f, INFINITY, -INFINITY, 1e30f, -1e30f};
    const float v[6] = {0.0f, NAN, 1e30f, -INFINITY, 0.5f, -1e38f};
    const int big = INT_MAX, small = INT_MIN;
    const int coords[] = {small, small + 1, -100, -1, 0, 5, 11, 15, 16, 100, big - 1, big};
    const int sizes[] = {small, -3, 0, 1, 2, 7, 40, big};
    const int nc = (int)(sizeof coords / sizeof coords[0]), ns = (int)(sizeof sizes / sizeof sizes[0]);
    for (int a = 0; a < nc; a++)
        for (int b = 0; b < nc; b++)
            for (int s = 0; s < ns; s++) {
                int x0 = coords[a], y0 = coords[b], pw = sizes[s], ph = sizes[(s + 3) % ns];
                tgdp_canvas_heat(&c, x0, y0, pw, ph, g, 2, 2, 0.0, 3.0);
                tgdp_canvas_heat(&c, x0, y0, pw, pw, g, 2, 2, 1.0, 1.0);
                tgdp_canvas_scatter(&c, x0, y0, pw, ph, xy, 4, 0.0, 1.0, 0.0, 1.0, RED);
                tgdp_canvas_scatter(&c, x0, y0, pw, pw, xy, 4, -1e300, 1e300, 0.0, 1.0, RED);
                tgdp_canvas_line(&c, x0, y0, pw, ph, v, 6, -1.0, 1.0, BLUE);
                tgdp_canvas_line(&c, x0, y0, pw, pw, v, 6, -1e-300, 1e-300, BLUE);
                tgdp_canvas_rect(&c, x0, y0, pw, ph, GREEN);
                tgdp_canvas_text(&c, x0, y0, "Hi 42%\nok?", sizes[s], BLACK);
            }
    /* degenerate arguments */
    tgdp_canvas_heat(&c, 0, 0, 16, 12, NULL, 2, 2, 0, 1);
    tgdp_canvas_heat(&c, 0, 0, 16, 12, g, 0, 2, 0, 1);
    tgdp_canvas_heat(&c, 0, 0, 16, 12, g, 2, -2, 0, 1);
    tgdp_canvas_heat(&c, 0, 0, 16, 12, g, 2, 2, NAN, NAN);
    tgdp_canvas_heat(&c, 0, 0, 16, 12, g, 2, 2, 1, 0);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, xy, 0, 0, 1, 0, 1, RED);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, xy, -5, 0, 1, 0, 1, RED);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, NULL, 4, 0, 1, 0, 1, RED);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, xy, 4, 1, 1, 0, 1, RED);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, xy, 4, 0, 1, NAN, 1, RED);
    tgdp_canvas_scatter(&c, 0, 0, 16, 12, xy, 4, 0, 1, 0, 1, NULL);
    tgdp_canvas_line(&c, 0, 0, 16, 12, v, 0, -1, 1, BLUE);
    tgdp_canvas_line(&c, 0, 0, 16, 12, NULL, 6, -1, 1, BLUE);
    tgdp_canvas_line(&c, 0, 0, 16, 12, v, 6, 1, 1, BLUE);
    tgdp_canvas_line(&c, 0, 0, 16, 12, v, 6, -INFINITY, INFINITY, BLUE);
    tgdp_canvas_line(&c, 0, 0, 1, 1, v, 6, -1, 1, BLUE);
    tgdp_canvas_rect(&c, 0, 0, 16, 12, NULL);
    tgdp_canvas_text(&c, 0, 0, NULL, 1, BLACK);
    tgdp_canvas_text(&c, 0, 0, "", 1, BLACK);
    tgdp_canvas_text(&c, 0, 0, "ABC", 0, BLACK);
    tgdp_canvas_text(&c, 0, 0, "ABC", -7, BLACK);
    tgdp_canvas_text(&c, 0, 0, "ABC", 1, NULL);
    tgdp_canvas_text(&c, 3, 3, "A", INT_MAX, BLACK);
    tgdp_canvas_text(&c, -100, -100, "W", INT_MAX / 2, BLACK);
    tgdp_canvas_heat(NULL, 0, 0, 1, 1, g, 2, 2, 0, 1);
    tgdp_canvas_scatter(NULL, 0, 0, 1, 1, xy, 4, 0, 1, 0, 1, RED);
    tgdp_canvas_line(NULL, 0, 0, 1, 1, v, 6, -1, 1, BLUE);
    tgdp_canvas_rect(NULL, 0, 0, 1, 1, GREEN);
    tgdp_canvas_text(NULL, 0, 0, "A", 1, BLACK);
    CHECK(c.w == 16 && c.h == 12); /* reaching here without a sanitizer report is the test */

    /* a rectangle wholly outside leaves the canvas untouched; one partly outside is clipped */
    tgdp_canvas d;
    CHECK(tgdp_canvas_init(&d, 10, 10, NULL) == TGDP_OK);
    if (d.rgb) {
        tgdp_canvas_rect(&d, 10, 0, 5, 5, GREEN);
        tgdp_canvas_heat(&d, -20, -20, 20, 20, g, 2, 2, 0, 3);
        tgdp_canvas_text(&d, 10, 0, "AAAA", 2, BLACK);
        tgdp_canvas_text(&d, -12, 0, "A", 2, BLACK); /* 'A' at scale 2 spans x -12..-3 */
        CHECK(all_white(&d));
        tgdp_canvas_rect(&d, -5, -5, 10, 10, GREEN); /* right/bottom edges at 4 */
        CHECK_PX(d.rgb, d.w, 4, 0, GREEN);
        CHECK_PX(d.rgb, d.w, 0, 4, GREEN);
        CHECK_PX(d.rgb, d.w, 4, 4, GREEN);
        CHECK_PX(d.rgb, d.w, 0, 0, WHITE);
        CHECK_PX(d.rgb, d.w, 5, 5, WHITE);
    }
    tgdp_canvas_free(&d);
    tgdp_canvas_free(&c);
}

int main(void)
{
    if (make_tmpdir("tgdp_plot") != 0) return 1;
    test_init();
    test_scene_png();
    test_heat_clamp();
    test_dense_line();
    test_text_details();
    test_out_of_range();
    remove_files(tmpdir, 1); /* CHECKs every unlink and the rmdir */
    TEST_MAIN_END();
}

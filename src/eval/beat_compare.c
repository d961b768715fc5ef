/* Detected beats against reference beats (tgdp/ecg_beats.h): one-to-one matching within a
 * tolerance, sensitivity and positive predictivity. */
#include "tgdp/ecg_beats.h"

#include <math.h>
#include <stdlib.h>

static void rates(tgdp_beat_score *s)
{
    s->sensitivity = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : NAN;
    s->ppv = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : NAN;
}

void tgdp_beats_compare(const int64_t *ref, int64_t n_ref, const int64_t *det, int64_t n_det, int64_t tol,
                        int64_t from, int64_t to, tgdp_beat_score *s)
{
    s->tp = s->fn = s->fp = 0;
    /* both lists ascending: walk them together; a detection goes to the nearest free reference
     * beat within tol, the earlier reference first when a detection could serve two */
    int64_t i = 0, j = 0;
    while (i < n_ref && ref[i] < from) i++;
    while (j < n_det && det[j] < from) j++;
    while (i < n_ref && ref[i] <= to) {
        while (j < n_det && det[j] <= to && det[j] < ref[i] - tol) j++, s->fp++;
        if (j < n_det && det[j] <= to && llabs(det[j] - ref[i]) <= tol) {
            /* the next reference beat may be the closer one for this detection */
            if (i + 1 < n_ref && ref[i + 1] <= to && llabs(det[j] - ref[i + 1]) < llabs(det[j] - ref[i]) &&
                !(j + 1 < n_det && det[j + 1] <= to && llabs(det[j + 1] - ref[i + 1]) <= tol)) {
                s->fn++;
                i++;
                continue;
            }
            s->tp++;
            i++, j++;
        } else {
            s->fn++;
            i++;
        }
    }
    while (j < n_det && det[j] <= to) j++, s->fp++;
    rates(s);
}

void tgdp_beat_score_add(tgdp_beat_score *a, const tgdp_beat_score *b)
{
    a->tp += b->tp;
    a->fn += b->fn;
    a->fp += b->fp;
    rates(a);
}

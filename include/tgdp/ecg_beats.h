/* tgdp ECG beats: the reference beat annotations of a database (WFDB annotation files), a QRS
 * (R-peak) detector that works at any sampling rate, the comparison of detected beats with a
 * reference, and the rhythm realism of ECG windows (how many windows show beats at a
 * physiological heart rate, the heart-rate distribution, RR regularity, high-frequency noise).
 *
 * All functions follow tgdp/core.h: TGDP_OK or a TGDP_E* code with a message in tgdp_error;
 * nothing prints. Sample indices are 0-based.
 */
#ifndef TGDP_ECG_BEATS_H
#define TGDP_ECG_BEATS_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* ---------------------------------------------------------------- WFDB annotations
 * MIT format (WFDB annot(5)): a stream of little-endian 16-bit words, the 6 high bits a code A,
 * the 10 low bits a number I. A in 1..49 is an annotation of type A, I samples after the previous
 * one; A = 59 (SKIP) adds the 32-bit interval in the next two words (high word first); A = 60, 61,
 * 62 set the num, subtype and chan fields (num and chan carry over to later annotations); A = 63
 * (AUX) is followed by I bytes of text (padded to an even count); the word 0 ends the file.
 * Type codes are WFDB's (ecgcodes.h): 1 'N' normal beat, 5 'V', 24 'p' P wave, 27 't' T wave,
 * 39 '(' wave onset, 40 ')' wave offset, ... LUDB annotates every wave of a lead as the triplet
 * '(' onset, peak ('p', 'N' for the QRS complex, 't'), ')' offset. */
typedef struct tgdp_wfdb_annotation {
    int64_t sample;  /* time in samples from the start of the record */
    int code;        /* annotation type, 0..49 (0: NOTQRS, e.g. a leading "## time resolution" note) */
    int subtype, chan, num;
    char aux[32];    /* auxiliary text ("" when none; longer texts are truncated) */
} tgdp_wfdb_annotation;

/* Read an annotation file; *ann is malloc'd (n entries, in file order). Truncated words, a SKIP
 * or AUX that runs past the end, times that go negative, a missing end word followed by garbage:
 * TGDP_EFORMAT naming the file and the byte offset. A file without the end word is accepted when
 * it ends on a word boundary (some writers omit it). */
int tgdp_wfdb_read_annotations(const char *path, tgdp_wfdb_annotation **ann, size_t *n, tgdp_error *err);
/* Parse annotation bytes held in memory (what names them in messages). */
int tgdp_wfdb_parse_annotations(const unsigned char *buf, size_t len, const char *what, tgdp_wfdb_annotation **ann,
                                size_t *n, tgdp_error *err);
/* The WFDB mnemonic of a code ("N", "V", "(", "p"; "[k]" style text for unassigned codes 42..49;
 * NULL outside 0..49). */
const char *tgdp_wfdb_annotation_symbol(int code);
/* Whether the code is a beat (QRS) annotation, as WFDB's isqrs(): N L R a V F J A S E j / Q ? e n f r. */
int tgdp_wfdb_annotation_is_qrs(int code);
/* The sample indices of the beat annotations of ann (sorted as in the file); *beats malloc'd. */
int tgdp_wfdb_annotation_beats(const tgdp_wfdb_annotation *ann, size_t n, int64_t **beats, int64_t *n_beats,
                               tgdp_error *err);

/* ---------------------------------------------------------------- QRS detection
 * After Pan and Tompkins (IEEE Trans. Biomed. Eng. 32(3), 1985), with every filter designed for
 * the sampling rate so that the detector works the same at 100 Hz and at 500 Hz:
 *  1. zero-phase band-pass band_lo_hz..band_hi_hz (2nd-order Butterworth high- and low-pass
 *     sections run forward and backward), derivative, and the root of the centred moving-window
 *     mean of its square over integration_s: the QRS slope energy e(t) (Pan and Tompkins
 *     integrate the square; its root keeps a beat half as tall as the others above threshold);
 *  2. candidates: local maxima of e at least refractory_s apart (the larger one wins);
 *  3. adaptive thresholds as in the paper: signal and noise levels SPK, NPK (running averages of
 *     the candidate heights classified as QRS or noise), THR1 = NPK + 0.4 (SPK - NPK) (0.16 on
 *     the squared scale of the paper); of two candidates closer than twave_s, one with under half
 *     the other's largest slope is the other's T wave (after it) or P wave (before it, unless the
 *     later one is over twice SPK: an artefact); when no QRS came for 1.66 mean RR intervals, the
 *     largest candidate above THR2 = THR1 / 2 since the last one is taken (search-back). The
 *     levels are learnt in a first pass over the signal (initial SPK = 1/3 of the largest e of
 *     the first 2 s, NPK = 1/2 of its mean) and the detections come from a second pass that
 *     starts with the learnt levels, so that short windows (2.5 s) are detected from their first
 *     beat;
 *  4. a QRS must stand out from the signal's noise floor: its e must be at least min_snr times
 *     the 30th percentile of e over the signal. White noise alone rarely reaches it (2.5 s
 *     windows at 100 Hz: 9 of 400 give two or more "beats", none at a plausible rate; see
 *     tests/test_ecg_beats.c), so noise windows count as beat-free;
 *  5. the R peak: within r_search_s of the energy peak, the earliest local extremum of
 *     |x - baseline| (baseline: a 0.5 Hz zero-phase high-pass) that reaches 0.6 of the largest
 *     one there: the first main deflection, of either polarity (the R wave of an Rs complex).
 * On the 200 LUDB records (tests/test_ludb_beats.c, +-75 ms, within the annotated span), lead II:
 * sensitivity 99.67% and positive predictivity 99.78% at 500 Hz, 99.18% and 99.13% resampled to
 * 100 Hz; the misses are mostly paced beats, which LUDB marks at the pacing spike.
 * Needs fs >= 2.2 band_hi_hz (33 Hz with the defaults). */
typedef struct tgdp_qrs_opts {
    double band_lo_hz, band_hi_hz; /* 5, 15 */
    double integration_s;          /* 0.150 */
    double refractory_s;           /* 0.200 */
    double twave_s;                /* 0.360 */
    double min_snr;                /* 2.5 */
    double r_search_s;             /* 0.100 */
} tgdp_qrs_opts;

void tgdp_qrs_opts_default(tgdp_qrs_opts *o);
/* Upper bound of the beats tgdp_qrs_detect can return for n samples at fs (for sizing peaks). */
int64_t tgdp_qrs_max_beats(int64_t n, double fs, const tgdp_qrs_opts *o);
/* R peaks of one lead x[0..n) sampled at fs into peaks (ascending; room for cap entries, cap >=
 * tgdp_qrs_max_beats suffices). o NULL: the defaults. Non-finite samples: TGDP_ENONFINITE.
 * A flat or too short signal (under 2 integration windows) gives no beats, not an error. */
int tgdp_qrs_detect(const float *x, int64_t n, double fs, const tgdp_qrs_opts *o, int64_t *peaks, int64_t cap,
                    int64_t *n_peaks, tgdp_error *err);

/* ---------------------------------------------------------------- detector scoring
 * Detected beats against reference beats (both ascending), as in ANSI/AAMI EC57: a detection
 * within tol samples of a reference beat matches it (one to one, nearest first); only reference
 * beats and detections within [from, to] count. tp: matched references; fn: unmatched
 * references; fp: unmatched detections. sensitivity = tp / (tp + fn), ppv = tp / (tp + fp)
 * (NaN when the denominator is 0). */
typedef struct tgdp_beat_score {
    int64_t tp, fn, fp;
    double sensitivity, ppv;
} tgdp_beat_score;

void tgdp_beats_compare(const int64_t *ref, int64_t n_ref, const int64_t *det, int64_t n_det, int64_t tol,
                        int64_t from, int64_t to, tgdp_beat_score *s);
/* Adds b's counts to a and recomputes the rates. */
void tgdp_beat_score_add(tgdp_beat_score *a, const tgdp_beat_score *b);

/* ---------------------------------------------------------------- rhythm realism
 * Per window (one lead of an ECG window at fs): the detected beats, their heart rate
 * 60 / mean RR interval (bpm), and the RR coefficient of variation sd(RR) / mean(RR) (population
 * sd; needs 3 beats). A window "has beats" when it has at least 2 beats and its heart rate lies
 * in [TGDP_HR_MIN_BPM, TGDP_HR_MAX_BPM] (the range of adult and paediatric rhythms from marked
 * bradycardia to supraventricular tachycardia; a rate outside it in a 2.5-10 s window is a
 * detector hit on noise, not a rhythm). */
#define TGDP_HR_MIN_BPM 30.0
#define TGDP_HR_MAX_BPM 220.0
#define TGDP_HF_CUTOFF_HZ 30.0

typedef struct tgdp_window_rhythm {
    int n_beats;
    int has_beats; /* >= 2 beats and heart rate within the range above */
    double hr_bpm; /* NaN with fewer than 2 beats */
    double rr_cv;  /* NaN with fewer than 3 beats */
} tgdp_window_rhythm;

/* Rhythm of one lead x[0..L) at fs (detector options o, NULL: defaults). */
int tgdp_window_rhythm_of(const float *x, int64_t L, double fs, const tgdp_qrs_opts *o, tgdp_window_rhythm *out,
                          tgdp_error *err);

/* Share of a window's power above cutoff_hz, all leads pooled: each lead has its mean removed, is
 * tapered by a Hann window and zero-padded to a power of two, and the power of its FFT bins
 * above the cutoff over that of all bins but DC is taken, summed over the leads. NaN when the
 * window has no power or the cutoff is at or above fs / 2. x: [n_leads, L]. */
double tgdp_window_hf_share(const float *x, int n_leads, int64_t L, double fs, double cutoff_hz);

/* Realism of a set of windows on its own (one of the two sides of tgdp_ecg_realism). */
typedef struct tgdp_rhythm_summary {
    int64_t n;            /* windows */
    double beat_fraction; /* share of windows that have beats */
    double hr_mean, hr_sd;/* over the windows that have beats (NaN when none) */
    double rr_cv;         /* mean RR CV over the windows that have beats and >= 3 beats (NaN when none) */
    double hf_share;      /* mean over the windows of tgdp_window_hf_share (NaN windows skipped) */
} tgdp_rhythm_summary;

/* Generated windows against real ones:
 *   beat_fraction, real_beat_fraction  share of windows with beats (see above)
 *   hr_w1          Wasserstein-1 distance (bpm) between the heart rates of the two sides' windows
 *                  that have beats (NaN when a side has none)
 *   rr_cv, real_rr_cv                  mean RR coefficient of variation
 *   hf_noise_ratio generated hf_share / real hf_share (1: as real; NaN when real has none) */
typedef struct tgdp_realism {
    double beat_fraction, real_beat_fraction;
    double hr_w1;
    double rr_cv, real_rr_cv;
    double hf_noise_ratio;
    tgdp_rhythm_summary gen, real;
} tgdp_realism;

/* Windows are rows [n, n_leads * L] (lead-major: lead l of row i at x + i d + l L); lead selects the
 * lead the beats are detected on (TGDP_LEAD_II = 1 for 12-lead windows); the high-frequency share
 * uses every lead. n_gen, n_real >= 1. */
int tgdp_ecg_realism(int64_t n_gen, const float *gen, int64_t n_real, const float *real, int n_leads, int64_t L,
                     double fs, int lead, tgdp_realism *out, tgdp_error *err);
/* One side only (out->n = n). */
int tgdp_rhythm_summarize(int64_t n, const float *x, int n_leads, int64_t L, double fs, int lead,
                          tgdp_rhythm_summary *out, double *hr /* [n] or NULL: per-window rate, NaN without beats */,
                          tgdp_error *err);
/* Wasserstein-1 distance between the empirical distributions of a[0..na) and b[0..nb) (both >= 1
 * values; the arrays are sorted in place). */
double tgdp_wasserstein1(double *a, int64_t na, double *b, int64_t nb);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

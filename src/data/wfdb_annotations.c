/* WFDB annotation files in the MIT format (tgdp/ecg_beats.h): LUDB's cardiologist delineations,
 * MIT-BIH style beat labels. See WFDB's annot(5) for the format. */
#include "data/ecg_internal.h"
#include "tgdp/ecg_beats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A_SKIP = 59, A_NUM = 60, A_SUB = 61, A_CHN = 62, A_AUX = 63, A_MAX_CODE = 49 };

/* WFDB's ecgcodes.h mnemonics, codes 0..41; 42..49 are unassigned */
static const char *const symbols[A_MAX_CODE + 1] = {
    " ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "[15]", "|", "[17]",
    "s", "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@",
    "x", "f", "(", ")", "r", "[42]", "[43]", "[44]", "[45]", "[46]", "[47]", "[48]", "[49]"};

const char *tgdp_wfdb_annotation_symbol(int code)
{
    return code >= 0 && code <= A_MAX_CODE ? symbols[code] : NULL;
}

int tgdp_wfdb_annotation_is_qrs(int code)
{
    /* NORMAL LBBB RBBB ABERR PVC FUSION NPC APC SVPB VESC NESC PACE UNKNOWN (1..13), LEARN (30),
     * AESC SVESC (34, 35), PFUS (38), RONT (41) */
    return (code >= 1 && code <= 13) || code == 30 || code == 34 || code == 35 || code == 38 || code == 41;
}

typedef struct ann_vec {
    tgdp_wfdb_annotation *v;
    size_t n, cap;
} ann_vec;

static tgdp_wfdb_annotation *push(ann_vec *a)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? 2 * a->cap : 64;
        tgdp_wfdb_annotation *v = realloc(a->v, nc * sizeof *v);
        if (!v) return NULL;
        a->v = v;
        a->cap = nc;
    }
    tgdp_wfdb_annotation *e = &a->v[a->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static unsigned word_at(const unsigned char *b, size_t i) { return (unsigned)b[i] | (unsigned)b[i + 1] << 8; }

int tgdp_wfdb_parse_annotations(const unsigned char *buf, size_t len, const char *what, tgdp_wfdb_annotation **ann,
                                size_t *n, tgdp_error *err)
{
    *ann = NULL;
    *n = 0;
    ann_vec a = {0};
    int64_t t = 0;
    int num = 0, chan = 0, ended = 0, rc = TGDP_OK;
    tgdp_wfdb_annotation *last = NULL; /* the annotation the modifiers apply to */
    size_t i = 0;
    while (i + 1 < len && !rc) {
        const unsigned w = word_at(buf, i), A = w >> 10, I = w & 0x3ff;
        const size_t at = i;
        i += 2;
        if (w == 0) {
            ended = 1;
            break;
        }
        if (A == A_SKIP) {
            if (i + 4 > len) {
                rc = tgdp_fail(err, TGDP_EFORMAT, "%s: SKIP at byte %zu runs past the end of the file", what, at);
                break;
            }
            uint32_t u = (uint32_t)word_at(buf, i) << 16 | word_at(buf, i + 2);
            t += (int32_t)u;
            i += 4;
        } else if (A == A_NUM) {
            num = I >= 512 ? (int)I - 1024 : (int)I; /* signed 10-bit */
            if (last) last->num = num;
        } else if (A == A_SUB) {
            if (last) last->subtype = (int)I;
        } else if (A == A_CHN) {
            chan = (int)I;
            if (last) last->chan = chan;
        } else if (A == A_AUX) {
            if (i + I > len) {
                rc = tgdp_fail(err, TGDP_EFORMAT, "%s: AUX text of %u bytes at byte %zu runs past the end of the file",
                               what, I, at);
                break;
            }
            if (last) {
                size_t k = I < sizeof last->aux ? I : sizeof last->aux - 1;
                memcpy(last->aux, buf + i, k);
                last->aux[k] = '\0';
            }
            i += I + (I & 1);
        } else if (A > A_MAX_CODE && A < A_SKIP) {
            rc = tgdp_fail(err, TGDP_EFORMAT, "%s: unknown annotation code %u at byte %zu", what, A, at);
        } else {
            t += I;
            if (!(last = push(&a))) {
                rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", what);
                break;
            }
            last->sample = t;
            last->code = (int)A;
            last->num = num;
            last->chan = chan;
        }
        if (!rc && t < 0) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: negative annotation time at byte %zu", what, at);
    }
    if (!rc && !ended && i < len)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: %zu stray byte(s) at the end (truncated word, no end mark)", what, len - i);
    if (rc) {
        free(a.v);
        return rc;
    }
    *ann = a.v;
    *n = a.n;
    return TGDP_OK;
}

int tgdp_wfdb_read_annotations(const char *path, tgdp_wfdb_annotation **ann, size_t *n, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    *ann = NULL;
    *n = 0;
    int rc = ecg_read_file(path, &buf, &len, err);
    if (rc) return rc;
    rc = tgdp_wfdb_parse_annotations(buf, len, path, ann, n, err);
    free(buf);
    return rc;
}

int tgdp_wfdb_annotation_beats(const tgdp_wfdb_annotation *ann, size_t n, int64_t **beats, int64_t *n_beats,
                               tgdp_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += tgdp_wfdb_annotation_is_qrs(ann[i].code) != 0;
    *beats = malloc((k ? k : 1) * sizeof **beats);
    *n_beats = 0;
    if (!*beats) return tgdp_fail(err, TGDP_ENOMEM, "annotation beats: out of memory");
    for (size_t i = 0; i < n; i++)
        if (tgdp_wfdb_annotation_is_qrs(ann[i].code)) (*beats)[(*n_beats)++] = ann[i].sample;
    return TGDP_OK;
}

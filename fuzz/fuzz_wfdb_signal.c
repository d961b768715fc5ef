/* Fuzz target: a whole WFDB record (header + signal file) through tgdp_wfdb_load: signal
 * formats 16/61/80/160/212/24/32, frames, skew, byte offsets, checksums, MAT v4 signal files,
 * lead mapping, unit conversion and the sanity check.
 *
 * Input: the header text, a NUL byte, then the signal file's bytes (written under every file
 * name the header gives; a header without a NUL gets an empty signal file). Names other than
 * short plain file names are skipped so the target stays inside its scratch folder. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

#define MAX_FILES 16

static char written[MAX_FILES][80];
static int n_written;

static int plain_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strcmp(s, "rec.hea") == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* files of the previous input must not leak into this one */
    for (int i = 0; i < n_written; i++) unlink(fuzz_path(written[i]));
    n_written = 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t hlen = nul ? (size_t)(nul - data) : size;
    const uint8_t *sig = nul ? nul + 1 : data + size;
    size_t slen = (size_t)(data + size - sig);

    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_wfdb_header h;
    if (tgdp_wfdb_parse_header((const char *)data, hlen, "rec.hea", &h, &err)) return 0; /* fuzz_wfdb_header's job */
    int ok = 1;
    for (int k = 0; k < h.nsig && ok; k++) {
        const char *name = h.sig[k].file_name;
        int seen = 0;
        for (int i = 0; i < n_written && !seen; i++) seen = strcmp(written[i], name) == 0;
        if (seen) continue;
        if (!plain_name(name) || n_written == MAX_FILES) {
            ok = 0;
            break;
        }
        strcpy(written[n_written++], name);
        fuzz_write(name, sig, slen);
    }
    tgdp_wfdb_header_free(&h);
    if (!ok) return 0;
    const char *hea = fuzz_write("rec.hea", data, hlen);

    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_wfdb_load(hea, &r, &err);
    fuzz_check_named(rc, &err, "tgdp_wfdb_load", NULL);
    if (rc == TGDP_OK && r.n > 0) ((volatile float *)r.data)[12 * (size_t)r.n - 1] += 0.0f;
    tgdp_ecg_record_free(&r);
    return 0;
}

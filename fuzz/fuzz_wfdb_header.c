/* Fuzz target: WFDB header parser (record and signal lines, comments) and the metadata taken
 * from header comments (CinC "#Dx:" SNOMED codes, age/sex, LUDB diagnosis lines). */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_wfdb_header h;
    int rc = tgdp_wfdb_parse_header((const char *)data, size, "in.hea", &h, &err);
    fuzz_check_named(rc, &err, "tgdp_wfdb_parse_header", "in.hea");
    if (rc) return 0;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    tgdp_wfdb_comments_meta(&h, &r);
    if (strlen(r.source_labels) >= sizeof r.source_labels) __builtin_trap();
    tgdp_ecg_record_free(&r);
    tgdp_wfdb_header_free(&h);
    return 0;
}

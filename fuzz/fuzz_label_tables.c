/* Fuzz target: the ECG label tables, all read from the same bytes: ptbxl_database*.csv (with
 * the scp_codes dict parser), scp_statements.csv, LUDB ludb.csv, CPSC REFERENCE.csv; plus the
 * scp_codes parser and the code-list mappers (SNOMED "#Dx:" lists, SCP, CPSC, LUDB text) on the
 * bytes as one string. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("table.csv", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    size_t n;
    int rc;

    tgdp_ptbxl_row *rows;
    rc = tgdp_ptbxl_read_database(p, &rows, &n, &err);
    fuzz_check_named(rc, &err, "tgdp_ptbxl_read_database", NULL);
    if (rc == TGDP_OK) free(rows);

    tgdp_scp_statement *st;
    rc = tgdp_ptbxl_read_statements(p, &st, &n, &err);
    fuzz_check_named(rc, &err, "tgdp_ptbxl_read_statements", NULL);
    if (rc == TGDP_OK) free(st);

    tgdp_ludb_row *lr;
    rc = tgdp_ludb_read_csv(p, &lr, &n, &err);
    fuzz_check_named(rc, &err, "tgdp_ludb_read_csv", NULL);
    if (rc == TGDP_OK) free(lr);

    tgdp_cpsc_ref *refs;
    rc = tgdp_cpsc_read_reference(p, &refs, &n, &err);
    fuzz_check_named(rc, &err, "tgdp_cpsc_read_reference", NULL);
    if (rc == TGDP_OK) free(refs);

    /* the in-memory parsers take NUL-terminated text */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    tgdp_scp_code codes[8];
    rc = tgdp_ptbxl_parse_scp_codes(s, codes, 8, &n, "scp_codes", &err);
    fuzz_check_named(rc, &err, "tgdp_ptbxl_parse_scp_codes", "scp_codes");
    for (int src = TGDP_ECG_SRC_SCP; src <= TGDP_ECG_SRC_LUDB; src++) {
        tgdp_ecg_labels l = tgdp_ecg_labels_from_list((tgdp_ecg_label_source)src, s, ", ;\n");
        char buf[128];
        tgdp_ecg_labels_format(l, buf, sizeof buf);
        if (l >> TGDP_ECG_NLABELS) __builtin_trap();
    }
    free(s);
    return 0;
}

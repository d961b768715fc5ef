/* Broken ECG files written to a temp folder: truncated/oversized .dat and .mat, missing signal
 * files, header signal counts that disagree with the signal lines, bad format codes, garbage
 * gains, corrupted MAT v4 headers, non-MATLAB .mat files, broken MATLAB v5 files, ragged
 * PTB-XL CSVs, label files with unterminated quotes, checksum mismatches, plus a byte-flip and
 * truncation sweep. Every case must fail with a message naming the file and the problem,
 * and nothing may crash (run under ASan/UBSan in the Debug build). */
#include <matio.h>

#include "test_ecg_common.h"

static char *D; /* temp folder */

static const char *P(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    pathf(buf[k], sizeof buf[k], D, name);
    return buf[k];
}

/* rc must be the wanted code and the message must contain both substrings. */
#define EXPECT(call, code, s1, s2)                                                                     \
    do {                                                                                               \
        tgdp_error e_ = {0, ""};                                                                       \
        int rc_ = (call);                                                                              \
        CHECKF(rc_ == (code) && strstr(e_.msg, (s1)) && strstr(e_.msg, (s2)), "rc %d, msg '%s'", rc_, \
               e_.msg);                                                                                \
    } while (0)
#define E (&e_)

static int load(const char *path, tgdp_error *err)
{
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_ecg_load(path, &r, err);
    CHECK(rc != TGDP_OK || r.data != NULL);
    if (rc) CHECK(r.data == NULL && r.n == 0);
    tgdp_ecg_record_free(&r);
    return rc;
}

static void truncate_file(const char *path, size_t keep)
{
    size_t n;
    unsigned char *b = read_all(path, &n);
    write_bytes(path, b, keep < n ? keep : n);
    free(b);
}

/* Replace the first occurrence of from by to in a text file. */
static void edit_text(const char *path, const char *from, const char *to)
{
    size_t n;
    char *b = (char *)read_all(path, &n);
    b[n] = '\0';
    char *p = strstr(b, from), out[16384];
    if (!p) {
        fprintf(stderr, "edit_text: '%s' not in %s\n", from, path);
        exit(1);
    }
    snprintf(out, sizeof out, "%.*s%s%s", (int)(p - b), b, to, p + strlen(from));
    write_text(path, out);
    free(b);
}

/* Rewrite <name>.hea for a 12-signal format-16 <name>.dat: checksums and initial values
 * recomputed from the data (the -32768 invalid code counts as -32768). */
static void fix_header16(const char *name, int nsamp)
{
    char file[128], hdr[8192];
    snprintf(file, sizeof file, "%s.dat", name);
    size_t n;
    unsigned char *b = read_all(P(file), &n);
    int k = snprintf(hdr, sizeof hdr, "%s 12 500 %d\n", name, nsamp);
    for (int s = 0; s < 12; s++) {
        long sum = 0;
        int first = 0;
        for (int t = 0; t < nsamp; t++) {
            int v = (int16_t)(uint16_t)(b[24 * t + 2 * s] | b[24 * t + 2 * s + 1] << 8);
            if (t == 0) first = v;
            sum += v;
        }
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, "%s 16 1000(0)/mV 12 0 %d %d 0 %s\n", file, first,
                      (int)(int16_t)(uint16_t)(sum & 0xFFFF), lower_names[s]);
    }
    snprintf(file, sizeof file, "%s.hea", name);
    write_text(P(file), hdr);
    free(b);
}

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void poke32(const char *path, size_t off, int32_t v)
{
    size_t n;
    unsigned char *b = read_all(path, &n);
    memcpy(b + off, &v, 4);
    write_bytes(path, b, n);
    free(b);
}

/* ------------------------------------------------------------------ WFDB .dat */
static void test_wfdb_dat(void)
{
    write_wfdb(D, "ok", 16, 500, 500, 1, "#Dx: 164889003\n");
    CHECK(load(P("ok.hea"), NULL) == TGDP_OK);

    write_wfdb(D, "trunc", 16, 500, 500, 1, NULL);
    truncate_file(P("trunc.dat"), 11900);
    EXPECT(load(P("trunc.hea"), E), TGDP_EFORMAT, "trunc.dat", "truncated: 11900 bytes");

    write_wfdb(D, "big", 16, 500, 500, 1, NULL);
    edit_text(P("big.hea"), "big 12 500 500", "big 12 500 400");
    EXPECT(load(P("big.hea"), E), TGDP_EFORMAT, "big.dat", "signal count or length disagree");

    write_wfdb(D, "nodat", 16, 500, 500, 1, NULL);
    remove(P("nodat.dat"));
    EXPECT(load(P("nodat.hea"), E), TGDP_EIO, "nodat.dat", "cannot open");

    write_wfdb(D, "count", 16, 500, 500, 1, NULL);
    edit_text(P("count.hea"), "count 12 500", "count 13 500");
    EXPECT(load(P("count.hea"), E), TGDP_EFORMAT, "count.hea", "declares 13 signals but there are 12 signal lines");
    edit_text(P("count.hea"), "count 13 500", "count 11 500");
    EXPECT(load(P("count.hea"), E), TGDP_EFORMAT, "count.hea", "declares 11 signals but line 13");

    write_wfdb(D, "fmt", 16, 500, 500, 1, NULL);
    edit_text(P("fmt.hea"), "fmt.dat 16 ", "fmt.dat 311 ");
    EXPECT(load(P("fmt.hea"), E), TGDP_EUNSUPPORTED, "fmt.hea", "unsupported signal format 311");
    edit_text(P("fmt.hea"), "fmt.dat 311 ", "fmt.dat 16x ");
    EXPECT(load(P("fmt.hea"), E), TGDP_EFORMAT, "fmt.hea", "bad format field '16x'");
    edit_text(P("fmt.hea"), "fmt.dat 16x ", "fmt.dat 8 ");
    EXPECT(load(P("fmt.hea"), E), TGDP_EUNSUPPORTED, "fmt.hea", "unsupported signal format 8");

    write_wfdb(D, "gain", 16, 500, 500, 1, NULL);
    edit_text(P("gain.hea"), "1000(0)/mV", "banana/mV");
    EXPECT(load(P("gain.hea"), E), TGDP_EFORMAT, "gain.hea", "bad gain field 'banana/mV'");
    edit_text(P("gain.hea"), "banana/mV", "nan/mV");
    EXPECT(load(P("gain.hea"), E), TGDP_EFORMAT, "gain.hea", "bad gain field 'nan/mV'");
    edit_text(P("gain.hea"), "nan/mV", "1000(x)/mV");
    EXPECT(load(P("gain.hea"), E), TGDP_EFORMAT, "gain.hea", "bad gain field");
    edit_text(P("gain.hea"), "1000(x)/mV", "0.001(0)/mV"); /* parses, but gives kilovolts */
    EXPECT(load(P("gain.hea"), E), TGDP_EFORMAT, "gain.hea", "out of the physiological range");
    edit_text(P("gain.hea"), "0.001(0)/mV", "1000(0)/mmHg");
    EXPECT(load(P("gain.hea"), E), TGDP_EUNSUPPORTED, "gain.hea", "units 'mmHg', not a voltage");

    write_wfdb(D, "adc", 16, 500, 500, 1, NULL);
    edit_text(P("adc.hea"), "/mV 12 0", "/mV twelve 0");
    EXPECT(load(P("adc.hea"), E), TGDP_EFORMAT, "adc.hea", "bad ADC resolution 'twelve'");

    write_wfdb(D, "sum", 16, 500, 500, 1, NULL);
    size_t n;
    unsigned char *b = read_all(P("sum.dat"), &n);
    b[24 * 100] ^= 0x10; /* sample 100 of signal 0 */
    write_bytes(P("sum.dat"), b, n);
    EXPECT(load(P("sum.hea"), E), TGDP_EFORMAT, "sum.dat", "checksum");
    b[0] ^= 0x01; /* first sample of signal 0 */
    write_bytes(P("sum.dat"), b, n);
    EXPECT(load(P("sum.hea"), E), TGDP_EFORMAT, "sum.dat", "signal 0 (i): checksum");
    free(b);

    write_wfdb(D, "inval", 16, 500, 500, 1, NULL);
    b = read_all(P("inval.dat"), &n);
    b[24 * 7 + 2] = 0x00; /* sample 7 of signal 1 = -32768: the WFDB invalid-sample code */
    b[24 * 7 + 3] = 0x80;
    write_bytes(P("inval.dat"), b, n);
    free(b);
    fix_header16("inval", 500);
    EXPECT(load(P("inval.hea"), E), TGDP_ENONFINITE, "inval.hea", "1 invalid (non-finite) samples, first in lead II");

    write_wfdb(D, "noname", 16, 500, 500, 1, NULL);
    char hdr[4096] = "noname 12 500 500\n";
    for (int s = 0; s < 12; s++) strcat(hdr, "noname.dat 16 1000 12 0\n");
    write_text(P("noname.hea"), hdr);
    EXPECT(load(P("noname.hea"), E), TGDP_EFORMAT, "noname.hea", "no signal named I");

    write_wfdb(D, "lead", 16, 500, 500, 1, NULL);
    edit_text(P("lead.hea"), " v3\n", " v4\n");
    EXPECT(load(P("lead.hea"), E), TGDP_EFORMAT, "lead.hea", "lead V4 appears twice");
    edit_text(P("lead.hea"), " v4\n", " x\n");
    EXPECT(load(P("lead.hea"), E), TGDP_EFORMAT, "lead.hea", "no signal named V3");

    write_text(P("empty.hea"), "# only a comment\n\n");
    EXPECT(load(P("empty.hea"), E), TGDP_EFORMAT, "empty.hea", "no record line");
    write_text(P("multi.hea"), "multi/3 2 360 100\nseg1 50\nseg2 50\n");
    EXPECT(load(P("multi.hea"), E), TGDP_EUNSUPPORTED, "multi.hea", "multi-segment");
    write_text(P("fs.hea"), "fs 12 fast 500\n");
    EXPECT(load(P("fs.hea"), E), TGDP_EFORMAT, "fs.hea", "bad sampling frequency 'fast'");
    write_bytes(P("bin.hea"), "ab\0cd", 5);
    EXPECT(load(P("bin.hea"), E), TGDP_EFORMAT, "bin.hea", "binary");
    write_text(P("lonely.dat"), "xx");
    EXPECT(load(P("lonely.dat"), E), TGDP_EIO, "lonely.dat", "without its .hea");
    EXPECT(load(P("nothing.hea"), E), TGDP_EIO, "nothing.hea", "cannot open");
    write_text(P("notes.txt"), "hello");
    EXPECT(load(P("notes.txt"), E), TGDP_EUNSUPPORTED, "notes.txt", "unknown ECG file type");
}

/* ------------------------------------------------------------------ MAT v4 */
static void test_mat4(void)
{
    write_cinc(D, "C1", 400, "# Dx: 426783006\n");
    CHECK(load(P("C1.hea"), NULL) == TGDP_OK);

    write_cinc(D, "Ct", 400, NULL);
    truncate_file(P("Ct.mat"), 24 + 24 * 399);
    EXPECT(load(P("Ct.hea"), E), TGDP_EFORMAT, "Ct.mat", "truncated");
    EXPECT(tgdp_mat4_load(P("Ct.mat"), &(tgdp_ecg_record){0}, E), TGDP_EFORMAT, "Ct.mat", "truncated");

    static const struct { size_t off; int32_t v; const char *msg; int code; } pokes[] = {
        {0, 9999, "not a MATLAB v4 file: invalid type code 9999", TGDP_EFORMAT},
        {0, 130, "corrupted MAT v4 header: type code 130", TGDP_EFORMAT},
        {0, 31, "MAT v4 text matrix not supported", TGDP_EUNSUPPORTED},
        {0, 40, "does not hold WFDB format 16", TGDP_EFORMAT}, /* uint16, not int16 */
        {4, 11, "11 rows but header", TGDP_EFORMAT},
        {8, 399, "399 columns but header", TGDP_EFORMAT},
        {8, -5, "negative size", TGDP_EFORMAT},
        {8, 0x7fffffff, "truncated", TGDP_EFORMAT},
        {12, 7, "imaginary flag 7", TGDP_EFORMAT},
        {16, 0, "name length 0", TGDP_EFORMAT},
        {16, 3, "not NUL-terminated", TGDP_EFORMAT},
        {16, 1000000, "name length", TGDP_EFORMAT},
    };
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        write_cinc(D, "Cp", 400, NULL);
        poke32(P("Cp.mat"), pokes[i].off, pokes[i].v);
        EXPECT(load(P("Cp.hea"), E), pokes[i].code, "Cp.mat", pokes[i].msg);
    }
    write_cinc(D, "Co", 400, NULL);
    edit_text(P("Co.hea"), "16x1+24", "16x1+28");
    EXPECT(load(P("Co.hea"), E), TGDP_EFORMAT, "Co.mat", "data start at byte 24 but header");

    /* not MATLAB at all */
    write_text(P("fake.mat"), "this is a text file, not a MATLAB file at all\n");
    EXPECT(load(P("fake.mat"), E), TGDP_EFORMAT, "fake.mat", "not a MATLAB v4 file");
    write_text(P("tiny.mat"), "MAT");
    EXPECT(load(P("tiny.mat"), E), TGDP_EFORMAT, "tiny.mat", "shorter than a header");
    write_cinc(D, "Cf", 400, NULL);
    write_text(P("Cf.mat"), "this is a text file, not a MATLAB file at all\n");
    EXPECT(load(P("Cf.hea"), E), TGDP_EFORMAT, "Cf.mat", "not a MATLAB v4 file");
    /* a standalone v4 matrix with 11 rows */
    write_cinc(D, "C11", 400, NULL);
    poke32(P("C11.mat"), 4, 11);
    remove(P("C11.hea"));
    EXPECT(load(P("C11.mat"), E), TGDP_EFORMAT, "C11.mat", "expected 12 leads");
}

/* ------------------------------------------------------------------ MAT v5 (CPSC) */
static int write_v5(const char *path, int rows, int n, const char *varname)
{
    mat_t *m = Mat_CreateVer(path, NULL, MAT_FT_MAT5);
    if (!m) return 0;
    double *x = malloc(sizeof(double) * (size_t)rows * (size_t)n), age = 52;
    for (int i = 0; i < rows * n; i++) x[i] = 0.1 * sin(i * 0.01);
    size_t d_data[2] = {(size_t)rows, (size_t)n}, d_age[2] = {1, 1}, d_sex[2] = {1, 4}, d_s[2] = {1, 1};
    const char *fields[3] = {"sex", "age", "data"};
    matvar_t *s = Mat_VarCreateStruct(varname, 2, d_s, fields, 3);
    Mat_VarSetStructFieldByName(s, "sex", 0, Mat_VarCreate(NULL, MAT_C_CHAR, MAT_T_UTF8, 2, d_sex, "Male", 0));
    Mat_VarSetStructFieldByName(s, "age", 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d_age, &age, 0));
    Mat_VarSetStructFieldByName(s, "data", 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d_data, x, 0));
    int ok = Mat_VarWrite(m, s, MAT_COMPRESSION_ZLIB) == 0;
    Mat_VarFree(s);
    Mat_Close(m);
    free(x);
    return ok;
}

static void test_mat5(void)
{
    CHECK(write_v5(P("V.mat"), 12, 3000, "ECG"));
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    tgdp_error e;
    CHECKF(tgdp_ecg_load(P("V.mat"), &r, &e) == TGDP_OK, "%s", e.msg);
    CHECK(r.n == 3000 && r.age == 52 && r.sex == 'M' && r.fs == 500);
    CHECK_CLOSE(tgdp_ecg_lead(&r, 1)[0], 0.1 * sin(1 * 0.01), 1e-7, 0);
    tgdp_ecg_record_free(&r);

    size_t n;
    unsigned char *b = read_all(P("V.mat"), &n);
    write_bytes(P("Vt.mat"), b, n - 100);
    EXPECT(load(P("Vt.mat"), E), TGDP_EFORMAT, "Vt.mat", "truncated");
    write_bytes(P("Vh.mat"), b, 100);
    EXPECT(load(P("Vh.mat"), E), TGDP_EFORMAT, "Vh.mat", "not a MATLAB v4 file"); /* no full v5 header */
    unsigned char *c = malloc(n);
    memcpy(c, b, n);
    for (size_t i = 200; i < 400 && i < n; i++) c[i] ^= 0x5a;
    write_bytes(P("Vc.mat"), c, n);
    EXPECT(load(P("Vc.mat"), E), TGDP_EFORMAT, "Vc.mat", "corrupted MATLAB v5 data");
    memcpy(c, b, n);
    c[126] = 'X';
    write_bytes(P("Ve.mat"), c, n);
    EXPECT(load(P("Ve.mat"), E), TGDP_EFORMAT, "Ve.mat", "bad endian indicator");
    free(c);
    free(b);
    CHECK(write_v5(P("Vn.mat"), 12, 100, "VAL"));
    EXPECT(load(P("Vn.mat"), E), TGDP_EFORMAT, "Vn.mat", "no variable 'ECG'");
    CHECK(write_v5(P("V11.mat"), 11, 100, "ECG"));
    EXPECT(load(P("V11.mat"), E), TGDP_EFORMAT, "V11.mat", "expected 12 leads");
}

/* ------------------------------------------------------------------ CSV files */
static void test_csv(void)
{
    const char *row = "0.1,0.2,0.1,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8\n";
    char text[4096] = "";
    for (int i = 0; i < 5; i++) strcat(text, row);
    write_text(P("r_lr_100hz.csv"), text);
    CHECK(load(P("r_lr_100hz.csv"), NULL) == TGDP_OK);
    snprintf(text, sizeof text, "%s%s0.1,0.2,0.1,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7\n%s", row, row, row);
    write_text(P("rag.csv"), text);
    EXPECT(load(P("rag.csv"), E), TGDP_EFORMAT, "rag.csv", "line 3: 11 columns, expected 12");
    snprintf(text, sizeof text, "%s0.1,0.2,0.1,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8,0.9\n", row);
    write_text(P("wide.csv"), text);
    EXPECT(load(P("wide.csv"), E), TGDP_EFORMAT, "wide.csv", "line 2: 13 columns, expected 12");
    snprintf(text, sizeof text, "%s0.1,0.2,abc,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8\n", row);
    write_text(P("abc.csv"), text);
    EXPECT(load(P("abc.csv"), E), TGDP_EFORMAT, "abc.csv", "line 2, column 3: 'abc' is not a finite number");
    snprintf(text, sizeof text, "0.1,0.2,nan,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8\n");
    write_text(P("nan.csv"), text);
    EXPECT(load(P("nan.csv"), E), TGDP_EFORMAT, "nan.csv", "'nan' is not a finite number");
    snprintf(text, sizeof text, "%s\n%s", row, row);
    write_text(P("gap.csv"), text);
    EXPECT(load(P("gap.csv"), E), TGDP_EFORMAT, "gap.csv", "line 2: empty line");
    write_text(P("void.csv"), "");
    EXPECT(load(P("void.csv"), E), TGDP_EFORMAT, "void.csv", "no data rows");
    snprintf(text, sizeof text, "0.1,0.2,,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8\n");
    write_text(P("hole.csv"), text);
    EXPECT(load(P("hole.csv"), E), TGDP_EFORMAT, "hole.csv", "column 3: '' is not a finite number");
    snprintf(text, sizeof text, "30,0.2,0.1,-0.15,0.0,0.15,0.3,0.4,0.5,0.6,0.7,0.8\n");
    write_text(P("huge.csv"), text);
    EXPECT(load(P("huge.csv"), E), TGDP_EFORMAT, "huge.csv", "out of the physiological range");

    /* ludb.csv */
    tgdp_ludb_row *lr;
    size_t n;
    write_text(P("ludb_ok.csv"), "ID,Sex,Age,Rhythms,Hypertrophies\n1,\"F\n\",\">89\n\",Sinus rhythm,\"Left ventricular "
                                 "hypertrophy\nLeft atrial hypertrophy\"\n");
    CHECK(tgdp_ludb_read_csv(P("ludb_ok.csv"), &lr, &n, NULL) == TGDP_OK && n == 1);
    if (n == 1) CHECK(lr[0].age == 90 && lr[0].sex == 'F' && lr[0].labels == ((1u << TGDP_ECG_NORM) | (1u << TGDP_ECG_LVH)));
    free(lr);
    write_text(P("ludb_q.csv"), "ID,Sex,Age,Rhythms\n1,\"F\n\",\"51\n\",Sinus rhythm\n2,\"M\n\",\"60\n,Sinus rhythm\n");
    EXPECT(tgdp_ludb_read_csv(P("ludb_q.csv"), &lr, &n, E), TGDP_EFORMAT, "ludb_q.csv",
           "unterminated quoted field starting on line 6");
    write_text(P("ludb_x.csv"), "ID,Sex,Age,Rhythms\n1,\"F\"x,51,Sinus rhythm\n");
    EXPECT(tgdp_ludb_read_csv(P("ludb_x.csv"), &lr, &n, E), TGDP_EFORMAT, "ludb_x.csv", "after a closing quote");
    write_text(P("ludb_c.csv"), "ID,Sex,Age,Rhythms\n1,F,51\n");
    EXPECT(tgdp_ludb_read_csv(P("ludb_c.csv"), &lr, &n, E), TGDP_EFORMAT, "ludb_c.csv", "line 2: 3 fields, the header has 4");
    write_text(P("ludb_a.csv"), "ID,Sex,Age,Rhythms\n1,F,old,Sinus rhythm\n");
    EXPECT(tgdp_ludb_read_csv(P("ludb_a.csv"), &lr, &n, E), TGDP_EFORMAT, "ludb_a.csv", "bad Age 'old'");
    write_text(P("ludb_h.csv"), "Name,Sex,Age\n");
    EXPECT(tgdp_ludb_read_csv(P("ludb_h.csv"), &lr, &n, E), TGDP_EFORMAT, "ludb_h.csv", "expected the header");

    /* REFERENCE.csv and ptbxl_database.csv */
    tgdp_cpsc_ref *refs;
    write_text(P("ref.csv"), "Recording,First_label,Second_label,Third_label\r\nA0001,12,,\r\n");
    EXPECT(tgdp_cpsc_read_reference(P("ref.csv"), &refs, &n, E), TGDP_EFORMAT, "ref.csv", "bad class number '12'");
    write_text(P("ref2.csv"), "Recording,First_label,Second_label,Third_label\r\nA0001,,,\r\n");
    EXPECT(tgdp_cpsc_read_reference(P("ref2.csv"), &refs, &n, E), TGDP_EFORMAT, "ref2.csv", "has no label");
    tgdp_ptbxl_row *rows;
    write_text(P("db.csv"), "ecg_id,scp_codes\n1,\"{'NORM': 100.0, 'SR' 0.0}\"\n");
    EXPECT(tgdp_ptbxl_read_database(P("db.csv"), &rows, &n, E), TGDP_EFORMAT, "db.csv", "line 2: scp_codes");
    write_text(P("db2.csv"), "ecg_id,scp_codes\n1,\"{'NORM': 100.0\n");
    EXPECT(tgdp_ptbxl_read_database(P("db2.csv"), &rows, &n, E), TGDP_EFORMAT, "db2.csv", "unterminated quoted field");
    write_text(P("db3.csv"), "id,codes\n1,{}\n");
    EXPECT(tgdp_ptbxl_read_database(P("db3.csv"), &rows, &n, E), TGDP_EFORMAT, "db3.csv", "not a PTB-XL database");
    write_text(P("db4.csv"), "ecg_id,scp_codes\nx,{}\n");
    EXPECT(tgdp_ptbxl_read_database(P("db4.csv"), &rows, &n, E), TGDP_EFORMAT, "db4.csv", "bad ecg_id 'x'");
}

/* ------------------------------------------------------------------ listing */
static void test_listing(void)
{
    char sub[512];
    pathf(sub, sizeof sub, D, "emptydir");
    mkdir(sub, 0755);
    tgdp_ecg_index idx;
    EXPECT(tgdp_ecg_list(sub, &idx, E), TGDP_EFORMAT, "emptydir", "no ECG records found");
    EXPECT(tgdp_ecg_list(P("nope"), &idx, E), TGDP_EIO, "nope", "not a folder");
    pathf(sub, sizeof sub, D, "ludbdir");
    mkdir(sub, 0755);
    char p[600];
    pathf(p, sizeof p, sub, "ludb.csv");
    write_text(p, "ID,Sex,Age,Rhythms\n1,\"F\n,51,Sinus rhythm\n");
    EXPECT(tgdp_ecg_list(sub, &idx, E), TGDP_EFORMAT, "ludb.csv", "unterminated quoted field");
    pathf(sub, sizeof sub, D, "heads");
    mkdir(sub, 0755);
    pathf(p, sizeof p, sub, "bad.hea");
    write_text(p, "bad twelve 500\n");
    EXPECT(tgdp_ecg_list(sub, &idx, E), TGDP_EFORMAT, "bad.hea", "bad signal count 'twelve'");
}

/* ------------------------------------------------------------------ sweep */
/* Every truncation and many byte flips of each file kind: no crash, and every failure
 * message names the file. */
static void sweep_one(const char *path, const unsigned char *orig, size_t n, const char *load_path)
{
    int named = 1, runs = 0;
    size_t step = n / 50 + 1;
    for (size_t keep = 0; keep < n; keep += step) {
        write_bytes(path, orig, keep);
        tgdp_error e = {0, ""};
        if (load(load_path, &e) != TGDP_OK && !strstr(e.msg, base_of(path))) {
            named = 0;
            fprintf(stderr, "unnamed: %s\n", e.msg);
        }
        runs++;
    }
    unsigned char *b = malloc(n);
    uint32_t rng = 12345;
    for (int k = 0; k < 60; k++) {
        memcpy(b, orig, n);
        for (int j = 0; j < 1 + k % 4; j++) {
            rng = rng * 1664525u + 1013904223u;
            size_t at = (rng >> 8) % n;
            b[at] ^= (unsigned char)(1u << (rng % 8));
        }
        write_bytes(path, b, n);
        tgdp_error e = {0, ""};
        int rc = load(load_path, &e);
        if (rc != TGDP_OK) named &= strstr(e.msg, ".") != NULL && strstr(e.msg, D) != NULL;
        runs++;
    }
    write_bytes(path, orig, n);
    free(b);
    CHECKF(named && runs > 60, "%s: a failure message did not name the file", path);
}

static void test_sweep(void)
{
    static const char *const files[][2] = {
        {"sw.hea", "sw.hea"}, {"sw.dat", "sw.hea"}, {"S.mat", "S.hea"}, {"S.hea", "S.hea"},
        {"V.mat", "V.mat"},   {"r_lr_100hz.csv", "r_lr_100hz.csv"},
    };
    write_wfdb(D, "sw", 212, 300, 500, 1, "# Age: 40\n# Dx: 426783006\n");
    write_cinc(D, "S", 300, "# Age: 40\n# Dx: 426783006\n");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        unsigned char *orig = read_all(P(files[i][0]), &n);
        if (!orig) {
            CHECKF(0, "missing %s", files[i][0]);
            continue;
        }
        char path[512], lp[512];
        strcpy(path, P(files[i][0]));
        strcpy(lp, P(files[i][1]));
        sweep_one(path, orig, n, lp);
        free(orig);
    }
}

int main(void)
{
    D = tmp_dir();
    test_wfdb_dat();
    test_mat4();
    test_mat5();
    test_csv();
    test_listing();
    test_sweep();
    rm_rf(D);
    TEST_MAIN_END();
}

/* Writes the seed corpus of the fuzz targets into DIR/<target>/ (DIR is usually fuzz/corpus):
 * small files made with the library's own writers (.npy, safetensors, checkpoints), libmatio
 * (CPSC MATLAB v5 structs) and by hand (MAT v4, WFDB headers and signal files in every
 * supported format, CSV and label tables). Nothing is copied from a real database.
 * The crash-* reproducers in the corpus folders are kept by hand, not written here. */
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tgdp/checkpoint.h"
#include "tgdp/ecg.h"
#include "tgdp/io.h"

static const char *root;
static tgdp_error err;

static const char *path(const char *target, const char *name)
{
    static char buf[1024];
    char dir[900];
    snprintf(dir, sizeof dir, "%.600s/%.200s", root, target);
    mkdir(dir, 0755);
    snprintf(buf, sizeof buf, "%s/%.100s", dir, name);
    return buf;
}

static void check(int rc)
{
    if (rc) {
        fprintf(stderr, "make_corpus: %s\n", err.msg);
        exit(1);
    }
}

static void put(const char *target, const char *name, const void *data, size_t n)
{
    FILE *f = fopen(path(target, name), "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
        perror(name);
        exit(1);
    }
}

static void put_text(const char *target, const char *name, const char *text) { put(target, name, text, strlen(text)); }

/* ---------------------------------------------------------------- npy */
static void npy_seeds(void)
{
    float f[6] = {1.5f, -2, 0, 3.25f, 1e-3f, 7};
    double d[2] = {0.5, -1e10};
    int64_t l[4] = {0, 1, 2, 1};
    int32_t i4[3] = {7, -1, 3};
    unsigned char u[4] = {0, 255, 3, 4};
    tgdp_array a;
    check(tgdp_npy_write_f32(path("npy", "f32_3x2.npy"), f, 2, (int64_t[]){3, 2}, &err));
    check(tgdp_npy_write_f32(path("npy", "f32_0x3.npy"), f, 2, (int64_t[]){0, 3}, &err));
    check(tgdp_npy_write_i64(path("npy", "i64_4.npy"), l, 1, (int64_t[]){4}, &err));
    check(tgdp_npy_write_i32(path("npy", "i32_3.npy"), i4, 1, (int64_t[]){3}, &err));
    a = (tgdp_array){TGDP_DT_F64, 1, {2}, d};
    check(tgdp_npy_write(path("npy", "f64_2.npy"), &a, &err));
    a = (tgdp_array){TGDP_DT_U8, 3, {2, 2, 1}, u};
    check(tgdp_npy_write(path("npy", "u8_2x2x1.npy"), &a, &err));
    a = (tgdp_array){TGDP_DT_I8, 0, {0}, u};
    check(tgdp_npy_write(path("npy", "i8_scalar.npy"), &a, &err));
    /* version 2.0 by hand: 4-byte header length */
    const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    unsigned char buf[128];
    size_t hl = 64 - 12; /* preamble 12 + header 52 = 64 */
    memcpy(buf, "\x93NUMPY\x02\x00", 8);
    buf[8] = (unsigned char)hl;
    buf[9] = buf[10] = buf[11] = 0;
    memset(buf + 12, ' ', hl);
    memcpy(buf + 12, dict, sizeof dict - 1);
    buf[12 + hl - 1] = '\n';
    memcpy(buf + 64, f, 8);
    put("npy", "f32_v2.npy", buf, 72);
}

/* ---------------------------------------------------------------- csv */
static void csv_seeds(void)
{
    put_text("csv", "header.csv", "x,y,z\n1,2,3\n4.5,-6e2,7\n");
    put_text("csv", "noheader_crlf.csv", "1,2\r\n3,4\r\n\r\n5,6\r\n");
    put_text("csv", "quoted_bom.csv", "\xEF\xBB\xBF\"a b\",\"c\"\"d\"\n \"1\" , 2 \nnan,-inf\n");
    put_text("csv", "one_column.csv", "0.25\n-1\n1e30\n");
}

/* ---------------------------------------------------------------- safetensors, checkpoints */
static void st_seeds(void)
{
    float f[6] = {1, 2, 3, 4, 5, 6};
    double d[2] = {1.5, -2.5};
    int32_t i4[3] = {1, -2, 3};
    int64_t i8[1] = {42};
    unsigned char u[4] = {1, 2, 3, 4};
    signed char s[2] = {-1, 1};
    tgdp_st_writer w;
    tgdp_st_writer_init(&w);
    check(tgdp_st_writer_add_f32(&w, "weight", f, 2, (int64_t[]){2, 3}, &err));
    check(tgdp_st_writer_add(&w, "d", TGDP_DT_F64, d, 1, (int64_t[]){2}, &err));
    check(tgdp_st_writer_add(&w, "i", TGDP_DT_I32, i4, 1, (int64_t[]){3}, &err));
    check(tgdp_st_writer_add(&w, "l", TGDP_DT_I64, i8, 1, (int64_t[]){1}, &err));
    check(tgdp_st_writer_add(&w, "u", TGDP_DT_U8, u, 1, (int64_t[]){4}, &err));
    check(tgdp_st_writer_add(&w, "s\xc3\xa9", TGDP_DT_I8, s, 2, (int64_t[]){2, 1}, &err));
    check(tgdp_st_writer_add(&w, "empty", TGDP_DT_F32, NULL, 2, (int64_t[]){0, 4}, &err));
    check(tgdp_st_writer_meta(&w, "note", "tab\tquote\" \xe2\x82\xac", &err));
    check(tgdp_safetensors_write(path("safetensors", "mixed.safetensors"), &w, &err));
    tgdp_st_writer_free(&w);
    tgdp_st_writer_init(&w);
    check(tgdp_safetensors_write(path("safetensors", "empty.safetensors"), &w, &err));
    check(tgdp_st_writer_meta(&w, "format", "pt", &err));
    check(tgdp_safetensors_write(path("safetensors", "meta_only.safetensors"), &w, &err));
    tgdp_st_writer_free(&w);
    /* a header written by hand: escapes, nesting, numbers, null metadata */
    const char *h = "{\"__metadata__\":null,\"a\\u00e9\\ud83d\\ude00\":{\"dtype\":\"F32\",\"shape\":[1],"
                    "\"data_offsets\":[0,4],\"x\":[true,false,null,-1.5e3,{}]}}";
    unsigned char buf[256];
    size_t n = strlen(h);
    for (int k = 0; k < 8; k++) buf[k] = (unsigned char)((uint64_t)n >> (8 * k));
    memcpy(buf + 8, h, n);
    memcpy(buf + 8 + n, f, 4);
    put("safetensors", "hand.safetensors", buf, 8 + n + 4);

    struct { const char *name; tgdp_role role; tgdp_time_mode tm; int temb, ncls, ldim; const char *hidden; } nets[] = {
        {"eps_fourier_cond.safetensors", TGDP_ROLE_EPS, TGDP_TIME_FOURIER, 2, 3, 2, "4,3"},
        {"classifier.safetensors", TGDP_ROLE_CLASSIFIER, TGDP_TIME_NONE, 0, 0, 0, "3"},
        {"time_classifier.safetensors", TGDP_ROLE_TIME_CLASSIFIER, TGDP_TIME_RAW, 0, 0, 0, "2,2"},
        {"guidance.safetensors", TGDP_ROLE_GUIDANCE, TGDP_TIME_RAW, 0, 2, 1, "3"},
    };
    for (size_t k = 0; k < sizeof nets / sizeof *nets; k++) {
        tgdp_mlp_config c;
        memset(&c, 0, sizeof c);
        c.in_dim = 2;
        c.out_dim = nets[k].role == TGDP_ROLE_EPS ? 2 : 1;
        c.time_mode = nets[k].tm;
        c.temb = nets[k].temb;
        c.n_classes = nets[k].ncls;
        c.label_dim = nets[k].ldim;
        c.act = TGDP_ACT_SILU;
        check(tgdp_mlp_parse_hidden(&c, nets[k].hidden, &err));
        tgdp_net net;
        check(tgdp_net_create(&net, nets[k].role, &c, 1, &err));
        if (nets[k].role == TGDP_ROLE_GUIDANCE) net.hparam = TGDP_H_EXP;
        tgdp_ckpt_info info;
        memset(&info, 0, sizeof info);
        info.step = 12;
        info.seed = 3;
        info.n_extra = 1;
        strcpy(info.extra_key[0], "tgdp.note");
        strcpy(info.extra_value[0], "seed");
        check(tgdp_checkpoint_save(path("checkpoint", nets[k].name), &net, &info, &err));
        tgdp_net_free(&net);
    }
}

/* ---------------------------------------------------------------- MATLAB v4 and v5 */
static void put_u32(unsigned char *p, uint32_t v, int be)
{
    for (int k = 0; k < 4; k++) p[be ? 3 - k : k] = (unsigned char)(v >> (8 * k));
}

/* A MAT v4 file: header, name "val", then rows x cols elements of esize bytes from gen(). */
static size_t mat4(unsigned char *buf, int be, int prec, int rows, int cols, const char *name)
{
    static const int esz[6] = {8, 4, 4, 2, 2, 1};
    size_t nl = strlen(name) + 1;
    put_u32(buf, (uint32_t)((be ? 1000 : 0) + prec * 10), be);
    put_u32(buf + 4, (uint32_t)rows, be);
    put_u32(buf + 8, (uint32_t)cols, be);
    put_u32(buf + 12, 0, be);
    put_u32(buf + 16, (uint32_t)nl, be);
    memcpy(buf + 20, name, nl);
    size_t off = 20 + nl;
    for (int i = 0; i < rows * cols; i++) {
        double v = ((i * 37) % 41 - 20) * (prec <= 1 ? 0.01 : 1.0);
        unsigned char e[8];
        uint64_t u = 0;
        if (prec == 0) memcpy(&u, &v, 8);
        else if (prec == 1) { float f = (float)v; uint32_t w; memcpy(&w, &f, 4); u = w; }
        else u = (uint64_t)(int64_t)v;
        for (int k = 0; k < esz[prec]; k++) e[be ? esz[prec] - 1 - k : k] = (unsigned char)(u >> (8 * k));
        memcpy(buf + off, e, (size_t)esz[prec]);
        off += (size_t)esz[prec];
    }
    return off;
}

static void mat_seeds(void)
{
    unsigned char buf[4096];
    put("mat4", "int16_12x6.mat", buf, mat4(buf, 0, 3, 12, 6, "val"));
    put("mat4", "double_12x3.mat", buf, mat4(buf, 0, 0, 12, 3, "val"));
    put("mat4", "single_be_12x2.mat", buf, mat4(buf, 1, 1, 12, 2, "ecg"));
    put("mat4", "uint8_12x4.mat", buf, mat4(buf, 0, 5, 12, 4, "x"));
    put("mat4", "int32_3x2.mat", buf, mat4(buf, 0, 2, 3, 2, "val"));

    for (int z = 0; z < 2; z++) {
        const char *p = path("cpsc_mat5", z ? "A0002_zlib.mat" : "A0001.mat");
        mat_t *m = Mat_CreateVer(p, NULL, MAT_FT_MAT5);
        if (!m) exit(1);
        double data[12 * 6];
        for (int i = 0; i < 12 * 6; i++) data[i] = ((i * 13) % 23 - 11) * 0.05;
        size_t ddims[2] = {12, 6}, one[2] = {1, 1}, sdims[2] = {1, 4};
        double age = 61;
        const char *fields[3] = {"sex", "age", "data"};
        char male[] = "Male";
        matvar_t *st = Mat_VarCreateStruct("ECG", 2, one, fields, 3);
        Mat_VarSetStructFieldByName(st, "sex", 0, Mat_VarCreate(NULL, MAT_C_CHAR, MAT_T_UINT8, 2, sdims, male, 0));
        Mat_VarSetStructFieldByName(st, "age", 0, Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, one, &age, 0));
        Mat_VarSetStructFieldByName(st, "data", 0,
                                    Mat_VarCreate(NULL, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ddims, data, 0));
        Mat_VarWrite(m, st, z ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE);
        Mat_VarFree(st);
        Mat_Close(m);
    }
}

/* ---------------------------------------------------------------- WFDB */
static const char *const leads[12] = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};

static int sample(int l, int t) { return (t * 7 + l * 3) % 50 - 25; }

/* Encode n samples v[] in fmt into out; returns bytes. */
static size_t encode(int fmt, const int *v, size_t n, unsigned char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int x = v[i];
        switch (fmt) {
        case 80: out[k++] = (unsigned char)(x + 128); break;
        case 16: out[k++] = (unsigned char)x; out[k++] = (unsigned char)(x >> 8); break;
        case 61: out[k++] = (unsigned char)(x >> 8); out[k++] = (unsigned char)x; break;
        case 160: out[k++] = (unsigned char)(x + 32768); out[k++] = (unsigned char)((x + 32768) >> 8); break;
        case 24: for (int b = 0; b < 3; b++) out[k++] = (unsigned char)(x >> (8 * b)); break;
        case 32: for (int b = 0; b < 4; b++) out[k++] = (unsigned char)(x >> (8 * b)); break;
        case 212:
            if (i % 2 == 0) {
                out[k] = (unsigned char)x;
                out[k + 1] = (unsigned char)((x >> 8) & 0x0F);
                out[k + 2] = 0;
                k += i + 1 == n ? 2 : 0;
            } else {
                out[k + 1] |= (unsigned char)(((x >> 8) & 0x0F) << 4);
                out[k + 2] = (unsigned char)x;
                k += 3;
            }
            break;
        }
    }
    return k;
}

/* Header + NUL + signal bytes of a 12-lead record in one file; spf 2 doubles lead V6. */
static void wfdb_seed(const char *base, int fmt, int nsamp, int spf_v6, int skew, int with_checks, const char *file,
                      size_t offset, const char *comments)
{
    char hea[4096];
    int v[12 * 2 * 16];
    size_t n = 0, k = 0;
    k += (size_t)snprintf(hea + k, sizeof hea - k, "rec 12 500 %d\n", nsamp);
    for (int l = 0; l < 12; l++) {
        int spf = l == 11 ? spf_v6 : 1, cs = 0;
        for (int t = 0; t < nsamp; t++) cs += sample(l, t);
        char fmtf[64];
        snprintf(fmtf, sizeof fmtf, "%d%s%s", fmt, spf > 1 ? "x2" : "", l == 1 && skew ? ":1" : "");
        if (offset) snprintf(fmtf + strlen(fmtf), sizeof fmtf - strlen(fmtf), "+%zu", offset);
        if (with_checks && spf == 1 && !(l == 1 && skew))
            k += (size_t)snprintf(hea + k, sizeof hea - k, "%s %s 1000(0)/mV 16 0 %d %d 0 %s\n", file, fmtf,
                                  sample(l, 0), (int)(int16_t)cs, leads[l]);
        else
            k += (size_t)snprintf(hea + k, sizeof hea - k, "%s %s %s 16 0 0 0 0 %s\n", file, fmtf,
                                  l % 2 ? "200/uV" : "1000", leads[l]);
    }
    k += (size_t)snprintf(hea + k, sizeof hea - k, "%s", comments);
    for (int t = 0; t < nsamp; t++)
        for (int l = 0; l < 12; l++)
            for (int s = 0; s < (l == 11 ? spf_v6 : 1); s++) v[n++] = sample(l, t);
    unsigned char buf[8192];
    memcpy(buf, hea, k);
    buf[k++] = '\0';
    if (offset) {
        /* a CinC-style MAT v4 signal file: int16 matrix (frames x samples), name "val" */
        unsigned char *m = buf + k;
        put_u32(m, 30, 0);
        put_u32(m + 4, (uint32_t)(12 + spf_v6 - 1), 0);
        put_u32(m + 8, (uint32_t)nsamp, 0);
        put_u32(m + 12, 0, 0);
        put_u32(m + 16, 4, 0);
        memcpy(m + 20, "val", 4);
        k += 24;
    }
    k += encode(fmt, v, n, buf + k);
    char name[128];
    snprintf(name, sizeof name, "%s.rec", base);
    put("wfdb_signal", name, buf, k);
    snprintf(name, sizeof name, "%s.hea", base);
    put("wfdb_header", name, hea, strlen(hea));
}

static void wfdb_seeds(void)
{
    const char *cinc = "#Age: 61\n#Sex: Female\n#Dx: 164889003,59118001\n#Rx: Unknown\n";
    const char *ludb = "#<age>: 51\n#<sex>: F\n#<diagnoses>:\n#Rhythm: Sinus rhythm.\n#Left ventricular "
                       "hypertrophy\n#Complete right bundle branch block\n";
    wfdb_seed("fmt16_cinc", 16, 4, 1, 0, 1, "rec.dat", 0, cinc);
    wfdb_seed("fmt212", 212, 5, 1, 0, 1, "rec.dat", 0, ludb);
    wfdb_seed("fmt80_spf2", 80, 3, 2, 0, 0, "rec.dat", 0, "");
    wfdb_seed("fmt24_skew", 24, 4, 1, 1, 1, "rec.dat", 0, "");
    wfdb_seed("fmt32", 32, 2, 1, 0, 0, "rec.dat", 0, "# comment\n");
    wfdb_seed("fmt61", 61, 3, 1, 0, 1, "rec.dat", 0, "");
    wfdb_seed("fmt160", 160, 3, 1, 0, 1, "rec.dat", 0, "");
    wfdb_seed("mat_signal", 16, 4, 1, 0, 1, "rec.mat", 24, cinc);
    /* record line variants, only for the header parser */
    put_text("wfdb_header", "record_line.hea",
             "# leading comment\r\nrec 2 360/1(0.5) 0 12:00:00 01/01/2000\r\n"
             "a.dat 212x4:2+16 200(-3)/mV 12 1 -5 123 0 MLII lead\r\nb.dat 16 0 0\r\n\r\n");
    put_text("wfdb_header", "no_signals.hea", "rec 0\n");
    put_text("wfdb_header", "minimal.hea", "rec 1\nrec.dat 8\n");
}

/* ---------------------------------------------------------------- PTB-XL CSV and label tables */
static void table_seeds(void)
{
    char rows[2048];
    size_t k = 0;
    for (int t = 0; t < 4; t++) {
        for (int l = 0; l < 12; l++) k += (size_t)snprintf(rows + k, sizeof rows - k, "%s%.3f", l ? "," : "", sample(l, t) * 0.01);
        rows[k++] = '\n';
    }
    rows[k] = '\0';
    put_text("ptbxl_csv", "rows.csv", rows);
    put_text("ptbxl_csv", "crlf.csv",
             "0.1,0.2,0.1,-0.15,0,0.15,0.3,0.5,0.4,0.2,0.1,0.05\r\n"
             "-0.1,0.0,0.1,0.05,-0.1,0.05,0.2,0.3,0.2,0.1,0.0,-0.05\r\n");

    put_text("label_tables", "ptbxl_database.csv",
             "ecg_id,patient_id,age,sex,height,weight,report,scp_codes,heart_axis,strat_fold,filename_lr,filename_hr\n"
             "1,15709.0,56.0,1,,63.0,sinusrhythmus,\"{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}\",,3,"
             "records100/00000/00001_lr,records500/00000/00001_hr\n"
             "2,13243.0,300.0,0,,,\"afib, \"\"lbbb\"\"\",\"{'AFIB': 0.0, 'CLBBB': 100.0, 'STD_': 50.0}\",LAD,10,"
             "records100/00000/00002_lr,records500/00000/00002_hr\n");
    put_text("label_tables", "scp_statements.csv",
             ",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass,Statement Category\n"
             "NDT,non-diagnostic T abnormalities,1.0,1.0,,STTC,STTC,other ST-T descriptive statements\n"
             "SR,sinus rhythm,,,1.0,,,Statements related to common rhythms\n");
    put_text("label_tables", "ludb.csv",
             "ID,Sex,Age,Rhythms,Electric axis of the heart,Conduction abnormalities,Extrasystolies,Hypertrophies\n"
             "1,\"F\n\",\"51\n\",Sinus rhythm,Electric axis of the heart: normal,,,\n"
             "34,\"M\n\",\">89\n\",\"Atrial fibrillation\nSinus tachycardia\",,\"I degree AV block\n"
             "Complete right bundle branch block\",Ventricular extrasystole,Left ventricular hypertrophy\n");
    put_text("label_tables", "REFERENCE.csv",
             "Recording,First_label,Second_label,Third_label\r\nA0001,1,,\r\nA0002,2,6,\r\nA0003,5,7,9\r\n");
    put_text("label_tables", "scp_codes.txt", "{'NORM': 80.0, \"SR\": 0.0,'STACH':100}");
    put_text("label_tables", "snomed_dx.txt", "164889003,59118001, 426783006 270492004");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    root = argv[1];
    mkdir(root, 0755);
    npy_seeds();
    csv_seeds();
    st_seeds();
    mat_seeds();
    wfdb_seeds();
    table_seeds();
    return 0;
}

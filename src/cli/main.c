/* tgdp: the command-line tool. Dispatches to the subcommands (one file each). */
#include "cli/cli.h"
#include "cli/commands.h"

#include "tgdp/dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command commands[] = {
    {"train-source", "train the source denoiser eps(x_t, t[, y]) on source data", cmd_train_source},
    {"train-target", "train a denoiser from scratch on target data (the target-only baseline)", cmd_train_target},
    {"finetune", "fine-tune a denoiser on target data (baseline; also for domain guidance)", cmd_finetune},
    {"train-classifier", "train the domain classifier (Alg 1) or, --time-dependent, c'(x_t, t) (Alg 2)", cmd_train_classifier},
    {"train-guidance", "train the guidance network (Alg 3; regularisers of Alg 4)", cmd_train_guidance},
    {"sample", "generate samples (source, tgdp, domain-guidance) with DDPM, DDIM or DPM-Solver", cmd_sample},
    {"evaluate", "two-sample metrics (MMD^2, energy distance) between two .npy files", cmd_evaluate},
    {"demo", "run a whole comparison: 'demo gmm' (Gaussian mixtures, exact oracle) or 'demo ecg' (real records)", cmd_demo},
    {"gmm-data", "write the Gaussian-mixture demo's source and target data as .npy", cmd_gmm_data},
    {"inspect", "print what a file holds (WFDB, .mat, .npy, .csv, safetensors)", cmd_inspect},
    {"ecg", "ECG data: 'ecg prepare' (database folders to windowed .npy), 'ecg evaluate', 'ecg plot', 'ecg beats', 'ecg download'", cmd_ecg},
    {"bench", "speed of the method's workloads (steps/s, GFLOP/s, fraction of the GEMM peak)", cmd_bench},
    {"version", "print the version", cmd_version},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tgdp <command> [options]\n\n"
               "Transfer Guided Diffusion Process: steer a diffusion model trained on a large source data set\n"
               "toward a small target data set with a guidance network learned from a domain classifier.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'tgdp <command> --help' describes a command and its options with their defaults.\n");
}

/* tgdp --man (not listed in the usage): the man page tgdp(1) in roff, from the same command table
 * and option tables as --help (the build writes it to tgdp.1 and installs it). */
static void man_page(void)
{
    /* commands whose options belong to subcommands (tests/cli_man.sh finds any missing here) */
    static const char *const subs[][2] = {{"demo", "gmm"}, {"demo", "ecg"}, {"ecg", "prepare"}, {"ecg", "evaluate"}, {"ecg", "plot"}, {"ecg", "beats"}, {"ecg", "download"}};
    puts(".TH TGDP 1 \"\" \"tgdp\" \"User Commands\"");
    puts(".SH NAME\ntgdp \\- Transfer Guided Diffusion Process: adapt a source diffusion model to a small target "
         "data set\n.SH SYNOPSIS\n.B tgdp\n.I command\n[\\fIoptions\\fR]\n.br\n.B tgdp\n.I command\n.B \\-\\-help\n"
         ".SH DESCRIPTION\nSteer a diffusion model trained on a large source data set toward a small target data "
         "set with a guidance network learned from a domain classifier.\nEvery command has \\fB\\-\\-help\\fR with "
         "its options and defaults; this page is generated from the same tables.\n.SH COMMANDS");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        fputs(".TP\n.B ", stdout);
        cli_roff_text(stdout, commands[i].name);
        fputc('\n', stdout);
        cli_roff_text(stdout, commands[i].summary);
        fputc('\n', stdout);
    }
    puts(".SH OPTIONS");
    cli_help_roff = 1; /* each command prints its --help as a roff section */
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (commands[i].run == cmd_version) continue; /* no options */
        int nsub = 0;
        for (size_t k = 0; k < sizeof subs / sizeof *subs; k++) {
            if (strcmp(commands[i].name, subs[k][0]) != 0) continue;
            char *args[3] = {(char *)commands[i].name, (char *)subs[k][1], "--help"};
            commands[i].run(3, args);
            nsub++;
        }
        if (nsub == 0) {
            char *args[2] = {(char *)commands[i].name, "--help"};
            commands[i].run(2, args);
        }
    }
    cli_help_roff = 0;
    puts(".SH ENVIRONMENT\n.TP\n.B OMP_NUM_THREADS\nthreads of OpenMP and OpenBLAS when \\fB\\-\\-threads\\fR is "
         "not given\n.SH EXIT STATUS\n0 on success; 1 when a command fails (one line on stderr names the file, the "
         "position and the problem); 2 for a usage error.");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--man") == 0) {
        man_page();
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            /* started by mpirun (Open MPI or MPICH): data-parallel training, see tgdp/dist.h */
            int mpi = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");
            if (mpi && tgdp_dist_init(&argc, &argv)) {
                fprintf(stderr, "tgdp: MPI initialisation failed\n");
                return 1;
            }
            if (mpi && !tgdp_dist_available() && getenv("OMPI_COMM_WORLD_SIZE") && atoi(getenv("OMPI_COMM_WORLD_SIZE")) > 1) {
                fprintf(stderr, "tgdp: started by mpirun, but this tgdp was built without MPI (cmake -DTGDP_MPI=ON)\n");
                return 1;
            }
            int rc = commands[i].run(argc - 1, argv + 1);
            tgdp_dist_finalize();
            return rc;
        }
    fprintf(stderr, "tgdp: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("tgdp 0.1.0\nmpi: %s\n", tgdp_dist_available() ? "yes" : "no");
    char why[160] = "";
    const int bf16 = tgdp_precision_check(TGDP_BF16, why, sizeof why);
    printf("onednn: %s\ngemm: %s (default)\nbf16: %s%s%s\n",
           tgdp_gemm_backend_available(TGDP_GEMM_ONEDNN) ? tgdp_onednn_isa() : "no",
           tgdp_gemm_backend_name(tgdp_get_gemm_backend()), bf16 ? "yes" : "no (", why, bf16 ? "" : ")");
    return 0;
}

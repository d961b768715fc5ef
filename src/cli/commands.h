/* The tgdp subcommands. Each takes argv with argv[0] = the command name. */
#ifndef TGDP_CLI_COMMANDS_H
#define TGDP_CLI_COMMANDS_H
int cmd_demo(int argc, char **argv);
int cmd_demo_ecg(int argc, char **argv); /* tgdp demo ecg (cmd_demo_ecg.c) */
int cmd_train_source(int argc, char **argv);
int cmd_train_target(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int cmd_train_classifier(int argc, char **argv);
int cmd_train_guidance(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_gmm_data(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_ecg(int argc, char **argv);
int cmd_ecg_evaluate(int argc, char **argv); /* tgdp ecg evaluate (cmd_ecg_eval.c) */
int cmd_ecg_plot(int argc, char **argv);     /* tgdp ecg plot (cmd_ecg_plot.c) */
int cmd_ecg_beats(int argc, char **argv);    /* tgdp ecg beats (cmd_ecg_beats.c) */
int cmd_ecg_download(int argc, char **argv); /* tgdp ecg download (cmd_ecg_download.c) */
int cmd_bench(int argc, char **argv);
#endif

/* The tgdp subcommands. Each takes argv with argv[0] = the command name. */
#ifndef TGDP_CLI_COMMANDS_H
#define TGDP_CLI_COMMANDS_H
int cmd_demo(int argc, char **argv);
int cmd_version(int argc, char **argv);
#endif

/* SPDX-License-Identifier: MIT */
/*
 * The operator's subcommands (migrate, check, ingest, replay), run from a
 * shell.  One table in commands.c names each with its arguments, the
 * function that runs it and a line of help; dispatch and the usage text
 * both come from it.
 */
#ifndef SMW_COMMANDS_H
#define SMW_COMMANDS_H

#include "config.h"

/*
 * Run the subcommand named by argv[1] with its arguments; returns the
 * process's exit status: the command's own, or 2 for a missing or unknown
 * command, wrong arguments (after printing the usage) or an invalid
 * configuration (cfg_err, the result of loading cfg, not SMW_OK).
 */
int command(int argc, char *argv[], const struct smw_config *,
    enum smw_err cfg_err);

/*
 * The one option syntax of every command: when argv[*i] is option opt
 * with its value, as "--opt VALUE" or "--opt=VALUE", the value (*i moves
 * past it); else NULL.
 */
const char *cmd_option(int argc, char *argv[], int *i, const char *opt);

/*
 * "--source LABEL" at argv[*i] (as cmd_option): 0 with *source the label
 * (*i moved past it); 2, said on stderr with command cmd's name, when its
 * value is missing or not a label (config.h); 1 when argv[*i] is not that
 * option.
 */
int cmd_source(const char *cmd, int argc, char *argv[], int *i,
    const char **source);

#endif

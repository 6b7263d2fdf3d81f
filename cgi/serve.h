/* SPDX-License-Identifier: MIT */
/* The request handler and the operator commands of the program. */
#ifndef SMW_SERVE_H
#define SMW_SERVE_H

#include "config.h"
#include "http.h"
#include "store.h"

/*
 * Answer one request.  cfg_err is the result of loading the
 * configuration: when not SMW_OK every delivery is answered 503.
 */
void serve(struct smw_http *, const struct smw_config *, enum smw_err cfg_err,
    struct smw_store *);

/* Run an operator subcommand; returns the exit status. */
int command(int argc, char *argv[], const struct smw_config *,
    enum smw_err cfg_err);

#endif

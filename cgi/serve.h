/* SPDX-License-Identifier: MIT */
/* The request handler: one CGI or FastCGI request, answered and logged. */
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

#endif

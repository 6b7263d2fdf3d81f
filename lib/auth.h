/* SPDX-License-Identifier: MIT */
/*
 * The delivery's credential: "Authorization: Bearer <token>" (RFC 6750)
 * checked against the configured tokens in constant time.  Knows no JSON
 * and no SQL.
 */
#ifndef SMW_AUTH_H
#define SMW_AUTH_H

#include "config.h"
#include "util.h"

/*
 * Check the Authorization header value (NULL when the request had none).
 * SMW_OK when SHOWMOJO_AUTH=none or the token matches one configured;
 * SMW_EAUTH when missing or wrong; SMW_ECONFIG when no credential is
 * configured at all (nothing may be accepted).  Logs nothing: the token
 * must never reach a log.
 */
enum smw_err smw_auth_check(const struct smw_config *, const char *header)
    SMW_MUSTCHECK;

#endif

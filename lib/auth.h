/* SPDX-License-Identifier: MIT */
/*
 * The delivery's credential: "Authorization: Bearer <token>" (RFC 6750)
 * checked against the configured tokens in constant time.  Knows no JSON
 * and no SQL.
 */
#ifndef SMW_AUTH_H
#define SMW_AUTH_H

#include <stdbool.h>

#include "config.h"
#include "sha256.h"
#include "util.h"

/*
 * Why a request was refused: what it offered, as a fingerprint; or, when
 * it was accepted, the label of the token that matched.
 */
struct smw_auth_refusal {
	bool		 offered;	/* false: no credential at all */
	/* SHA-256 prefix of the token (or of a credential of another scheme) */
	char		 fingerprint[SMW_FINGERPRINT_LEN + 1];
	/* accepted: the token's label (the config's); NULL: none */
	const char	*source;
};

/*
 * Check the Authorization header value (NULL when the request had none).
 * SMW_OK when SHOWMOJO_AUTH=none or the token matches one configured,
 * and then why->source is that token's label (NULL when unlabelled, or
 * with SHOWMOJO_AUTH=none), valid as long as the configuration;
 * SMW_EAUTH when missing or wrong, and then *why says which, with the
 * fingerprint of what was offered; SMW_ECONFIG when no credential is
 * configured at all (nothing may be accepted).  Logs nothing: the token
 * must never reach a log, only its fingerprint.
 */
enum smw_err smw_auth_check(const struct smw_config *, const char *header,
    struct smw_auth_refusal *why) SMW_MUSTCHECK;

#endif

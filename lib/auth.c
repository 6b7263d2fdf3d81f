/* SPDX-License-Identifier: MIT */
/*
 * Bearer token check.  The scheme word is matched case-insensitively
 * (RFC 7235 section 2.1); the token is compared with every configured one
 * without stopping early, each in time independent of where it differs.
 */
#include <stdbool.h>
#include <strings.h>
#include <string.h>

#include "auth.h"

enum smw_err
smw_auth_check(const struct smw_config *c, const char *h,
    struct smw_auth_refusal *why)
{
	const char	*tok;
	size_t		 len, hit = 0, mask;
	bool		 match = false, eq;
	const char	*cfg_why;

	memset(why, 0, sizeof(*why));
	if (!smw_config_accepts(c, &cfg_why))
		return SMW_ECONFIG;
	if (c->auth_none)
		return SMW_OK;
	if (h == NULL)
		return SMW_EAUTH;
	tok = h + strspn(h, " \t");
	/* Another scheme: what follows it stands for the credential. */
	if (strncasecmp(tok, "Bearer", 6) == 0 &&
	    (tok[6] == ' ' || tok[6] == '\t' || tok[6] == '\0'))
		tok += 6;
	tok += strspn(tok, " \t");
	len = strlen(tok);
	while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	if (len == 0)
		return SMW_EAUTH;
	/*
	 * Every token is compared, and the one that matched is remembered
	 * without a branch on the result.  Another scheme is never accepted.
	 */
	for (size_t i = 0; i < c->ntokens; i++) {
		eq = smw_ct_equal(tok, len, c->tokens[i],
		    strlen(c->tokens[i]));
		mask = (size_t)0 - (size_t)eq;
		hit = (hit & ~mask) | (i & mask);
		match |= eq;
	}
	if (match && tok != h + strspn(h, " \t")) {
		why->source = c->labels[hit];
		return SMW_OK;
	}
	why->offered = true;
	smw_fingerprint(tok, len, why->fingerprint);
	return SMW_EAUTH;
}

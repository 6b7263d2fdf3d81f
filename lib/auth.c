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
smw_auth_check(const struct smw_config *c, const char *h)
{
	const char	*tok;
	size_t		 len;
	bool		 match = false;
	const char	*why;

	if (!smw_config_accepts(c, &why))
		return SMW_ECONFIG;
	if (c->auth_none)
		return SMW_OK;
	if (h == NULL)
		return SMW_EAUTH;
	h += strspn(h, " \t");
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return SMW_EAUTH;
	tok = h + 6 + strspn(h + 6, " \t");
	len = strlen(tok);
	while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	if (len == 0)
		return SMW_EAUTH;
	for (size_t i = 0; i < c->ntokens; i++)
		match |= smw_ct_equal(tok, len, c->tokens[i],
		    strlen(c->tokens[i]));
	return match ? SMW_OK : SMW_EAUTH;
}

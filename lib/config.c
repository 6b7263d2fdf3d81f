/* SPDX-License-Identifier: MIT */
/*
 * SHOWMOJO_* variables → struct smw_config.  Secrets (tokens) may come
 * from a file so that they need not sit in a web-server configuration; they
 * are never logged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* Largest token file read; a token file is a handful of lines. */
#define TOKEN_FILE_MAX 65536

void
smw_config_init(struct smw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_body = SMW_DEFAULT_MAX_BODY;
	c->on_invalid = SMW_ON_INVALID_QUARANTINE;
	c->timeout_ms = SMW_DEFAULT_TIMEOUT_MS;
	c->spool_max = SMW_DEFAULT_SPOOL_MAX;
}

void
smw_config_free(struct smw_config *c)
{
	if (c == NULL)
		return;
	smw_free(c->db);
	smw_free(c->schema);
	smw_free(c->sqldir);
	smw_free(c->spool);
	c->db = c->schema = c->sqldir = c->spool = NULL;
	for (size_t i = 0; i < c->ntokens; i++) {
		/* Tokens are secrets: do not leave them in freed memory. */
		memset(c->tokens[i], 0, strlen(c->tokens[i]));
		smw_free(c->tokens[i]);
		c->tokens[i] = NULL;
		/* A label says whose token it is: wiped as well. */
		if (c->labels[i] != NULL)
			memset(c->labels[i], 0, strlen(c->labels[i]));
		smw_free(c->labels[i]);
		c->labels[i] = NULL;
	}
	c->ntokens = 0;
}

/*
 * A setting that cannot be used: said in the log, and kept in c->why for
 * a caller that reports it (a command).  Never a token's value.
 */
static void SMW_PRINTF(2, 3)
invalid(struct smw_config *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	smw_log(SMW_LOG_ERR, "%s", c->why);
}

bool
smw_config_label_valid(const char *s, size_t len)
{
	if (len == 0 || len > SMW_LABEL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* Whether label a (NULL: none) is label b (llen bytes; NULL: none). */
static bool
same_label(const char *a, const char *b, size_t llen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strlen(a) == llen && memcmp(a, b, llen) == 0;
}

/*
 * Add one token (s, len), trimmed of blanks; empty ones are skipped.
 * "LABEL:TOKEN" gives the token its label (config.h); the token after
 * the colon is trimmed again, and a label with no token is refused (what
 * says so names the label, which is no secret, never the entry).
 */
static enum smw_err
add_token(struct smw_config *c, const char *what, const char *s, size_t len)
{
	const char	*colon, *label = NULL;
	size_t		 llen = 0;

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		len--;
	if (len == 0)
		return SMW_OK;
	if ((colon = memchr(s, ':', len)) != NULL &&
	    smw_config_label_valid(s, (size_t)(colon - s))) {
		label = s;
		llen = (size_t)(colon - s);
		len -= llen + 1;
		s = colon + 1;
		while (len > 0 && (*s == ' ' || *s == '\t'))
			s++, len--;
		if (len == 0) {
			invalid(c, "%s: label \"%.*s\" has no token", what,
			    (int)llen, label);
			return SMW_ECONFIG;
		}
	}
	if (c->ntokens == SMW_MAX_TOKENS) {
		invalid(c, "more than %d tokens configured",
		    SMW_MAX_TOKENS);
		return SMW_ECONFIG;
	}
	/* One token, one account: it cannot carry two labels. */
	for (size_t i = 0; i < c->ntokens; i++)
		if (strlen(c->tokens[i]) == len &&
		    memcmp(c->tokens[i], s, len) == 0 &&
		    !same_label(c->labels[i], label, llen)) {
			invalid(c, "%s: the same token is configured with "
			    "two labels", what);
			return SMW_ECONFIG;
		}
	if ((c->tokens[c->ntokens] = smw_strndup(s, len)) == NULL)
		return SMW_ENOMEM;
	if (label != NULL &&
	    (c->labels[c->ntokens] = smw_strndup(label, llen)) == NULL) {
		memset(c->tokens[c->ntokens], 0, len);
		smw_free(c->tokens[c->ntokens]);
		c->tokens[c->ntokens] = NULL;
		return SMW_ENOMEM;
	}
	c->ntokens++;
	return SMW_OK;
}

/*
 * Split s at sep into tokens.  With comments, a line whose first non-blank
 * character is '#' is skipped: an indented comment must never become a
 * token.
 */
static enum smw_err
add_tokens(struct smw_config *c, const char *what, const char *s,
    size_t len, char sep, bool comments)
{
	const char	*end = s + len, *nl, *t;
	enum smw_err	 err;

	while (s < end) {
		if ((nl = memchr(s, sep, end - s)) == NULL)
			nl = end;
		for (t = s; t < nl && (*t == ' ' || *t == '\t'); t++)
			continue;
		if (!(comments && t < nl && *t == '#') &&
		    (err = add_token(c, what, s, nl - s)) != SMW_OK)
			return err;
		s = nl + 1;
	}
	return SMW_OK;
}

/* Tokens from a file, one a line; '#' starts a comment line. */
static enum smw_err
read_token_file(struct smw_config *c, const char *path)
{
	struct stat	 st;
	FILE		*f = NULL;
	char		*buf = NULL;
	size_t		 n;
	enum smw_err	 err = SMW_ECONFIG;

	if ((f = fopen(path, "r")) == NULL) {
		invalid(c, "SHOWMOJO_TOKEN_FILE %s: %s", path,
		    strerror(errno));
		goto out;
	}
	/*
	 * The token is the account's Listing Import API token, which can
	 * change its listings: a file every user may read is said, as libpq
	 * says of a .pgpass that is too open (but still read: a web
	 * server's group may need it).
	 */
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
		snprintf(c->warning, sizeof(c->warning), "SHOWMOJO_TOKEN_FILE "
		    "%s is %s by every user (mode %04o): it holds the "
		    "account's Listing Import API token; chmod 0600, or 0640 "
		    "with the workers' group", path, (st.st_mode & S_IWOTH) ?
		    "writable" : "readable", (unsigned)(st.st_mode & 07777));
		smw_log(SMW_LOG_WARN, "%s", c->warning);
	}
	if ((buf = smw_malloc(TOKEN_FILE_MAX + 1)) == NULL) {
		err = SMW_ENOMEM;
		goto out;
	}
	n = fread(buf, 1, TOKEN_FILE_MAX + 1, f);
	if (ferror(f)) {
		invalid(c, "SHOWMOJO_TOKEN_FILE %s: read error",
		    path);
		goto out;
	}
	if (n > TOKEN_FILE_MAX) {
		invalid(c, "SHOWMOJO_TOKEN_FILE %s: larger than %d "
		    "bytes", path, TOKEN_FILE_MAX);
		goto out;
	}
	err = add_tokens(c, "SHOWMOJO_TOKEN_FILE", buf, n, '\n', true);
	memset(buf, 0, n);
out:
	smw_free(buf);
	if (f != NULL)
		fclose(f);
	return err;
}

/* Copy of an environment value, or NULL when unset or empty. */
static enum smw_err
env_dup(const char *name, char **out)
{
	const char	*v = getenv(name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return SMW_OK;
	if ((*out = smw_strndup(v, strlen(v))) == NULL)
		return SMW_ENOMEM;
	return SMW_OK;
}

/*
 * A decimal number in [lo, hi] from the environment; why (or NULL) says
 * why the range is what it is.
 */
static enum smw_err
env_number(struct smw_config *c, const char *name, unsigned long long lo,
    unsigned long long hi, const char *why, unsigned long long *out)
{
	const char		*v = getenv(name);
	char			*end;
	unsigned long long	 n;

	if (v == NULL || *v == '\0')
		return SMW_OK;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '-' || n < lo || n > hi) {
		invalid(c, "%s=%s: expected a number from %llu to "
		    "%llu%s%s%s", name, v, lo, hi, why ? " (" : "",
		    why ? why : "", why ? ")" : "");
		return SMW_ECONFIG;
	}
	*out = n;
	return SMW_OK;
}

enum smw_err
smw_config_load(struct smw_config *c)
{
	const char		*v, *why;
	char			 whybuf[160];
	unsigned long long	 n;
	enum smw_err		 err;

	if ((err = env_dup("SHOWMOJO_DB", &c->db)) != SMW_OK ||
	    (err = env_dup("SHOWMOJO_SCHEMA", &c->schema)) != SMW_OK ||
	    (err = env_dup("SHOWMOJO_SQLDIR", &c->sqldir)) != SMW_OK)
		return err;
	if (c->schema == NULL &&
	    (c->schema = smw_strndup(SMW_DEFAULT_SCHEMA,
	    strlen(SMW_DEFAULT_SCHEMA))) == NULL)
		return SMW_ENOMEM;

	if ((v = getenv("SHOWMOJO_TOKENS")) != NULL &&
	    (err = add_tokens(c, "SHOWMOJO_TOKENS", v, strlen(v), ',',
	    false)) != SMW_OK)
		return err;
	if ((v = getenv("SHOWMOJO_TOKEN_FILE")) != NULL && *v != '\0' &&
	    (err = read_token_file(c, v)) != SMW_OK)
		return err;

	if ((v = getenv("SHOWMOJO_AUTH")) != NULL && *v != '\0') {
		if (strcmp(v, "none") == 0)
			c->auth_none = true;
		else if (strcmp(v, "token") != 0) {
			invalid(c, "SHOWMOJO_AUTH=%s: expected "
			    "\"none\" or \"token\"", v);
			return SMW_ECONFIG;
		}
	}

	n = c->max_body;
	if ((err = env_number(c, "SHOWMOJO_MAX_BODY", 1, SMW_MAX_BODY_CAP,
	    "16 MiB, so that PostgreSQL can store or quarantine every "
	    "delivery accepted", &n)) != SMW_OK)
		return err;
	c->max_body = n;
	n = c->timeout_ms;
	if ((err = env_number(c, "SHOWMOJO_TIMEOUT_MS", 0, 3600000, NULL,
	    &n)) != SMW_OK)
		return err;
	c->timeout_ms = n;

	if ((v = getenv("SHOWMOJO_ON_INVALID")) != NULL && *v != '\0') {
		if (strcmp(v, "quarantine") == 0)
			c->on_invalid = SMW_ON_INVALID_QUARANTINE;
		else if (strcmp(v, "reject") == 0)
			c->on_invalid = SMW_ON_INVALID_REJECT;
		else {
			invalid(c, "SHOWMOJO_ON_INVALID=%s: "
			    "expected \"quarantine\" or \"reject\"", v);
			return SMW_ECONFIG;
		}
	}

	if ((err = env_dup("SHOWMOJO_SPOOL", &c->spool)) != SMW_OK ||
	    (err = env_number(c, "SHOWMOJO_SPOOL_MAX", 1, ~0ULL >> 1,
	    NULL, &c->spool_max)) != SMW_OK)
		return err;
	if (c->spool != NULL && c->spool[0] != '/') {
		invalid(c, "SHOWMOJO_SPOOL=%s: expected an absolute "
		    "path", c->spool);
		return SMW_ECONFIG;
	}
	if (c->spool != NULL && (why = smw_config_spool_untrusted(c->spool,
	    whybuf, sizeof(whybuf))) != NULL) {
		invalid(c, "SHOWMOJO_SPOOL=%s: %s", c->spool, why);
		return SMW_ECONFIG;
	}
	n = c->strict;
	if ((err = env_number(c, "SHOWMOJO_STRICT", 0, 1, NULL, &n)) != SMW_OK)
		return err;
	c->strict = n == 1;
	return SMW_OK;
}

const char *
smw_config_spool_untrusted(const char *dir, char *buf, size_t sz)
{
	struct stat	 st;

	if (lstat(dir, &st) != 0)
		return NULL;	/* missing: spooling fails, answered 500 */
	if (S_ISLNK(st.st_mode))
		snprintf(buf, sz, "is a symbolic link: name the directory "
		    "itself");
	else if (!S_ISDIR(st.st_mode))
		snprintf(buf, sz, "is not a directory");
	else if (st.st_uid != geteuid())
		snprintf(buf, sz, "is owned by uid %lu, not by this program's "
		    "user (uid %lu): chown it", (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		snprintf(buf, sz, "is writable by %s (mode %04o): other "
		    "users could forge or remove deliveries; chmod 0700 it",
		    (st.st_mode & S_IWOTH) ? "every user" : "its group",
		    (unsigned)(st.st_mode & 07777));
	else
		return NULL;
	return buf;
}

bool
smw_config_accepts(const struct smw_config *c, const char **why)
{
	if (c->ntokens > 0 || c->auth_none)
		return true;
	*why = "no token configured: set SHOWMOJO_TOKENS or "
	    "SHOWMOJO_TOKEN_FILE to the token from ShowMojo's \"Listing "
	    "Import API\" settings, or SHOWMOJO_AUTH=none to accept "
	    "deliveries without one";
	return false;
}

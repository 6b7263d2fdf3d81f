/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the request path up to the point where SQL would
 * run, in the order cgi/serve.c takes it: method, configuration,
 * credential, body (smw_http_read_body into smw_delivery_feed), verdict
 * (smw_parse_finish).  The body reaches the code as a CGI server gives it:
 * as the process's standard input, here a pipe (lib/http.c reads fd 0 when
 * there is no FastCGI request).  No database.
 *
 * An input is optional variable lines, then the body.  Each line at the
 * start that begins with '@' is "@NAME=VALUE" (set) or "@NAME" (unset),
 * ending at a newline; names other than those in vars[] are ignored, so
 * that an input can never name a token file.  Unless an input says
 * otherwise the request is a POST with CONTENT_LENGTH equal to the body's
 * length ("*" stands for it), application/json and a configured token.  An
 * input without '@' lines is a plain body, so the corpus of deliveries
 * seeds this target as well as the parser's.
 */
#define _GNU_SOURCE	/* F_GETPIPE_SZ, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "deliver.h"
#include "http.h"
#include "log.h"
#include "oracle.h"

#define TOKENS "fuzz-token, second-token"

static const struct {
	const char	*name;
	const char	*value;	/* default; NULL: unset */
} vars[] = {
	{ "REQUEST_METHOD", "POST" },
	{ "CONTENT_LENGTH", "*" },
	{ "CONTENT_TYPE", "application/json" },
	{ "HTTP_AUTHORIZATION", "Bearer fuzz-token" },
	{ "HTTP_TRANSFER_ENCODING", NULL },
	{ "SHOWMOJO_MAX_BODY", NULL },
	{ "SHOWMOJO_AUTH", NULL },
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

static int devnull = -1;

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	smw_log_max = SMW_LOG_ERR;
	if ((devnull = open("/dev/null", O_RDONLY)) < 0)
		fz_fail(__FILE__, __LINE__, "open /dev/null");
	/* Everything else the configuration reads stays fixed. */
	setenv("SHOWMOJO_TOKENS", TOKENS, 1);
	unsetenv("SHOWMOJO_TOKEN_FILE");
	unsetenv("SHOWMOJO_ON_INVALID");
	unsetenv("SHOWMOJO_TIMEOUT_MS");
	unsetenv("GATEWAY_INTERFACE");
	return 0;
}

/*
 * The '@' lines at the start of data into val[] (each NULL or a copy the
 * caller frees); returns where the body starts.
 */
static size_t
read_vars(const uint8_t *data, size_t len, char *val[NVARS])
{
	const uint8_t	*nl, *eq;
	size_t		 pos = 0, end, n;

	while (pos < len && data[pos] == '@') {
		nl = memchr(data + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - data) : len;
		eq = memchr(data + pos, '=', end - pos);
		n = (eq != NULL ? (size_t)(eq - data) : end) - pos - 1;
		for (size_t i = 0; i < NVARS; i++) {
			if (strlen(vars[i].name) != n ||
			    memcmp(vars[i].name, data + pos + 1, n) != 0)
				continue;
			free(val[i]);
			val[i] = NULL;
			if (eq != NULL && (val[i] = strndup((const char *)eq +
			    1, end - (size_t)(eq - data) - 1)) == NULL)
				fz_fail(__FILE__, __LINE__, "out of memory");
		}
		pos = nl != NULL ? end + 1 : len;
	}
	return pos;
}

/*
 * Make the body the process's standard input: a pipe holding it, closed
 * for writing.  A body larger than the pipe can hold is cut to fit (the
 * pipe is made as large as the system allows); *len says what was kept.
 */
static void
stdin_from(const uint8_t *body, size_t *len)
{
	int	 fds[2], cap = 65536;
	size_t	 off = 0;
	ssize_t	 w;

	if (pipe(fds) != 0)
		fz_fail(__FILE__, __LINE__, "pipe");
#ifdef F_SETPIPE_SZ
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	if ((cap = fcntl(fds[1], F_GETPIPE_SZ)) <= 0)
		cap = 65536;
#endif
	if (*len > (size_t)cap)
		*len = (size_t)cap;
	while (off < *len) {
		if ((w = write(fds[1], body + off, *len - off)) < 0 &&
		    errno == EINTR)
			continue;
		if (w <= 0)
			fz_fail(__FILE__, __LINE__, "write to the pipe");
		off += (size_t)w;
	}
	if (close(fds[1]) != 0 || dup2(fds[0], STDIN_FILENO) < 0 ||
	    close(fds[0]) != 0)
		fz_fail(__FILE__, __LINE__, "pipe as standard input");
}

/* As cgi/serve.c's sink: the body reader's pieces into the delivery. */
static enum smw_err
sink(void *ctx, const char *data, size_t len)
{
	return smw_delivery_feed(ctx, data, len);
}

/* An answer the request path gave: never one that asks for a retry. */
static void
answered(enum smw_err err)
{
	FZ_CHECK(err != SMW_ENOMEM && smw_http_status(err) != 500,
	    "a deterministic 500");
}

/* From the body on: read, feed, verdict, and its properties. */
static void
deliver(struct smw_http *h, const struct smw_config *cfg,
    const uint8_t *body, size_t blen)
{
	struct smw_delivery	 d;
	struct smw_event	 ev;
	const char		*cl = getenv("CONTENT_LENGTH");
	unsigned long long	 want;
	char			 why[192];
	enum smw_err		 err, err2;
	bool			 has_cl = cl != NULL && *cl != '\0';

	smw_event_init(&ev);
	if (smw_delivery_init(&d, cfg->max_body) != SMW_OK)
		fz_fail(__FILE__, __LINE__, "out of memory");
	err = smw_http_read_body(h, cfg->max_body, sink, &d);
	answered(err);
	want = has_cl ? strtoull(cl, NULL, 10) : 0;
	FZ_CHECK(d.body.len <= cfg->max_body, "body kept beyond the limit");
	if (err != SMW_OK) {
		FZ_CHECK(err == SMW_EINPUT || err == SMW_ETOOBIG ||
		    err == SMW_EGONE, "reading the body failed oddly");
		FZ_CHECK(err != SMW_ETOOBIG || (has_cl ? want : blen) >
		    cfg->max_body, "413 for a body within the limit");
		FZ_CHECK(err != SMW_EGONE || !has_cl || want > blen,
		    "body reported short though it was all there");
		goto out;
	}
	/*
	 * Exactly CONTENT_LENGTH bytes when it is given (RFC 3875 4.2);
	 * whatever was read, it is the start of what was sent.
	 */
	FZ_CHECK(!has_cl || d.body.len == want,
	    "the body read is not CONTENT_LENGTH bytes long");
	FZ_CHECK(d.body.len <= blen && (d.body.len == 0 ||
	    memcmp(d.body.data, body, d.body.len) == 0),
	    "the body read is not the start of what was sent");
	err = smw_parse_finish(&d.parse);
	FZ_CHECK(err == SMW_OK || err == SMW_EINPUT,
	    "the parser failed other than on its input");
	err2 = fz_parse(&ev, (const uint8_t *)d.body.data, d.body.len, 0,
	    why, sizeof(why));
	FZ_CHECK(err == err2, "read from a pipe, the verdict differs");
	if (err == SMW_OK) {
		fz_same_event(&d.ev, &ev);
		fz_check_event(&d.ev);
		fz_check_body((const uint8_t *)d.body.data, d.body.len);
	}
out:
	smw_event_free(&ev);
	smw_delivery_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct smw_config	 cfg;
	struct smw_http		 h;
	char			*val[NVARS] = { NULL }, num[32];
	const char		*method, *auth;
	struct smw_auth_refusal	 refusal;
	size_t			 blen, i;
	enum smw_err		 err;

	for (i = 0; i < NVARS; i++)
		if (vars[i].value != NULL &&
		    (val[i] = strdup(vars[i].value)) == NULL)
			fz_fail(__FILE__, __LINE__, "out of memory");
	i = read_vars(data, len, val);
	data += i;
	blen = len - i;
	stdin_from(data, &blen);
	for (i = 0; i < NVARS; i++) {
		if (val[i] != NULL && strcmp(val[i], "*") == 0 &&
		    strcmp(vars[i].name, "CONTENT_LENGTH") == 0) {
			snprintf(num, sizeof(num), "%zu", blen);
			setenv(vars[i].name, num, 1);
		} else if (val[i] != NULL)
			setenv(vars[i].name, val[i], 1);
		else
			unsetenv(vars[i].name);
	}

	memset(&h, 0, sizeof(h));
	smw_config_init(&cfg);
	method = getenv("REQUEST_METHOD");
	if (method == NULL || strcmp(method, "POST") != 0)
		goto out;	/* 405, or the health check: no body read */
	if ((err = smw_config_load(&cfg)) != SMW_OK) {
		FZ_CHECK(err == SMW_ECONFIG, "configuration failed oddly");
		goto out;
	}
	auth = getenv("HTTP_AUTHORIZATION");
	err = smw_auth_check(&cfg, auth, &refusal);
	answered(err);
	FZ_CHECK(err == SMW_OK || err == SMW_EAUTH, "auth failed oddly");
	if (err == SMW_OK && !cfg.auth_none)
		FZ_CHECK(auth != NULL && (strstr(auth, "fuzz-token") != NULL ||
		    strstr(auth, "second-token") != NULL),
		    "accepted without a configured token");
	if (err == SMW_OK)
		deliver(&h, &cfg, data, blen);
out:
	smw_config_free(&cfg);
	for (i = 0; i < NVARS; i++)
		free(val[i]);
	if (dup2(devnull, STDIN_FILENO) < 0)
		fz_fail(__FILE__, __LINE__, "restore standard input");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * CGI and FastCGI request I/O.  The same code serves both: with a FastCGI
 * request the streams and variables are libfcgi's, otherwise they are the
 * process's stdin, stdout and environment (RFC 3875).  Response bodies are
 * written with FCGX_PutStr, never FCGX_FPrintF, whose conversions are
 * limited in length.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "http.h"
#include "log.h"

/*
 * The design's rule in one place: 200 only when stored (or deliberately
 * quarantined), 500 only when a retry can cure it.
 */
static const struct {
	int		 code;
	const char	*reason;
} statuses[SMW_ERR__MAX] = {
	[SMW_OK] = { 200, "OK" },
	[SMW_ENOMEM] = { 500, "Internal Server Error" },
	[SMW_EINPUT] = { 400, "Bad Request" },
	[SMW_EAUTH] = { 401, "Unauthorized" },
	[SMW_ETOOBIG] = { 413, "Content Too Large" },
	[SMW_EDB] = { 500, "Internal Server Error" },
	[SMW_ECONFIG] = { 503, "Service Unavailable" },
	[SMW_ESYS] = { 500, "Internal Server Error" },
	[SMW_EGONE] = { 400, "Bad Request" },
	[SMW_EUNAVAIL] = { 503, "Service Unavailable" },
	[SMW_EYIELD] = { 503, "Service Unavailable" },	/* never answered */
};

/*
 * Methods (RFC 9110 9.3): POST delivers, GET and HEAD ask for health; any
 * other is answered 405 with an Allow header naming these (15.5.6).
 */
static const struct {
	const char		*name;
	enum smw_http_method	 method;
} methods[] = {
	{ "POST", SMW_HTTP_POST },
	{ "GET", SMW_HTTP_HEALTH },
	{ "HEAD", SMW_HTTP_HEALTH },
};
#define METHOD_405	"Method Not Allowed"
#define METHOD_ALLOW	"Allow: GET, HEAD, POST\r\n"

int
smw_http_status(enum smw_err e)
{
	if ((unsigned)e >= SMW_ERR__MAX)
		return 500;
	return statuses[e].code;
}

const char *
smw_http_env(const struct smw_http *h, const char *name)
{
	if (h->fcgx != NULL)
		return FCGX_GetParam(name, h->fcgx->envp);
	return getenv(name);
}

enum smw_http_method
smw_http_method(const struct smw_http *h)
{
	const char	*m = smw_http_env(h, "REQUEST_METHOD");

	for (size_t i = 0; m != NULL && i < sizeof(methods) /
	    sizeof(methods[0]); i++)
		if (strcmp(m, methods[i].name) == 0)
			return methods[i].method;
	return SMW_HTTP_OTHER;
}

/* Up to n bytes of body; 0 at its end, -1 on error. */
static ssize_t
body_read(struct smw_http *h, char *buf, size_t n)
{
	ssize_t	 r;

	if (h->fcgx != NULL) {
		r = FCGX_GetStr(buf, (int)n, h->fcgx->in);
		return r < 0 || (r == 0 && FCGX_GetError(h->fcgx->in)) ? -1 : r;
	}
	do
		r = read(STDIN_FILENO, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * How long the body is: *want bytes from CONTENT_LENGTH (RFC 3875 4.1.2),
 * or *to_eof when it runs to the end of its stream (FastCGI without
 * CONTENT_LENGTH, or a chunked body that Apache hands a CGI program
 * without one); neither means no body.  False for a malformed
 * CONTENT_LENGTH.
 */
static bool
body_length(const struct smw_http *h, unsigned long long *want, bool *to_eof)
{
	const char	*cl = smw_http_env(h, "CONTENT_LENGTH");
	char		*end;

	*want = 0;
	*to_eof = false;
	if (cl != NULL && *cl != '\0') {
		errno = 0;
		*want = strtoull(cl, &end, 10);
		return errno == 0 && *end == '\0' &&
		    strspn(cl, "0123456789") == strlen(cl);
	}
	*to_eof = h->fcgx != NULL ||
	    smw_http_env(h, "HTTP_TRANSFER_ENCODING") != NULL;
	return true;
}

enum smw_err
smw_http_read_body(struct smw_http *h, size_t max,
    enum smw_err (*sink)(void *, const char *, size_t), void *ctx)
{
	char			 chunk[16384];
	unsigned long long	 want;
	bool			 to_eof;
	ssize_t			 r;
	size_t			 n;
	enum smw_err		 err;

	if (!body_length(h, &want, &to_eof)) {
		smw_log(SMW_LOG_WARN, "malformed CONTENT_LENGTH");
		return SMW_EINPUT;
	}
	if (want > max)
		return SMW_ETOOBIG;

	while (to_eof || h->body_read < want) {
		n = sizeof(chunk);
		if (!to_eof && want - h->body_read < n)
			n = want - h->body_read;
		if ((r = body_read(h, chunk, n)) < 0) {
			smw_log(SMW_LOG_WARN, "reading body: %s",
			    h->fcgx ? "stream error" : strerror(errno));
			return SMW_EGONE;
		}
		if (r == 0) {
			if (to_eof)
				break;
			smw_log(SMW_LOG_WARN, "body ended after %llu of %llu "
			    "bytes: client went away", h->body_read, want);
			return SMW_EGONE;
		}
		h->body_read += r;
		if (to_eof && h->body_read > max)
			return SMW_ETOOBIG;
		if ((err = sink(ctx, chunk, (size_t)r)) != SMW_OK)
			return err;
	}
	return SMW_OK;
}

void
smw_http_drain(struct smw_http *h, size_t max)
{
	char			 chunk[16384];
	unsigned long long	 want, left;
	bool			 to_eof;
	struct pollfd		 pfd;
	ssize_t			 r;
	size_t			 n;

	if (h->fcgx != NULL)
		return;		/* libfcgi reads the rest of FCGI_STDIN */
	if (!body_length(h, &want, &to_eof) ||
	    (!to_eof && want <= h->body_read))
		return;
	left = to_eof || want - h->body_read > max ? max :
	    want - h->body_read;
	while (left > 0) {
		/* A stalled client does not keep the process: 1 s a read. */
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) <= 0)
			return;
		n = left < sizeof(chunk) ? left : sizeof(chunk);
		if ((r = body_read(h, chunk, n)) <= 0)
			return;
		left -= (unsigned long long)r;
	}
}

/* Write all of s. */
static void
out(struct smw_http *h, const char *s, size_t n)
{
	ssize_t	 w;

	if (h->fcgx != NULL) {
		(void)FCGX_PutStr(s, (int)n, h->fcgx->out);
		return;
	}
	while (n > 0) {
		w = write(STDOUT_FILENO, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Status line, headers (each ending in "\r\n", may be NULL) and body. */
static void
respond(struct smw_http *h, int code, const char *reason,
    const char *headers, const char *body)
{
	char		 head[256];
	const char	*method = smw_http_env(h, "REQUEST_METHOD");
	int		 n;

	if (h->responded)
		return;
	h->responded = true;
	h->status = code;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n", code, reason);
	out(h, head, (size_t)n);
	if (headers != NULL)
		out(h, headers, strlen(headers));
	out(h, "\r\n", 2);
	if (body != NULL && (method == NULL || strcmp(method, "HEAD") != 0)) {
		out(h, body, strlen(body));
		out(h, "\n", 1);
	}
}

void
smw_http_respond(struct smw_http *h, enum smw_err err, const char *headers,
    const char *body)
{
	if ((unsigned)err >= SMW_ERR__MAX)
		err = SMW_EDB;
	respond(h, statuses[err].code, statuses[err].reason, headers, body);
}

void
smw_http_refuse_method(struct smw_http *h)
{
	respond(h, 405, METHOD_405, METHOD_ALLOW,
	    "{\"error\":\"method not allowed\"}");
}

enum smw_err
smw_http_json_escape(struct smw_buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[6];
	enum smw_err		 err = SMW_OK;
	size_t			 i, start = 0;

	for (i = 0; i < len && err == SMW_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((err = smw_buf_append(b, s + start, i - start)) != SMW_OK)
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			err = smw_buf_append(b, esc, 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			err = smw_buf_append(b, esc, 6);
		}
		start = i + 1;
	}
	if (err == SMW_OK)
		err = smw_buf_append(b, s + start, len - start);
	return err;
}

/* SPDX-License-Identifier: MIT */
/*
 * The request as a CGI program (RFC 3875) or a FastCGI responder sees it:
 * its variables, a capped read of its body, and the response.  The one
 * table mapping each smw_err to an HTTP status lives here.  Knows no SQL.
 */
#ifndef SMW_HTTP_H
#define SMW_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct FCGX_Request;

struct smw_http {
	struct FCGX_Request	*fcgx;	/* NULL: plain CGI on stdin/stdout */
	bool			 responded;
	int			 status;	/* the status sent, once sent */
	unsigned long long	 body_read;	/* bytes of body read so far */
};

/* Status for an error code (SMW_OK → 200). */
int smw_http_status(enum smw_err);

/* A request variable (CONTENT_LENGTH, HTTP_AUTHORIZATION, ...) or NULL. */
const char *smw_http_env(const struct smw_http *, const char *name);

/* What a request's method asks for. */
enum smw_http_method {
	SMW_HTTP_POST,		/* a delivery */
	SMW_HTTP_HEALTH,	/* GET or HEAD: the health check */
	SMW_HTTP_OTHER,		/* not served: see smw_http_refuse_method */
	SMW_HTTP__MAX
};

/* The request's REQUEST_METHOD, classified; SMW_HTTP_OTHER when absent. */
enum smw_http_method smw_http_method(const struct smw_http *);

/*
 * Read the body, handing it to sink(ctx, data, len) chunk by chunk.
 * CONTENT_LENGTH is checked against max before anything is read: more is
 * SMW_ETOOBIG and nothing is read.  Never reads past CONTENT_LENGTH
 * (RFC 3875 4.2); without it, a FastCGI body is read to its end (still
 * capped), and so is a CGI body that came with HTTP_TRANSFER_ENCODING
 * (Apache's mod_cgi and mod_cgid pass a chunked body on stdin without
 * CONTENT_LENGTH); any other CGI body is empty.  SMW_EINPUT for a malformed
 * CONTENT_LENGTH, SMW_EGONE when the body ends early or cannot be read
 * (the client went away); a sink's failure is returned as it is.
 * Failures are logged.
 */
enum smw_err smw_http_read_body(struct smw_http *, size_t max,
    enum smw_err (*sink)(void *, const char *, size_t), void *ctx)
    SMW_MUSTCHECK;

/*
 * CGI only: read and discard what is left of the body, at most max bytes
 * and never past CONTENT_LENGTH, after the response, giving up when no byte
 * comes for a second.  mod_cgid gives the
 * program one socket for stdin and stdout; exiting with body unread in it
 * resets the connection and the response is lost.
 */
void smw_http_drain(struct smw_http *, size_t max);

/*
 * Send the response: the status for err, extra header lines (each ending
 * in "\r\n", may be NULL) and a JSON body (omitted for HEAD).  Only the
 * first call per request writes anything.
 */
void smw_http_respond(struct smw_http *, enum smw_err err,
    const char *headers, const char *body);

/*
 * Answer a method that is not served: 405 with the Allow header (RFC
 * 9110 15.5.6) and a short JSON body.  Only the first answer per request
 * is written, as with smw_http_respond.
 */
void smw_http_refuse_method(struct smw_http *);

/*
 * Append s (len bytes of UTF-8) to b as the inside of a JSON string.
 * Same codes as smw_buf_append; a failure is also kept in b (see
 * smw_buf_err), so a builder may check once at the end.
 */
enum smw_err smw_http_json_escape(struct smw_buf *, const char *s,
    size_t len);

#endif

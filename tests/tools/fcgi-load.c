/* SPDX-License-Identifier: MIT */
/*
 * A small FastCGI client for the tests: sends N POST requests, one
 * connection each (as nginx does by default), to a responder listening on
 * a unix socket, and counts the answers by status.  The body is a template
 * in which every "@ID@" becomes a request number, so each delivery is new.
 *
 *	fcgi-load SOCKET TOKEN BODY-TEMPLATE-FILE COUNT [FIRST-ID]
 *
 * Prints "sent N, status 200: N, other: N" and exits 0 when every answer
 * was 200.  With TEMPLATE "-" it sends instead each file named on stdin
 * (one a line), as it is, and prints "STATUS BODY" for each; a request
 * that gets no answer (the worker died) is sent again, for up to 10 s.
 * With FCGI_LOAD_ABORT=N in the environment each request sends
 * only the first N bytes of its body and then closes the connection, as a
 * client that goes away mid-body (exit 0 when every send succeeded).
 *
 * Slow clients, for the tests of stop signals:
 *	FCGI_LOAD_PAUSE=N	each request sends its parameters and the first
 *				N bytes of its body, prints "paused", and sends
 *				the rest once a line comes on stdin; with
 *				"connect" it pauses before sending anything
 *	FCGI_LOAD_TRICKLE=MS	each request connects, then sends its
 *				parameters, the first half of its body and the
 *				rest, MS milliseconds apart
 *	FCGI_LOAD_TRACE=1	prints "ID: STATUS" for each request, STATUS
 *				being the HTTP status, "refused" (no
 *				connection) or "none" (connected, no answer)
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_RESPONDER		1

struct out {
	unsigned char	 buf[1 << 20];
	size_t		 len;
};

static void
put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		fprintf(stderr, "fcgi-load: request too large\n");
		exit(2);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* One record of type t with n bytes of content (n < 65536). */
static void
record(struct out *o, int t, const void *p, size_t n)
{
	unsigned char	 h[8] = { 1, (unsigned char)t, 0, 1,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	put(o, h, 8);
	put(o, p, n);
}

/* A name-value pair in FastCGI's length encoding. */
static void
param(unsigned char *p, size_t *len, const char *k, const char *v)
{
	size_t	 kl = strlen(k), vl = strlen(v);

	p[(*len)++] = (unsigned char)kl;	/* names here are short */
	if (vl < 128)
		p[(*len)++] = (unsigned char)vl;
	else {
		p[(*len)++] = (unsigned char)(0x80 | vl >> 24);
		p[(*len)++] = (unsigned char)(vl >> 16);
		p[(*len)++] = (unsigned char)(vl >> 8);
		p[(*len)++] = (unsigned char)vl;
	}
	memcpy(p + *len, k, kl);
	*len += kl;
	memcpy(p + *len, v, vl);
	*len += vl;
}

static int
readn(int fd, unsigned char *p, size_t n)
{
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Write all n bytes. */
static int
writen(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
pause_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* How the body is sent: see the comment at the top. */
struct pace {
	long	 abort_after;	/* < 0: whole body */
	long	 pause_at;	/* -1: no pause, -2: right after connect */
	long	 trickle_ms;	/* < 0: all at once */
};

/*
 * Send one request; returns the HTTP status, -1 when no status came, -2
 * when the connection was refused.  With abort_after >= 0 only that many
 * bytes of the body are sent, the connection is closed and 0 is returned.
 */
static int
one(const char *sock, const char *token, const char *body, size_t blen,
    const struct pace *pc, struct out *resp)
{
	static struct out	 o;
	struct sockaddr_un	 sa;
	unsigned char		 params[4096], h[8], content[65536 + 256];
	unsigned char		 begin[8] = { 0, FCGI_RESPONDER, 0 };
	char			 cl[32], auth[512], line[64];
	size_t			 plen = 0, off, n, cut[2], split;
	int			 fd, status = -1;

	o.len = 0;
	record(&o, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	snprintf(cl, sizeof(cl), "%zu", blen);
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	param(params, &plen, "GATEWAY_INTERFACE", "CGI/1.1");
	param(params, &plen, "REQUEST_METHOD", "POST");
	param(params, &plen, "CONTENT_LENGTH", cl);
	param(params, &plen, "CONTENT_TYPE", "application/json");
	param(params, &plen, "REMOTE_ADDR", "127.0.0.1");
	param(params, &plen, "HTTP_AUTHORIZATION", auth);
	param(params, &plen, "REQUEST_URI", "/showmojo");
	record(&o, FCGI_PARAMS, params, plen);
	record(&o, FCGI_PARAMS, "", 0);
	cut[0] = cut[1] = o.len;
	split = pc->pause_at >= 0 ? (size_t)pc->pause_at :
	    pc->trickle_ms >= 0 ? blen / 2 : 0;
	if (split > blen)
		split = blen;
	for (off = 0; off < blen; off += n) {
		n = blen - off > 32768 ? 32768 : blen - off;
		if (off < split && off + n > split)
			n = split - off;
		if (pc->abort_after >= 0 && off + n > (size_t)pc->abort_after)
			n = (size_t)pc->abort_after - off;
		if (n == 0)
			break;
		record(&o, FCGI_STDIN, body + off, n);
		if (off + n == split)
			cut[1] = o.len;
	}
	if (pc->abort_after < 0)
		record(&o, FCGI_STDIN, "", 0);

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		status = -2;
		goto out;
	}
	if (pc->trickle_ms >= 0) {
		pause_ms(pc->trickle_ms);
		if (writen(fd, o.buf, cut[0]) < 0)
			goto out;
		pause_ms(pc->trickle_ms);
		if (writen(fd, o.buf + cut[0], cut[1] - cut[0]) < 0)
			goto out;
		pause_ms(pc->trickle_ms);
	} else if (pc->pause_at >= 0 || pc->pause_at == -2) {
		if (pc->pause_at == -2)
			cut[1] = 0;
		if (writen(fd, o.buf, cut[1]) < 0)
			goto out;
		printf("paused\n");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			goto out;
	} else
		cut[1] = 0;
	if (writen(fd, o.buf + cut[1], o.len - cut[1]) < 0)
		goto out;
	if (pc->abort_after >= 0) {
		status = 0;
		goto out;
	}
	for (;;) {
		if (readn(fd, h, 8) < 0)
			break;
		n = (size_t)h[4] << 8 | h[5];
		if (readn(fd, content, n + h[6]) < 0)
			break;
		if (h[1] == FCGI_STDOUT && resp != NULL)
			put(resp, content, n);
		if (h[1] == FCGI_STDOUT && status < 0 && n > 12 &&
		    memcmp(content, "Status: ", 8) == 0)
			status = atoi((char *)content + 8);
		if (h[1] == FCGI_END_REQUEST)
			break;
	}
out:
	close(fd);
	return status;
}

/* An optional number from the environment; -1 when unset. */
static long
env_long(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? atol(v) : -1;
}

/* Send each file named on stdin; print its status and response body. */
static int
files(const char *sock, const char *token)
{
	static char		 body[1 << 19];
	static struct out	 resp;
	const struct pace	 whole = { -1, -1, -1 };
	char			 path[4096], *b;
	FILE			*f;
	size_t			 blen;
	int			 status = -1, rc = 0;

	while (fgets(path, sizeof(path), stdin) != NULL) {
		path[strcspn(path, "\n")] = '\0';
		if ((f = fopen(path, "r")) == NULL) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 2;
		}
		blen = fread(body, 1, sizeof(body), f);
		fclose(f);
		/* A worker that went away is retried, as a web server would. */
		for (int tries = 0; tries < 200; tries++) {
			resp.len = 0;
			if ((status = one(sock, token, body, blen, &whole,
			    &resp)) >= 0)
				break;
			usleep(50000);
		}
		put(&resp, "", 1);
		b = strstr((char *)resp.buf, "\r\n\r\n");
		printf("%d %s\n", status, b != NULL ? b + 4 : "");
		rc |= status != 200;
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	static char	 tmpl[1 << 19], body[1 << 19];
	FILE		*f;
	size_t		 tlen, blen;
	struct pace	 pc;
	long		 count, first, ok = 0, other = 0;
	char		*at, id[32];
	int		 st;
	bool		 trace = getenv("FCGI_LOAD_TRACE") != NULL;

	if ((argc < 5 || argc > 6) && !(argc == 4 && strcmp(argv[3], "-") ==
	    0)) {
		fprintf(stderr, "usage: fcgi-load SOCKET TOKEN TEMPLATE COUNT "
		    "[FIRST-ID]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);	/* a closed connection is an answer */
	if (strcmp(argv[3], "-") == 0)
		return files(argv[1], argv[2]);
	if ((f = fopen(argv[3], "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[3], strerror(errno));
		return 2;
	}
	tlen = fread(tmpl, 1, sizeof(tmpl) - 1, f);
	fclose(f);
	tmpl[tlen] = '\0';
	pc.abort_after = env_long("FCGI_LOAD_ABORT");
	pc.pause_at = env_long("FCGI_LOAD_PAUSE");
	if (getenv("FCGI_LOAD_PAUSE") != NULL &&
	    strcmp(getenv("FCGI_LOAD_PAUSE"), "connect") == 0)
		pc.pause_at = -2;
	pc.trickle_ms = env_long("FCGI_LOAD_TRICKLE");
	count = atol(argv[4]);
	first = argc == 6 ? atol(argv[5]) : 1;
	for (long i = 0; i < count; i++) {
		const char *t = tmpl;

		snprintf(id, sizeof(id), "%ld", first + i);
		blen = 0;
		while ((at = strstr(t, "@ID@")) != NULL) {
			memcpy(body + blen, t, (size_t)(at - t));
			blen += (size_t)(at - t);
			memcpy(body + blen, id, strlen(id));
			blen += strlen(id);
			t = at + 4;
		}
		memcpy(body + blen, t, strlen(t));
		blen += strlen(t);
		st = one(argv[1], argv[2], body, blen, &pc, NULL);
		if (st == (pc.abort_after >= 0 ? 0 : 200))
			ok++;
		else
			other++;
		if (trace && st >= 0)
			printf("%s: %d\n", id, st);
		else if (trace)
			printf("%s: %s\n", id, st == -2 ? "refused" : "none");
		fflush(stdout);
	}
	printf("sent %ld, status 200: %ld, other: %ld\n", count, ok, other);
	return other != 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmark of the streaming parser, run by tests/bench/run: MB/s
 * on a 1 KB delivery and on 1 MiB ones, fed in 16 KiB chunks as the
 * request reader feeds it; then the peak heap that the parser (with the
 * event it fills) and the whole delivery (parser plus the kept body) hold,
 * for bodies from 1 KiB to 4 MiB.  Heap use is counted by interposing
 * malloc and friends over glibc's own (__libc_malloc...), except under
 * AddressSanitizer, which has its own (heap figures are then 0).  With
 * sizes in MiB after the template it times instead, once per size, bodies
 * that are one long string: the whole body, a known field's value
 * (showing.notes) and an unknown key's value.
 *
 * usage: parse-bench DELIVERY-TEMPLATE [MIB...] (tests/bench/delivery.json)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver.h"
#include "parse.h"

#define CHUNK 16384

/* Live heap bytes (as malloc_usable_size counts them) and their peak. */
static long long	 live, peak;

#ifndef __SANITIZE_ADDRESS__
void	*__libc_malloc(size_t);
void	*__libc_calloc(size_t, size_t);
void	*__libc_realloc(void *, size_t);
void	 __libc_free(void *);

static void
count(void *p, int sign)
{
	if (p == NULL)
		return;
	live += sign * (long long)malloc_usable_size(p);
	if (live > peak)
		peak = live;
}

void *
malloc(size_t n)
{
	void	*p = __libc_malloc(n);

	count(p, 1);
	return p;
}

void *
calloc(size_t n, size_t m)
{
	void	*p = __libc_calloc(n, m);

	count(p, 1);
	return p;
}

void *
realloc(void *old, size_t n)
{
	void	*p;

	count(old, -1);
	if ((p = __libc_realloc(old, n)) == NULL && n > 0)
		count(old, 1);
	count(p, 1);
	return p;
}

void
free(void *p)
{
	count(p, -1);
	__libc_free(p);
}
#endif

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Parse one body as a request does; exits when it is not a delivery,
 * unless refused_ok.
 */
static void
parse_as(const char *body, size_t len, int refused_ok)
{
	struct smw_event	 ev;
	struct smw_parse	 p;
	size_t			 off, n;
	enum smw_err		 err;

	smw_event_init(&ev);
	err = smw_parse_init(&p, &ev);
	for (off = 0; err == SMW_OK && off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		err = smw_parse_feed(&p, body + off, n);
	}
	if (err == SMW_OK)
		err = smw_parse_finish(&p);
	if (err != SMW_OK && !refused_ok) {
		fprintf(stderr, "parse-bench: not a delivery: %s\n",
		    smw_parse_why(&p));
		exit(1);
	}
	smw_parse_free(&p);
	smw_event_free(&ev);
}

static void
parse(const char *body, size_t len)
{
	parse_as(body, len, 0);
}

/* Peak heap, above what was live before, of the parser on one body. */
static long long
parser_peak(const char *body, size_t len)
{
	long long	 base = live;

	peak = live;
	parse(body, len);
	return peak - base;
}

/* The same for a whole delivery (body kept as it streams through). */
static long long
delivery_peak(const char *body, size_t len, size_t *kept)
{
	struct smw_delivery	 d;
	long long		 base = live;
	size_t			 off, n;

	peak = live;
	if (smw_delivery_init(&d, (size_t)8 << 20) != SMW_OK)
		exit(1);
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		if (smw_delivery_feed(&d, body + off, n) != SMW_OK)
			exit(1);
	}
	if (smw_parse_finish(&d.parse) != SMW_OK)
		exit(1);
	*kept = malloc_usable_size(d.body.data);
	smw_delivery_free(&d);
	return peak - base;
}

/* MB/s (10^6 bytes) parsing body over and over for about a second. */
static double
speed(const char *body, size_t len)
{
	double		 t0, t;
	unsigned long	 i, n = 1;

	parse(body, len);
	for (;;) {
		t0 = now();
		for (i = 0; i < n; i++)
			parse(body, len);
		if ((t = now() - t0) > 1.0)
			return (double)len * n / t / 1e6;
		n *= 2;
	}
}

/*
 * A delivery of about size bytes: the template's event, then either an
 * unknown "history" array of whole deliveries (ordinary values), or a
 * notes field of the size (one long string).
 */
static char *
make(const char *head, const char *mid, const char *tail, size_t size,
    int one_string, size_t *len)
{
	char	*b = malloc(size + 8192), *notes;
	size_t	 n, d;

	n = (size_t)sprintf(b, "%s7000000001%ssh-7%s", head, mid, tail);
	if (size <= n)
		goto out;
	if (one_string) {
		/* Replace the notes value with size - n bytes of text. */
		notes = strstr(b, "\"notes\":\"") + 9;
		d = size - n;
		memmove(notes + d, notes, n - (size_t)(notes - b) + 1);
		memset(notes, 'x', d);
		n += d;
		goto out;
	}
	b[n - 1] = '\0';	/* drop the closing brace, add an array */
	n = n - 1 + (size_t)sprintf(b + n - 1, ",\"history\":[");
	for (d = 0; n < size; d++)
		n += (size_t)sprintf(b + n, "%s%s7000000002%ssh-7%s",
		    d > 0 ? "," : "", head, mid, tail);
	n += (size_t)sprintf(b + n, "]}");
out:
	*len = n;
	return b;
}

/*
 * Seconds to parse, once, each of the three bodies of mib MiB that are one
 * long string, and the parser's peak heap on it.
 */
static void
long_strings(const char *head, const char *mid, const char *tail,
    size_t mib)
{
	static const char *const shapes[] = { "the body", "showing.notes",
	    "an unknown key" };
	size_t		 size = mib << 20, len;
	char		*b, *s;
	double		 t0, t;
	long long	 base;

	for (int i = 0; i < 3; i++) {
		if (i == 0) {
			b = malloc(size + 1);
			memset(b, 'x', size);
			b[0] = b[size - 1] = '"';
			len = size;
		} else
			b = make(head, mid, tail, size, 1, &len);
		if (i == 2) {
			/* "notes" becomes a key the parser does not know. */
			s = strstr(b, "\"notes\":\"");
			memcpy(s + 1, "nXtes", 5);
		}
		base = live;
		peak = live;
		t0 = now();
		parse_as(b, len, i == 0);
		t = now() - t0;
		printf("PARSE long string %zu MiB, %s: %.3f s, %.1f MB/s, "
		    "parser peak heap %lld\n", mib, shapes[i], t,
		    (double)len / t / 1e6, peak - base);
		free(b);
	}
}

int
main(int argc, char *argv[])
{
	static const size_t	 sizes[] = { 1024, 16384, 262144, 1048576,
	    4194304 };
	char			 t[4096], *id, *uid, *b;
	FILE			*f;
	size_t			 len, kept;
	long long		 pp, dp;

	if (argc < 2 || (f = fopen(argv[1], "r")) == NULL ||
	    fgets(t, sizeof(t), f) == NULL ||
	    (id = strstr(t, "@ID@")) == NULL ||
	    (uid = strstr(t, "@UID@")) == NULL) {
		fprintf(stderr, "usage: parse-bench DELIVERY-TEMPLATE "
		    "[MIB...]\n");
		return 2;
	}
	fclose(f);
	*id = *uid = '\0';
	uid[5 + strcspn(uid + 5, "\n")] = '\0';
	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			long_strings(t, id + 4, uid + 5,
			    (size_t)strtoul(argv[i], NULL, 10));
		return 0;
	}

	b = make(t, id + 4, uid + 5, 0, 0, &len);
	printf("PARSE speed %zu-byte delivery: %.1f MB/s\n", len,
	    speed(b, len));
	free(b);
	b = make(t, id + 4, uid + 5, 1048576, 0, &len);
	printf("PARSE speed %zu-byte delivery (an unknown array of whole "
	    "deliveries): %.1f MB/s\n", len, speed(b, len));
	free(b);
	b = make(t, id + 4, uid + 5, 1048576, 1, &len);
	printf("PARSE speed %zu-byte delivery (one 1 MiB notes string): "
	    "%.1f MB/s\n", len, speed(b, len));
	free(b);

	printf("PARSE memory: body bytes | parser+event peak heap | delivery "
	    "peak heap | of which the kept body | delivery peak minus body\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		b = make(t, id + 4, uid + 5, sizes[i], 0, &len);
		pp = parser_peak(b, len);
		dp = delivery_peak(b, len, &kept);
		printf("PARSE memory values %zu | %lld | %lld | %zu | %lld\n",
		    len, pp, dp, kept, dp - (long long)kept);
		free(b);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		b = make(t, id + 4, uid + 5, sizes[i], 1, &len);
		pp = parser_peak(b, len);
		dp = delivery_peak(b, len, &kept);
		printf("PARSE memory one-string %zu | %lld | %lld | %zu | "
		    "%lld\n", len, pp, dp, kept, dp - (long long)kept);
		free(b);
	}
	return 0;
}

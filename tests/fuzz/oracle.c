/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' checks (see oracle.h).  The UTF-8, escape, nesting and
 * number checks here are a second implementation, deliberately shaped
 * differently from lib/parse.c's byte scanner (RFC 3629's grammar by
 * ranges, a walk over the finished text), so that one mistake is unlikely
 * to hide in both.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"
#include "parse.h"

void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
	abort();
}

uint64_t
fz_seed(const uint8_t *data, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

enum smw_err
fz_parse(struct smw_event *ev, const uint8_t *data, size_t len,
    uint64_t seed, char *why, size_t whysz)
{
	struct smw_parse	 p;
	enum smw_err		 err;
	size_t			 off, n;

	if ((err = smw_parse_init(&p, ev)) != SMW_OK) {
		snprintf(why, whysz, "out of memory");
		return err;
	}
	if (seed == 0)
		err = smw_parse_feed(&p, data, len);
	else {
		err = smw_parse_feed(&p, data, 0);
		off = (size_t)(seed % (len + 1));
		if (err == SMW_OK)
			err = smw_parse_feed(&p, data, off);
		while (err == SMW_OK && off < len) {
			/* xorshift64: piece sizes that follow from the seed. */
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			n = 1 + (size_t)(seed % 16);
			if (n > len - off)
				n = len - off;
			err = smw_parse_feed(&p, data + off, n);
			off += n;
		}
	}
	if (err == SMW_OK)
		err = smw_parse_finish(&p);
	snprintf(why, whysz, "%s", smw_parse_why(&p));
	smw_parse_free(&p);
	return err;
}

/* Length of the UTF-8 character at s (RFC 3629 section 4), 0 if invalid. */
static size_t
utf8_char(const uint8_t *s, size_t left)
{
	static const struct {
		uint8_t	 lo, hi;	/* first byte */
		uint8_t	 lo2, hi2;	/* second byte */
		size_t	 n;
	} forms[] = {
		{ 0x00, 0x7F, 0, 0, 1 },
		{ 0xC2, 0xDF, 0x80, 0xBF, 2 },
		{ 0xE0, 0xE0, 0xA0, 0xBF, 3 },
		{ 0xE1, 0xEC, 0x80, 0xBF, 3 },
		{ 0xED, 0xED, 0x80, 0x9F, 3 },
		{ 0xEE, 0xEF, 0x80, 0xBF, 3 },
		{ 0xF0, 0xF0, 0x90, 0xBF, 4 },
		{ 0xF1, 0xF3, 0x80, 0xBF, 4 },
		{ 0xF4, 0xF4, 0x80, 0x8F, 4 },
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (s[0] < forms[f].lo || s[0] > forms[f].hi)
			continue;
		if (forms[f].n > left)
			return 0;
		if (forms[f].n == 1)
			return 1;
		if (s[1] < forms[f].lo2 || s[1] > forms[f].hi2)
			return 0;
		for (size_t i = 2; i < forms[f].n; i++)
			if (s[i] < 0x80 || s[i] > 0xBF)
				return 0;
		return forms[f].n;
	}
	return 0;
}

static bool
utf8_valid(const uint8_t *s, size_t len)
{
	size_t	 n;

	for (size_t i = 0; i < len; i += n)
		if ((n = utf8_char(s + i, len - i)) == 0)
			return false;
	return true;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A number token outside strings starting at s: length and exponent. */
static size_t
check_number(const uint8_t *s, size_t left)
{
	size_t		 n = 0, i;
	unsigned long	 ex = 0;

	while (n < left && strchr("0123456789+-.eE", s[n]) != NULL &&
	    s[n] != '\0')
		n++;
	FZ_CHECK(n <= SMW_PARSE_MAX_NUMBER, "a number longer than "
	    "SMW_PARSE_MAX_NUMBER accepted");
	for (i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++)
		continue;
	if (i < n) {
		for (i++; i < n && (s[i] == '+' || s[i] == '-'); i++)
			continue;
		for (; i < n && ex <= SMW_PARSE_MAX_EXPONENT; i++)
			ex = ex * 10 + (unsigned long)(s[i] - '0');
		FZ_CHECK(ex <= SMW_PARSE_MAX_EXPONENT, "an exponent beyond "
		    "SMW_PARSE_MAX_EXPONENT accepted");
	}
	return n;
}

/*
 * RFC 8259's grammar by recursive descent, for a body whose nesting is
 * already known to be shallow.  r->i moves past what was read.
 */
struct rd {
	const uint8_t	*s;
	size_t		 n, i;
};

static bool rd_value(struct rd *, int);

static void
rd_ws(struct rd *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' ||
	    r->s[r->i] == '\n' || r->s[r->i] == '\r'))
		r->i++;
}

static bool
rd_is(struct rd *r, uint8_t c)
{
	if (r->i < r->n && r->s[r->i] == c) {
		r->i++;
		return true;
	}
	return false;
}

static size_t
rd_digits(struct rd *r)
{
	size_t	 start = r->i;

	while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
		r->i++;
	return r->i - start;
}

static bool
rd_string(struct rd *r)
{
	if (!rd_is(r, '"'))
		return false;
	while (r->i < r->n) {
		uint8_t c = r->s[r->i++];
		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (r->i >= r->n)
			return false;
		c = r->s[r->i++];
		if (c == 'u') {
			for (int k = 0; k < 4; k++)
				if (r->i >= r->n || hexval(r->s[r->i++]) < 0)
					return false;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			return false;
	}
	return false;
}

static bool
rd_number(struct rd *r)
{
	(void)rd_is(r, '-');
	if (!rd_is(r, '0') && (r->i >= r->n || r->s[r->i] < '1' ||
	    r->s[r->i] > '9' || rd_digits(r) == 0))
		return false;
	if (rd_is(r, '.') && rd_digits(r) == 0)
		return false;
	if (rd_is(r, 'e') || rd_is(r, 'E')) {
		if (!rd_is(r, '+'))
			(void)rd_is(r, '-');
		if (rd_digits(r) == 0)
			return false;
	}
	return true;
}

static bool
rd_word(struct rd *r, const char *w)
{
	size_t	 n = strlen(w);

	if (r->n - r->i < n || memcmp(r->s + r->i, w, n) != 0)
		return false;
	r->i += n;
	return true;
}

/* A container's members or elements, after its opening bracket. */
static bool
rd_container(struct rd *r, bool object, int depth)
{
	uint8_t	 close = object ? '}' : ']';

	rd_ws(r);
	if (rd_is(r, close))
		return true;
	do {
		rd_ws(r);
		if (object) {
			if (!rd_string(r))
				return false;
			rd_ws(r);
			if (!rd_is(r, ':'))
				return false;
		}
		if (!rd_value(r, depth))
			return false;
	} while (rd_is(r, ','));
	return rd_is(r, close);
}

static bool
rd_value(struct rd *r, int depth)
{
	bool	 ok;

	if (depth > SMW_PARSE_MAX_DEPTH)
		return false;
	rd_ws(r);
	if (r->i >= r->n)
		return false;
	switch (r->s[r->i]) {
	case '{':
	case '[':
		ok = rd_container(r, r->s[r->i++] == '{', depth + 1);
		break;
	case '"':
		ok = rd_string(r);
		break;
	case 't':
		ok = rd_word(r, "true");
		break;
	case 'f':
		ok = rd_word(r, "false");
		break;
	case 'n':
		ok = rd_word(r, "null");
		break;
	default:
		ok = rd_number(r);
		break;
	}
	rd_ws(r);
	return ok;
}

void
fz_check_body(const uint8_t *d, size_t len)
{
	struct rd	 r = { d, len, 0 };

	bool		 in_str = false, high = false;
	int		 depth = 0, u, h;
	size_t		 i;

	FZ_CHECK(utf8_valid(d, len), "a body that is not UTF-8 accepted");
	for (i = 0; i < len; i++) {
		if (!in_str) {
			if (d[i] == '"')
				in_str = true;
			else if (d[i] == '[' || d[i] == '{')
				FZ_CHECK(++depth <= SMW_PARSE_MAX_DEPTH,
				    "nesting deeper than SMW_PARSE_MAX_DEPTH "
				    "accepted");
			else if (d[i] == ']' || d[i] == '}')
				depth--;
			else if (d[i] == '-' || (d[i] >= '0' && d[i] <= '9'))
				i += check_number(d + i, len - i) - 1;
			else if (d[i] < 0x20)
				FZ_CHECK(d[i] == ' ' || d[i] == '\t' ||
				    d[i] == '\n' || d[i] == '\r', "white space "
				    "RFC 8259 does not allow accepted");
			continue;
		}
		if (d[i] != '\\') {
			FZ_CHECK(!high, "a high surrogate escape without a "
			    "low one accepted");
			if (d[i] == '"')
				in_str = false;
			continue;
		}
		FZ_CHECK(i + 1 < len, "a body ending in a backslash accepted");
		if (d[++i] != 'u') {
			FZ_CHECK(!high, "a high surrogate escape without a "
			    "low one accepted");
			continue;
		}
		FZ_CHECK(i + 4 < len, "a short \\u escape accepted");
		for (u = 0, h = 1; h <= 4; h++) {
			FZ_CHECK(hexval(d[i + h]) >= 0, "a bad \\u escape "
			    "accepted");
			u = u << 4 | hexval(d[i + h]);
		}
		i += 4;
		FZ_CHECK(u != 0, "\\u0000 accepted");
		if (high) {
			FZ_CHECK(u >= 0xDC00 && u <= 0xDFFF, "a high "
			    "surrogate escape without a low one accepted");
			high = false;
		} else {
			FZ_CHECK(u < 0xDC00 || u > 0xDFFF, "a lone low "
			    "surrogate escape accepted");
			high = u >= 0xD800 && u <= 0xDBFF;
		}
	}
	FZ_CHECK(!in_str && !high, "an unfinished string accepted");
	FZ_CHECK(rd_value(&r, 0) && r.i == len,
	    "a body that is not RFC 8259 JSON accepted");
}

/* One field of an accepted event. */
static void
check_value(const struct smw_value *v, const struct smw_field_def *def)
{
	const char	*why;

	if (v->state != SMW_VALUE) {
		FZ_CHECK(v->text == NULL && v->len == 0,
		    "text kept for an absent or null field");
		return;
	}
	FZ_CHECK(v->text != NULL, "a value without text");
	FZ_CHECK(v->text[v->len] == '\0', "a value not NUL-terminated");
	FZ_CHECK(memchr(v->text, '\0', v->len) == NULL, "a value with NUL");
	FZ_CHECK(utf8_valid((const uint8_t *)v->text, v->len),
	    "a value that is not UTF-8");
	FZ_CHECK(smw_value_check(def->type, v->text, v->len, &why),
	    "a value of the wrong form");
	if (def->type == SMW_T_BOOL)
		FZ_CHECK(strcmp(v->text, "true") == 0 ||
		    strcmp(v->text, "false") == 0, "a boolean not true/false");
}

void
fz_check_event(const struct smw_event *e)
{
	const struct smw_value	*id = &e->ev[SMW_EV_ID];
	size_t			 i;

	FZ_CHECK(id->state == SMW_VALUE && id->len > 0 &&
	    id->len <= SMW_EVENT_ID_MAX, "an event without a usable id");
	for (i = 0; i < SMW_EV__MAX; i++)
		if (i != SMW_EV_SHOWING)
			check_value(&e->ev[i], &smw_ev_fields[i]);
	FZ_CHECK(e->ev[SMW_EV_SHOWING].text == NULL,
	    "text kept for the showing object");
	for (i = 0; i < SMW_SH__MAX; i++) {
		check_value(&e->sh[i], &smw_sh_fields[i]);
		if (e->ev[SMW_EV_SHOWING].state != SMW_VALUE)
			FZ_CHECK(e->sh[i].state == SMW_ABSENT,
			    "showing fields without a showing object");
	}
}

static void
same_value(const struct smw_value *a, const struct smw_value *b)
{
	FZ_CHECK(a->state == b->state, "a field's presence differs");
	FZ_CHECK(a->len == b->len, "a field's length differs");
	if (a->state == SMW_VALUE && a->text != NULL && b->text != NULL)
		FZ_CHECK(memcmp(a->text, b->text, a->len) == 0,
		    "a field's text differs");
}

void
fz_same_event(const struct smw_event *a, const struct smw_event *b)
{
	for (size_t i = 0; i < SMW_EV__MAX; i++)
		same_value(&a->ev[i], &b->ev[i]);
	for (size_t i = 0; i < SMW_SH__MAX; i++)
		same_value(&a->sh[i], &b->sh[i]);
}

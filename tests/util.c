/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/util.c (the capped buffer, the constant-time compare,
 * the allocation wrappers and their failure hook), of the JSON string
 * escaping in lib/http.c and of smw_log_clip in lib/log.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "util.h"

#include "tap.h"

/* The buffer holds exactly len bytes of want, NUL-terminated. */
static bool
buf_is(const struct smw_buf *b, const char *want, size_t len)
{
	return b->len == len && b->data != NULL &&
	    memcmp(b->data, want, len) == 0 && b->data[len] == '\0';
}

static void
test_buf(void)
{
	struct smw_buf	 b;
	char		 big[700];
	char		*data;
	size_t		 cap;
	int		 grown = 1;

	smw_buf_init(&b, 10);
	ok(b.data == NULL && b.len == 0 && b.max == 10,
	    "init: empty, nothing allocated");
	is_int(smw_buf_append(&b, "hello", 5), SMW_OK, "append");
	ok(buf_is(&b, "hello", 5), "append: contents, NUL-terminated");
	is_int(smw_buf_append(&b, "world", 5), SMW_OK, "append up to max");
	ok(buf_is(&b, "helloworld", 10), "full: contents");
	ok(b.cap <= b.max + 1, "capacity never past max + 1");
	data = b.data;
	cap = b.cap;
	is_int(smw_buf_append(&b, "!", 1), SMW_ETOOBIG, "one byte past max");
	ok(buf_is(&b, "helloworld", 10) && b.data == data && b.cap == cap,
	    "ETOOBIG: buffer unchanged");
	is_int(smw_buf_append(&b, "", 0), SMW_OK, "empty append when full");
	ok(buf_is(&b, "helloworld", 10), "empty append: unchanged");
	smw_buf_reset(&b);
	ok(b.len == 0 && b.data == data && b.data[0] == '\0',
	    "reset: empty, allocation kept, NUL-terminated");
	is_int(smw_buf_append(&b, "0123456789x", 11), SMW_ETOOBIG,
	    "more than max at once");
	ok(b.len == 0 && b.data[0] == '\0', "ETOOBIG after reset: unchanged");
	is_int(smw_buf_append(&b, "abc", 3), SMW_OK, "append after reset");
	ok(buf_is(&b, "abc", 3), "append after reset: contents");
	smw_buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "free");
	smw_buf_free(&b);
	smw_buf_free(NULL);
	ok(b.data == NULL && b.len == 0 && b.cap == 0,
	    "free twice and with NULL: still empty (a double free aborts "
	    "under the sanitizers and valgrind)");
	smw_buf_reset(&b);
	ok(b.len == 0 && b.data == NULL, "reset of a freed buffer");

	/* An empty buffer still has a terminated, empty string to hand out. */
	smw_buf_init(&b, 0);
	is_int(smw_buf_append(&b, "", 0), SMW_OK, "max 0: empty append");
	ok(b.data != NULL && b.data[0] == '\0' && b.len == 0,
	    "max 0: empty string");
	is_int(smw_buf_append(&b, "x", 1), SMW_ETOOBIG, "max 0: one byte");
	smw_buf_free(&b);

	/* Growth: many small appends, then the contents are intact. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	smw_buf_init(&b, sizeof(big));
	for (size_t i = 0; i < sizeof(big); i += 7) {
		size_t n = sizeof(big) - i < 7 ? sizeof(big) - i : 7;
		if (smw_buf_append(&b, big + i, n) != SMW_OK ||
		    b.cap > b.max + 1 || b.cap <= b.len)
			grown = 0;
	}
	ok(grown && buf_is(&b, big, sizeof(big)), "grows in steps to max");
	is_int(smw_buf_append(&b, "x", 1), SMW_ETOOBIG, "then refuses");
	smw_buf_free(&b);

	/* A maximum of SIZE_MAX means no practical limit. */
	smw_buf_init(&b, SIZE_MAX);
	is_int(smw_buf_append(&b, big, 300), SMW_OK, "max SIZE_MAX: append");
	ok(buf_is(&b, big, 300) && b.cap > 300, "max SIZE_MAX: contents");
	smw_buf_free(&b);

	/* Allocation failures leave the buffer as it was. */
	smw_buf_init(&b, 4096);
	smw_alloc_fail_at = 1;
	is_int(smw_buf_append(&b, "abc", 3), SMW_ENOMEM,
	    "first allocation fails");
	smw_alloc_fail_at = 0;
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "ENOMEM: unchanged");
	is_int(smw_buf_append(&b, big, 200), SMW_OK, "append");
	data = b.data;
	cap = b.cap;
	smw_alloc_fail_at = 1;
	is_int(smw_buf_append(&b, big + 200, 400), SMW_ENOMEM,
	    "growing fails");
	smw_alloc_fail_at = 0;
	ok(buf_is(&b, big, 200) && b.data == data && b.cap == cap,
	    "ENOMEM when growing: unchanged");
	is_int(smw_buf_append(&b, big + 200, 400), SMW_OK, "then grows");
	ok(buf_is(&b, big, 600), "grown: contents");
	smw_buf_free(&b);
}

static void
test_ct_equal(void)
{
	static const struct {
		const char	*a;
		size_t		 alen;
		const char	*b;
		size_t		 blen;
		bool		 eq;
		const char	*name;
	} cases[] = {
		{ "secret", 6, "secret", 6, true, "equal" },
		{ "secret", 6, "secreT", 6, false, "last byte differs" },
		{ "Secret", 6, "secret", 6, false, "first byte differs" },
		{ "secret", 6, "secrex", 6, false, "one bit pattern apart" },
		{ "secre", 5, "secret", 6, false, "prefix" },
		{ "secrets", 7, "secret", 6, false, "longer" },
		{ "secretsecret", 12, "secret", 6, false, "repeated" },
		{ "", 0, "", 0, true, "both empty" },
		{ "", 0, "secret", 6, false, "empty against non-empty" },
		{ "secret", 6, "", 0, false, "non-empty against empty" },
		{ "a\0b", 3, "a\0b", 3, true, "equal with NUL inside" },
		{ "a\0b", 3, "a\0c", 3, false, "differs after NUL" },
		{ "\xff\x80", 2, "\xff\x80", 2, true, "high bytes equal" },
		{ "\xff\x80", 2, "\x7f\x80", 2, false, "high bit differs" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(smw_ct_equal(cases[i].a, cases[i].alen, cases[i].b,
		    cases[i].blen), cases[i].eq, cases[i].name);
}

static void
test_strndup(void)
{
	char	*s;

	s = smw_strndup("abcdef", 3);
	ok(s != NULL && strcmp(s, "abc") == 0, "strndup: first len bytes");
	smw_free(s);
	s = smw_strndup("", 0);
	ok(s != NULL && s[0] == '\0', "strndup: empty");
	smw_free(s);
	s = smw_strndup("a\0b", 3);
	ok(s != NULL && memcmp(s, "a\0b", 4) == 0,
	    "strndup: copies past a NUL, adds one");
	smw_free(s);
	ok(smw_strndup("x", SIZE_MAX) == NULL, "strndup: SIZE_MAX refused");
	smw_alloc_fail_at = 1;
	ok(smw_strndup("abc", 3) == NULL, "strndup: allocation failure");
	is_int(smw_alloc_fail_at, 0, "hook consumed");
	smw_alloc_fail_at = 2;
	s = smw_strndup("abc", 3);
	ok(s != NULL && smw_alloc_fail_at == 1, "hook counts down");
	smw_free(s);
	ok(smw_malloc(1) == NULL && smw_alloc_fail_at == 0,
	    "hook fails the n-th allocation");
	s = smw_malloc(0);
	ok(s != NULL, "malloc of 0 bytes is not NULL");
	smw_free(s);
	smw_free(NULL);
}

/* Escape len bytes of s into a fresh buffer with the given max. */
static enum smw_err
escape(const char *s, size_t len, size_t max, struct smw_buf *b)
{
	smw_buf_init(b, max);
	return smw_http_json_escape(b, s, len);
}

static void
test_json_escape(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "plain", 5, "plain" },
		{ "", 0, "" },
		{ "a\"b", 3, "a\\\"b" },
		{ "a\\b", 3, "a\\\\b" },
		{ "\"\\\"", 3, "\\\"\\\\\\\"" },
		{ "l1\nl2\r\t", 7, "l1\\u000al2\\u000d\\u0009" },
		{ "\x01\x1f ", 3, "\\u0001\\u001f " },
		{ "a\0b", 3, "a\\u0000b" },
		{ "\x7f", 1, "\x7f" },
		{ "caf\xc3\xa9 \xf0\x9f\x90\xb1", 10,
		    "caf\xc3\xa9 \xf0\x9f\x90\xb1" },
		{ "</script>", 9, "</script>" },
	};
	struct smw_buf	 b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum smw_err err = escape(cases[i].in, cases[i].len, 256, &b);
		if (!ok(err == SMW_OK && b.data != NULL &&
		    strcmp(b.data, cases[i].out) == 0 &&
		    b.len == strlen(cases[i].out), "json escape %zu", i))
			printf("#   got \"%s\"\n", b.data ? b.data : "(null)");
		smw_buf_free(&b);
	}

	/* Appends to what the buffer holds. */
	smw_buf_init(&b, 64);
	if (smw_buf_append(&b, "{\"error\":\"", 10) != SMW_OK)
		ok(0, "prefix");
	is_int(smw_http_json_escape(&b, "bad \"x\"", 7), SMW_OK,
	    "json escape after a prefix");
	is_str(b.data, "{\"error\":\"bad \\\"x\\\"", "prefix kept");
	smw_buf_free(&b);

	/* The buffer's limit holds for the escaped length. */
	is_int(escape("abc", 3, 3, &b), SMW_OK, "escape exactly at max");
	smw_buf_free(&b);
	is_int(escape("ab\"", 3, 3, &b), SMW_ETOOBIG,
	    "escaping grows past max");
	ok(b.len <= 3, "never past max");
	smw_buf_free(&b);
	is_int(escape("\n", 1, 5, &b), SMW_ETOOBIG,
	    "control escape past max");
	smw_buf_free(&b);
	smw_alloc_fail_at = 1;
	is_int(escape("x\"y", 3, 64, &b), SMW_ENOMEM,
	    "escape: allocation failure");
	smw_alloc_fail_at = 0;
	smw_buf_free(&b);
}

static void
test_log_clip(void)
{
	char	 d[16];

	is_str(smw_log_clip(d, sizeof(d), "short", 5), "short", "clip: short");
	is_str(smw_log_clip(d, sizeof(d), "exactly fifteen", 15),
	    "exactly fifteen", "clip: fits exactly");
	is_str(smw_log_clip(d, sizeof(d), "sixteen letters!", 16),
	    "sixteen lett...", "clip: one too long");
	is_str(smw_log_clip(d, sizeof(d), "a much longer value than fits",
	    29), "a much longe...", "clip: long");
	ok(strlen(d) == sizeof(d) - 1, "clip: fills the buffer");
	is_str(smw_log_clip(d, sizeof(d), "abcdef", 3), "abc",
	    "clip: only len bytes");
	is_str(smw_log_clip(d, sizeof(d), "a\0b", 3), "a?b",
	    "clip: NUL shown as ?");
	is_str(smw_log_clip(d, sizeof(d), NULL, 0), "-", "clip: NULL");
	is_str(smw_log_clip(d, sizeof(d), "", 0), "", "clip: empty");
	is_str(smw_log_clip(d, 4, "abcdef", 6), "abc",
	    "clip: too small for \"...\"");
	is_str(smw_log_clip(d, 5, "abcdef", 6), "a...",
	    "clip: smallest with \"...\"");
	is_str(smw_log_clip(d, 1, "abcdef", 6), "", "clip: size 1");
	memcpy(d, "keep", 5);
	is_str(smw_log_clip(d, 0, "abcdef", 6), "keep",
	    "clip: size 0 writes nothing");
}

static void
test_err_name(void)
{
	int	 named = 0;

	for (int e = 0; e < SMW_ERR__MAX; e++)
		named += smw_err_name(e) != NULL &&
		    strcmp(smw_err_name(e), "unknown") != 0;
	is_int(named, SMW_ERR__MAX, "every error code has a name");
	is_str(smw_err_name(SMW_ERR__MAX), "unknown", "out of range");
	is_str(smw_err_name(SMW_OK), "ok", "SMW_OK");
}

int
main(void)
{
	test_buf();
	test_ct_equal();
	test_strndup();
	test_json_escape();
	test_log_clip();
	test_err_name();
	return done();
}

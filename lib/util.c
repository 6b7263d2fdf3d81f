/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers (with a failure hook for tests), the capped growable
 * buffer every other module uses, and a constant-time comparison.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

unsigned long smw_alloc_fail_at;

static const char *const err_names[SMW_ERR__MAX] = {
	[SMW_OK] = "ok",
	[SMW_ENOMEM] = "out of memory",
	[SMW_EINPUT] = "invalid input",
	[SMW_EAUTH] = "not authorized",
	[SMW_ETOOBIG] = "too large",
	[SMW_EDB] = "database unavailable",
	[SMW_ECONFIG] = "configuration",
	[SMW_ESYS] = "system error",
	[SMW_EGONE] = "client went away",
	[SMW_EUNAVAIL] = "not ready",
	[SMW_EYIELD] = "gave way",
};

const char *
smw_err_name(enum smw_err e)
{
	if ((unsigned)e >= SMW_ERR__MAX)
		return "unknown";
	return err_names[e];
}

/* True when the allocation failure hook says this allocation fails. */
static bool
alloc_fails(void)
{
	if (smw_alloc_fail_at == 0)
		return false;
	return --smw_alloc_fail_at == 0;
}

void *
smw_malloc(size_t n)
{
	if (alloc_fails())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
smw_realloc(void *p, size_t n)
{
	if (alloc_fails())
		return NULL;
	return realloc(p, n == 0 ? 1 : n);
}

void
smw_free(void *p)
{
	free(p);
}

char *
smw_strndup(const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = smw_malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
smw_buf_init(struct smw_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = SMW_OK;
}

enum smw_err
smw_buf_append(struct smw_buf *b, const void *p, size_t n)
{
	size_t	 need, cap;
	char	*d;

	if (b->err != SMW_OK)
		return b->err;
	if (n > b->max - b->len)
		return b->err = SMW_ETOOBIG;
	need = b->len + n + 1;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		/* cap - 1: max + 1 wraps to 0 when max is SIZE_MAX. */
		if (cap - 1 > b->max)
			cap = b->max + 1;
		if ((d = smw_realloc(b->data, cap)) == NULL)
			return b->err = SMW_ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SMW_OK;
}

void
smw_buf_puts(struct smw_buf *b, const char *s)
{
	/* The failure, if any, stays in b for smw_buf_err. */
	if (smw_buf_append(b, s, strlen(s)) != SMW_OK)
		return;
}

enum smw_err
smw_buf_err(const struct smw_buf *b)
{
	return b->err;
}

void
smw_buf_reset(struct smw_buf *b)
{
	b->len = 0;
	b->err = SMW_OK;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
smw_buf_free(struct smw_buf *b)
{
	if (b == NULL)
		return;
	smw_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = SMW_OK;
}

bool
smw_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 diff = 0;
	size_t				 i;

	/*
	 * Walk the candidate's length in full whatever the stored length;
	 * compare against the stored value cyclically so no byte past its end
	 * is read.
	 */
	if (blen == 0)
		return alen == 0;
	for (i = 0; i < alen; i++)
		diff |= x[i] ^ y[i % blen];
	return diff == 0 && alen == blen;
}

double
smw_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

enum smw_utf8
smw_utf8_seq(const unsigned char *s, size_t len, size_t *n)
{
	uint32_t	 cp, min;
	size_t		 need, i;

	*n = 0;
	if (len == 0)
		return SMW_UTF8_SHORT;
	if (s[0] < 0x80) {
		*n = 1;
		return SMW_UTF8_OK;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2, cp = s[0] & 0x1F, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3, cp = s[0] & 0x0F, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return SMW_UTF8_BAD;
	for (i = 1; i < need; i++) {
		*n = i;
		if (i == len)
			return SMW_UTF8_SHORT;
		if ((s[i] & 0xC0) != 0x80)
			return SMW_UTF8_BAD;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong, surrogate or too large: known at the last byte. */
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return SMW_UTF8_BAD;
	*n = need;
	return SMW_UTF8_OK;
}

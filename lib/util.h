/* SPDX-License-Identifier: MIT */
/*
 * Error codes shared by every module, allocation wrappers and a growable
 * byte buffer with a hard maximum.  Nothing here knows about HTTP, JSON or
 * SQL.
 */
#ifndef SMW_UTIL_H
#define SMW_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define SMW_MUSTCHECK __attribute__((warn_unused_result))
#define SMW_PRINTF(f, a) __attribute__((format(printf, f, a)))
/* A macro's value as a string literal. */
#define SMW_STR_(x)	#x
#define SMW_STR(x)	SMW_STR_(x)

enum smw_err {
	SMW_OK = 0,
	SMW_ENOMEM,	/* allocation failed */
	SMW_EINPUT,	/* the delivery itself is wrong: deterministic */
	SMW_EAUTH,	/* credentials missing or wrong */
	SMW_ETOOBIG,	/* a limit was exceeded */
	SMW_EDB,	/* database failure that a retry can cure */
	SMW_ECONFIG,	/* the configuration does not allow the request */
	SMW_ESYS,	/* a system call failed (a file, a directory) */
	SMW_EGONE,	/* the client went away: its input ended or broke */
	SMW_EUNAVAIL,	/* not ready: database unreachable or out of date */
	SMW_EYIELD,	/* an idle try gave way to a request: no failure */
	SMW_ERR__MAX
};

/* Short, fixed name of an error code, for logs. */
const char *smw_err_name(enum smw_err);

/*
 * Test hook: when set to n > 0, the n-th allocation from now through
 * smw_malloc/smw_realloc fails.  0 disables it.
 */
extern unsigned long smw_alloc_fail_at;

void *smw_malloc(size_t);
void *smw_realloc(void *, size_t);
void smw_free(void *);
/* Copy of len bytes plus a NUL; NULL on allocation failure. */
char *smw_strndup(const char *, size_t);

/*
 * A growable buffer that never grows past max bytes.  The data is always
 * NUL-terminated (the NUL is not counted in len and does not count
 * against max).  The first failed append is remembered (err) and every
 * later append does nothing and fails the same way, so that a builder
 * appends piece after piece and checks once, with smw_buf_err, at the end.
 */
struct smw_buf {
	char		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	enum smw_err	 err;	/* first failure; SMW_OK while none */
};

/* Empty buffer that may grow to max bytes; allocates nothing yet. */
void smw_buf_init(struct smw_buf *, size_t max);

/*
 * Append len bytes.  SMW_ETOOBIG when the result would exceed max,
 * SMW_ENOMEM when allocation fails; the buffer is unchanged in both cases
 * and remembers the failure.  After a failure, returns it again and
 * appends nothing until smw_buf_reset.
 */
enum smw_err smw_buf_append(struct smw_buf *, const void *, size_t)
    SMW_MUSTCHECK;

/*
 * Append the string s (without its NUL), as smw_buf_append, for builders
 * that check smw_buf_err once at the end.
 */
void smw_buf_puts(struct smw_buf *, const char *s);

/* The first failure of an append since init or reset, or SMW_OK. */
enum smw_err smw_buf_err(const struct smw_buf *);

/* Forget the contents and any failure, keep the allocation. */
void smw_buf_reset(struct smw_buf *);

/* Release the allocation; accepts NULL, may be called twice. */
void smw_buf_free(struct smw_buf *);

/*
 * Compare two byte strings in time that depends only on their lengths,
 * never on where they differ.  True when equal.
 */
bool smw_ct_equal(const void *, size_t, const void *, size_t);

/* Milliseconds on a monotonic clock, for durations. */
double smw_now_ms(void);

/* What the bytes at the start of a string are, as UTF-8. */
enum smw_utf8 {
	SMW_UTF8_OK,	/* one valid character */
	SMW_UTF8_BAD,	/* not UTF-8 */
	SMW_UTF8_SHORT	/* the beginning of a character, cut short */
};

/*
 * The one UTF-8 validator (RFC 3629, as PostgreSQL reads it: no overlong
 * forms, no surrogates, nothing past U+10FFFF): check the character at the
 * start of s, of which len bytes are there.  *n is set to the character's
 * length (SMW_UTF8_OK), the index of the byte that makes it invalid
 * (SMW_UTF8_BAD), or len (SMW_UTF8_SHORT: valid so far; call again with
 * more bytes).  len 0 is SMW_UTF8_SHORT.
 */
enum smw_utf8 smw_utf8_seq(const unsigned char *s, size_t len, size_t *n);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Streaming parser of a delivery: yajl's callback API, fed chunk by chunk
 * as the body arrives, filling a struct smw_event.  No tree of the document
 * is built.  Besides JSON syntax it refuses what PostgreSQL would refuse
 * later (so that a deterministic failure never reaches the database):
 * invalid or overlong UTF-8, surrogates, code points past U+10FFFF, \u0000,
 * nesting deeper than SMW_PARSE_MAX_DEPTH and numbers jsonb cannot hold.
 */
#ifndef SMW_PARSE_H
#define SMW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "util.h"

#define SMW_PARSE_MAX_DEPTH 64
/* Longest number token accepted, and largest decimal exponent. */
#define SMW_PARSE_MAX_NUMBER 100
#define SMW_PARSE_MAX_EXPONENT 1000

struct yajl_handle_t;

struct smw_parse {
	struct yajl_handle_t	*y;
	struct smw_event	*ev;
	enum smw_err		 err;		/* sticky first failure */
	char			 why[192];	/* its reason, for logs */
	/* Position in the document. */
	int			 depth;		/* open containers */
	int			 level;		/* 1 root, 2 event, 3 showing */
	int			 skip;		/* depth in ignored values */
	int			 pending;	/* what the next value is */
	bool			 seen_event;
	/* Raw byte checks (UTF-8 and string escapes), across chunks. */
	uint32_t		 u8_cp, u8_min;
	unsigned		 u8_need;
	bool			 in_str, esc;
	unsigned		 hex_left;
	uint32_t		 hex;
	unsigned		 sur;		/* 0, or state after \uD8xx */
	uint64_t		 offset;	/* bytes fed so far */
};

/*
 * Prepare to parse one body into ev, which must be initialised and is
 * filled as the body is fed; ev stays the caller's.  SMW_ENOMEM on failure.
 * Pair with smw_parse_free.
 */
enum smw_err smw_parse_init(struct smw_parse *, struct smw_event *ev)
    SMW_MUSTCHECK;

/*
 * Feed the next len bytes of the body.  SMW_EINPUT when the body cannot be
 * a delivery (the reason is in smw_parse_why), SMW_ENOMEM.  After a failure
 * further calls return the same code and change nothing.
 */
enum smw_err smw_parse_feed(struct smw_parse *, const void *, size_t)
    SMW_MUSTCHECK;

/*
 * The body is complete: check that it was a whole JSON document with an
 * "event" object and a usable event.id.  Same codes as smw_parse_feed.
 */
enum smw_err smw_parse_finish(struct smw_parse *) SMW_MUSTCHECK;

/* Reason of the first failure ("" when none); valid until smw_parse_free. */
const char *smw_parse_why(const struct smw_parse *);

/* Release the parser (not the event); accepts NULL, may be called twice. */
void smw_parse_free(struct smw_parse *);

/*
 * Parse a whole body in one call: init, feed, finish, free.  On failure
 * the reason is copied to why (whysz bytes).
 */
enum smw_err smw_parse_buffer(struct smw_event *, const void *, size_t,
    char *why, size_t whysz) SMW_MUSTCHECK;

#endif

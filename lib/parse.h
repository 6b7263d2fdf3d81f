/* SPDX-License-Identifier: MIT */
/*
 * Streaming parser of a delivery: yajl's callback API, fed chunk by chunk
 * as the body arrives, filling a struct smw_event.  No tree of the document
 * is built.  Besides JSON syntax it refuses what PostgreSQL would refuse
 * later (so that a deterministic failure never reaches the database):
 * invalid or overlong UTF-8, surrogates, code points past U+10FFFF, \u0000,
 * nesting deeper than SMW_PARSE_MAX_DEPTH and numbers jsonb cannot hold.
 * Known fields are read as smw_value_read says (event.h).
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

/* What the next value is, as the key before it said. */
enum smw_parse_next {
	SMW_NEXT_UNKNOWN,	/* an unknown key's value, walked over */
	SMW_NEXT_EVENT,		/* the root's "event" */
	SMW_NEXT_EV_FIELD,	/* event field .field */
	SMW_NEXT_SH_FIELD	/* showing field .field */
};

struct smw_parse_pending {
	enum smw_parse_next	 next;
	unsigned		 field;	/* enum smw_ev_field / smw_sh_field */
};

struct smw_parse {
	struct yajl_handle_t	*y;
	struct smw_event	*ev;
	enum smw_err		 err;		/* sticky first failure */
	char			 why[192];	/* its reason, for logs */
	/* Position in the document. */
	int			 depth;		/* open containers */
	int			 level;		/* 1 root, 2 event, 3 showing */
	int			 skip;		/* depth in ignored values */
	struct smw_parse_pending pending;	/* what the next value is */
	bool			 seen_event;
	/* The document's letter: whether to hold to it, where it broke. */
	bool			 strict;
	char			 letter[192];
	/* Raw byte checks (UTF-8 and string escapes), across chunks. */
	unsigned char		 u8[4];		/* a character cut by a chunk */
	size_t			 u8_have;
	bool			 in_str, esc;
	unsigned		 hex_left;
	uint32_t		 hex;
	unsigned		 sur;		/* 0, or state after \uD8xx */
	uint64_t		 offset;	/* bytes fed so far */
	/* Fed bytes not yet handed to yajl, from the last , : { } [ ]. */
	struct smw_buf		 hold;
	/* Bytes the parser's own loops read or copied: for tests. */
	uint64_t		 visited;
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
 * further calls return the same code and change nothing.  The work is
 * linear in the body: what follows the last , : { } [ ] outside strings
 * (a string, a number a chunk cut) is held back, copied, and handed to
 * yajl with the rest of its token, since yajl lexes a token again from its
 * start at every call it spans and copies the first token of each call.
 */
enum smw_err smw_parse_feed(struct smw_parse *, const void *, size_t)
    SMW_MUSTCHECK;

/*
 * Hold the body to the document's letter (SHOWMOJO_STRICT=1) or not (the
 * default): a known field must have the documented JSON type and form,
 * ids and the offset cannot be sent the other way, times only as the
 * program read them before it read Ruby's forms (no " -0500", " UTC"),
 * and an empty string is not null.  The parser always reads tolerantly
 * and notes where the letter first broke; smw_parse_finish then refuses
 * the body with that reason when strict.  Call before smw_parse_finish.
 */
void smw_parse_strict(struct smw_parse *, bool);

/*
 * The body is complete: check that it was a whole JSON document with an
 * "event" object and a usable event.id, and, when strict, that it holds to
 * the document's letter.  Same codes as smw_parse_feed.
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

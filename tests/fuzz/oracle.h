/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets check after each input, written independently of
 * lib/parse.c: what an accepted body and the event parsed from it must be
 * (every property PostgreSQL relies on), and how to parse a body in one
 * piece or in many.  A broken property aborts with a message, which
 * libFuzzer (or tests/fuzz/replay.c) reports as a crash.
 */
#ifndef SMW_FUZZ_ORACLE_H
#define SMW_FUZZ_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "util.h"

/* Abort with a message naming the broken property unless cond holds. */
#define FZ_CHECK(cond, what)						\
	do {								\
		if (!(cond))						\
			fz_fail(__FILE__, __LINE__, (what));		\
	} while (0)

void fz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));

/*
 * Parse len bytes into ev (initialised by the caller) with
 * smw_parse_init/feed/finish.  seed 0: in one piece.  Otherwise: an empty
 * piece, a first piece of seed % (len + 1) bytes, then the rest in pieces
 * of 1 to 16 bytes whose sizes follow from seed.  The reason of a failure
 * is copied to why (whysz bytes).
 */
enum smw_err fz_parse(struct smw_event *ev, const uint8_t *data, size_t len,
    uint64_t seed, char *why, size_t whysz);

/* A hash of the input (FNV-1a), never 0: where fz_parse splits it. */
uint64_t fz_seed(const uint8_t *data, size_t len);

/*
 * A body the parser accepted: strict UTF-8 (RFC 3629), only RFC 8259's
 * white space outside strings, no \u0000 escape, no unpaired UTF-16
 * surrogate escape, nesting at most SMW_PARSE_MAX_DEPTH, numbers within
 * SMW_PARSE_MAX_NUMBER characters and SMW_PARSE_MAX_EXPONENT.
 */
void fz_check_body(const uint8_t *data, size_t len);

/*
 * An event the parser accepted: a usable event.id; every value
 * NUL-terminated with no NUL inside, strict UTF-8, and of its field's
 * form (smw_value_check).
 */
void fz_check_event(const struct smw_event *);

/* The two events hold the same fields, field by field. */
void fz_same_event(const struct smw_event *, const struct smw_event *);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the streaming parser (lib/parse.c).  Each input is
 * a body.  It is parsed in one piece, then again fed in pieces (an empty
 * one, a split at a point that follows from the input, then small uneven
 * pieces), and both must come to the same verdict and the same event: the
 * web server hands the body over in pieces of any size.  A body accepted
 * must have every property the database relies on (oracle.h).  Built as
 * tests/fuzz/parse with --enable-fuzz; tests/fuzz/replay.c runs the same
 * function over the seed and regression corpora in "make check".
 */
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "log.h"
#include "oracle.h"
#include "parse.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	smw_log_max = SMW_LOG_ERR;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct smw_event	 whole, pieces;
	char			 why1[192], why2[192];
	enum smw_err		 e1, e2;

	smw_event_init(&whole);
	smw_event_init(&pieces);
	e1 = fz_parse(&whole, data, len, 0, why1, sizeof(why1));
	e2 = fz_parse(&pieces, data, len, fz_seed(data, len), why2,
	    sizeof(why2));
	FZ_CHECK(e1 == SMW_OK || e1 == SMW_EINPUT,
	    "the parser failed other than on its input");
	FZ_CHECK(e1 == e2, "in pieces the verdict differs");
	if (e1 == SMW_OK) {
		FZ_CHECK(why1[0] == '\0', "a reason without a failure");
		fz_same_event(&whole, &pieces);
		fz_check_event(&whole);
		fz_check_body(data, len);
	} else
		FZ_CHECK(why1[0] != '\0' && why2[0] != '\0',
		    "a failure without a reason");
	smw_event_free(&whole);
	smw_event_free(&pieces);
	return 0;
}

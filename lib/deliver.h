/* SPDX-License-Identifier: MIT */
/*
 * One delivery from its first byte to its outcome: the body is kept (up to
 * the limit) and streamed through the parser as it arrives; then it is
 * stored, or kept in the quarantine when it fails the same way every time.
 * The CGI/FastCGI path, "ingest" and "replay" all go through here.
 */
#ifndef SMW_DELIVER_H
#define SMW_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "event.h"
#include "parse.h"
#include "store.h"
#include "util.h"

enum smw_outcome {
	SMW_OUT_NONE,		/* not finished, or failed */
	SMW_OUT_STORED,
	SMW_OUT_DUPLICATE,
	SMW_OUT_QUARANTINED,
	SMW_OUT_INVALID,	/* invalid, and not quarantined (as asked) */
	SMW_OUT_SPOOLED,	/* database unavailable: kept in the spool */
	SMW_OUT__MAX
};

extern const char *const smw_outcome_names[SMW_OUT__MAX];

struct smw_delivery {
	struct smw_event	 ev;
	struct smw_parse	 parse;
	struct smw_buf		 body;
	enum smw_outcome	 outcome;
	long long		 quarantine_id;
	char			 why[512];	/* invalid: the reason */
};

/* Ready for a body of at most max_body bytes.  Pair with _free. */
enum smw_err smw_delivery_init(struct smw_delivery *, size_t max_body)
    SMW_MUSTCHECK;

/*
 * The next bytes of the body.  Only SMW_ETOOBIG (past max_body) or
 * SMW_ENOMEM stop the caller: invalid content is remembered and decided on
 * in smw_delivery_finish, once the whole body is kept.
 */
enum smw_err smw_delivery_feed(struct smw_delivery *, const char *,
    size_t) SMW_MUSTCHECK;

/*
 * The body is complete: store it, with meta's source when meta is not
 * NULL (else with store->source, as the caller set it).  When it is
 * invalid (parser, or the
 * database refuses a value) it goes to the quarantine with the request
 * metadata, unless meta is NULL, in which case nothing is written and the
 * outcome is SMW_OUT_INVALID.  Returns SMW_OK (stored, duplicate, or
 * quarantined with SHOWMOJO_ON_INVALID=quarantine), SMW_EINPUT (invalid:
 * quarantined in reject mode, or not kept), SMW_EDB or SMW_ENOMEM when a
 * retry can cure it; then nothing was written.
 */
enum smw_err smw_delivery_finish(struct smw_delivery *, struct smw_store *,
    const struct smw_config *, const struct smw_request_meta *meta)
    SMW_MUSTCHECK;

/*
 * A body already whole (a saved file, a quarantined or spooled delivery):
 * init, feed and finish in one; d is to be freed whatever the result.
 */
enum smw_err smw_delivery_run(struct smw_delivery *, const char *body,
    size_t len, struct smw_store *, const struct smw_config *,
    const struct smw_request_meta *meta) SMW_MUSTCHECK;

/* Release everything; accepts NULL, may be called twice. */
void smw_delivery_free(struct smw_delivery *);

#endif

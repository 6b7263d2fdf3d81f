/* SPDX-License-Identifier: MIT */
/*
 * The delivery's statements: storing one delivery (the schema's ingest(),
 * in one transaction), the quarantine, the schema version and the figures
 * an operator watches.  Connection and runner: db.h.
 */
#ifndef SMW_STORE_H
#define SMW_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

/* The highest migration in sql/ this program needs. */
#define SMW_SCHEMA_VERSION 24

enum smw_store_outcome {
	SMW_STORE_STORED,
	SMW_STORE_DUPLICATE,
	SMW_STORE__MAX
};

/*
 * What is kept of a request in the quarantine and the spool besides its
 * body.  source, the label of the token that brought it (NULL: none), is
 * what the delivery is stored with (smw_delivery_finish sets
 * store->source from it).
 */
struct smw_request_meta {
	const char	*remote_addr;
	const char	*content_type;
	const char	*user_agent;
	const char	*request_uri;
	const char	*source;
};

/*
 * Store one delivery (the body, already checked by the parser) in one
 * transaction, with store->source as its source (NULL: none).  SMW_OK with
 * *out stored or duplicate; SMW_EINPUT when the database refuses the data
 * itself (reason in store->why); SMW_EDB when a retry can cure it.
 * Failures are logged here.
 */
enum smw_err smw_store_event(struct smw_store *, const char *body,
    size_t len, enum smw_store_outcome *out) SMW_MUSTCHECK;

/*
 * Keep a delivery that cannot be stored: the raw body, why, and what is
 * known of the request (event_id may be NULL), with store->source as its
 * source.  *id gets the quarantine
 * row's id.  SMW_EDB when it could not be written.
 */
enum smw_err smw_store_quarantine(struct smw_store *, const char *body,
    size_t len, const char *reason, const char *event_id,
    const struct smw_request_meta *, long long *id) SMW_MUSTCHECK;

/*
 * The first quarantined delivery not yet replayed with an id greater than
 * after, of source only (NULL: of any): its id into *id, its raw body into
 * body (which must be able to hold it) and its source into source (size
 * SMW_LABEL_MAX + 1; "" when it has none).  *found false when there is
 * none.  SMW_EDB, SMW_ETOOBIG, SMW_ENOMEM.
 */
enum smw_err smw_store_quarantine_next(struct smw_store *, long long after,
    const char *only, long long *id, struct smw_buf *body, char *source,
    bool *found) SMW_MUSTCHECK;

/*
 * Record a replay attempt of quarantine row id: its result text, and when
 * done, that it is replayed (it is then no longer pending).  SMW_EDB.
 */
enum smw_err smw_store_quarantine_mark(struct smw_store *, long long id,
    const char *result, bool done) SMW_MUSTCHECK;

/*
 * The schema version recorded in the database (0 when none) into
 * *version, and whether the session cannot write (a hot standby, a
 * database or role set read-only) into *read_only (may be NULL).
 * SMW_EDB when the database cannot answer.
 */
enum smw_err smw_store_version(struct smw_store *, int *version,
    bool *read_only) SMW_MUSTCHECK;

/* What to say of a database that cannot write. */
#define SMW_READ_ONLY_WHY "the database is read-only (a standby?); with " \
    "several hosts use target_session_attrs=read-write"

/* --- the spool's drain and the operator's figures --- */

/* What the database holds, for "check" and its metrics. */
struct smw_store_figures {
	long long	 quarantine_pending;	/* not yet replayed */
	double		 newest_event;		/* received, Unix s; 0: none */
	double		 newest_quarantine;	/* received; 0: none */
};

/*
 * Fill *f, of deliveries of source only (NULL: of all).  SMW_EDB (logged)
 * when the database cannot answer.
 */
enum smw_err smw_store_figures(struct smw_store *, const char *source,
    struct smw_store_figures *f) SMW_MUSTCHECK;


#endif

/* SPDX-License-Identifier: MIT */
/*
 * PostgreSQL through libpq: one connection kept for the life of a worker,
 * one transaction per delivery sent as one pipeline (one round trip, safe
 * behind a transaction pooler), the quarantine, the health check and
 * migrations.  Knows no yajl and no HTTP.
 *
 * Failures are classified by SQLSTATE class (SPEC "Outcomes"): 22 (data
 * exception), 23 (integrity) and 54 (program limit) fail the same way on
 * every retry and come back as SMW_EINPUT; everything else, a lost
 * connection included, is SMW_EDB: a retry can cure it.  A failure that
 * says the connection's state is wrong (26000, 42P05, 0A000, 25P02, a
 * protocol error) drops the connection and the statement runs once more
 * on a new one before the call answers.  No wait lasts much longer than
 * SHOWMOJO_TIMEOUT_MS: the server's timeouts, and the client's deadline
 * and network limits for a silent network.
 */
#ifndef SMW_STORE_H
#define SMW_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "util.h"

/* The highest migration in sql/ this program needs. */
#define SMW_SCHEMA_VERSION 21

struct pg_conn;

struct smw_store {
	const struct smw_config	*cfg;
	struct pg_conn		*conn;
	unsigned		 timeout_ms;	/* this connection's limit */
	double			 deadline;	/* this call's end (ms) */
	unsigned		 lock_ms;	/* a shorter lock timeout */
	/* From the spool: when it arrived, Unix s; 0: now (a live one). */
	double			 received;
	/* A call got the server's answer (callers reset it). */
	bool			 answered;
	/*
	 * The last failure: the server did not answer or is going away, not
	 * the call's own.
	 */
	bool			 unreachable;
	char			 ingest_sql[192];	/* with the schema */
	char			 why[512];	/* last failure, for callers */
	char			 warning[256];	/* the server's, this call */
};

enum smw_store_outcome {
	SMW_STORE_STORED,
	SMW_STORE_DUPLICATE,
	SMW_STORE__MAX
};

/* What is kept of a request in the quarantine besides its body. */
struct smw_request_meta {
	const char	*remote_addr;
	const char	*content_type;
	const char	*user_agent;
	const char	*request_uri;
};

/* Not connected yet; cfg must outlive the store.  Pair with smw_store_free. */
void smw_store_init(struct smw_store *, const struct smw_config *cfg);

/*
 * Make sure there is a working connection: reuses the current one unless
 * the server has closed it or left it in a transaction.  Nothing is
 * prepared or set in the session.  SMW_EDB (logged) when the database
 * cannot be reached, SMW_ECONFIG when SHOWMOJO_SCHEMA is too long.
 */
enum smw_err smw_store_connect(struct smw_store *) SMW_MUSTCHECK;

/*
 * The same, giving way to descriptor fd (a FastCGI worker's listening
 * socket or connection while it is idle): the attempt ends as soon as fd
 * is readable, and SMW_EYIELD, not logged, says so.  fd < 0: as
 * smw_store_connect().
 */
enum smw_err smw_store_connect_yield(struct smw_store *, int fd)
    SMW_MUSTCHECK;

/*
 * Try to connect within budget_ms, unless connected: whether the database
 * answers again after an outage.  SMW_OK, SMW_EDB (logged).
 */
enum smw_err smw_store_probe(struct smw_store *, unsigned budget_ms)
    SMW_MUSTCHECK;

/*
 * Store one delivery (the body, already checked by the parser) in one
 * transaction.  SMW_OK with *out stored or duplicate; SMW_EINPUT when the
 * database refuses the data itself (reason in store->why); SMW_EDB when a
 * retry can cure it.  Failures are logged here.
 */
enum smw_err smw_store_event(struct smw_store *, const char *body,
    size_t len, enum smw_store_outcome *out) SMW_MUSTCHECK;

/*
 * Keep a delivery that cannot be stored: the raw body, why, and what is
 * known of the request (event_id may be NULL).  *id gets the quarantine
 * row's id.  SMW_EDB when it could not be written.
 */
enum smw_err smw_store_quarantine(struct smw_store *, const char *body,
    size_t len, const char *reason, const char *event_id,
    const struct smw_request_meta *, long long *id) SMW_MUSTCHECK;

/*
 * The first quarantined delivery not yet replayed with an id greater than
 * after: its id into *id and its raw body into body (which must be able to
 * hold it).  *found false when there is none.  SMW_EDB, SMW_ETOOBIG,
 * SMW_ENOMEM.
 */
enum smw_err smw_store_quarantine_next(struct smw_store *, long long after,
    long long *id, struct smw_buf *body, bool *found) SMW_MUSTCHECK;

/*
 * Record a replay attempt of quarantine row id: its result text, and when
 * done, that it is replayed (it is then no longer pending).  SMW_EDB.
 */
enum smw_err smw_store_quarantine_mark(struct smw_store *, long long id,
    const char *result, bool done) SMW_MUSTCHECK;

/*
 * The schema version recorded in the database (0 when none) into
 * *version.  SMW_EDB when the database cannot answer.
 */
enum smw_err smw_store_version(struct smw_store *, int *version)
    SMW_MUSTCHECK;

/*
 * Apply the numbered migrations of sqldir that the database lacks, in
 * order, each in its own transaction, under an advisory lock.  Refuses a
 * database whose encoding is not UTF8.  *applied counts the files applied.
 * Keeps the lock and the schema's search_path in its session: needs the
 * database directly or through session pooling, not transaction pooling.
 */
enum smw_err smw_store_migrate(struct smw_store *, const char *sqldir,
    int *applied) SMW_MUSTCHECK;

/*
 * Whether the store holds a connection now (the last statement did not
 * lose it); asks the server nothing.
 */
bool smw_store_connected(const struct smw_store *);

/* Close the connection; accepts NULL, may be called twice. */
void smw_store_free(struct smw_store *);

/*
 * Personal data (sql/015-personal-data.sql): forget and prune call the
 * schema's SQL functions, which only the schema owner may execute.  What
 * one call changed, per table, and the erasures row that records it.
 */
struct smw_erasure {
	long long	 showings;
	long long	 events;
	long long	 quarantine;
	long long	 id;		/* erasures.id; 0 when none recorded */
};

/*
 * Forget one person in one transaction: emails, phones and showing uids
 * are lists of selectors, one a line (none: ""), none containing a line
 * break.  With dry_run nothing changes and *out says what would.  No
 * statement timeout applies to it.  SMW_EDB (logged, reason in
 * store->why) when it failed: nothing changed then.
 */
enum smw_err smw_store_forget(struct smw_store *, const char *emails,
    const char *phones, const char *uids, bool dry_run,
    struct smw_erasure *out) SMW_MUSTCHECK;

/*
 * One batch of prune, its own transaction: erase up to limit showings
 * whose last delivery is more than days old, after *cursor (NULL to
 * start; the next one is stored there, malloc'd, NULL when done), and
 * their events, stopping early once it has held its rows budget_ms; adds
 * to *sum.  SMW_EDB, SMW_ENOMEM.
 */
enum smw_err smw_store_prune_showings(struct smw_store *, int days,
    int limit, int budget_ms, char **cursor, struct smw_erasure *sum)
    SMW_MUSTCHECK;

/*
 * One batch of prune in the quarantine: delete up to limit rows replayed
 * or more than days old; *deleted gets how many.  SMW_EDB.
 */
enum smw_err smw_store_prune_quarantine(struct smw_store *, int days,
    int limit, long long *deleted) SMW_MUSTCHECK;

/*
 * Record a prune run that changed something (sum's counts); sum->id gets
 * the erasures row (0 when nothing changed).  SMW_EDB.
 */
enum smw_err smw_store_prune_record(struct smw_store *, int days,
    struct smw_erasure *sum) SMW_MUSTCHECK;
/*
 * Whether a body from the spool (len bytes, any bytes) holds the person
 * of the selector lists (as for smw_store_forget) into *holds
 * (sql/021-spool-erasure.sql).  SMW_EDB.
 */
enum smw_err smw_store_spool_holds(struct smw_store *, const char *body,
    size_t len, const char *emails, const char *phones, const char *uids,
    bool *holds) SMW_MUSTCHECK;

/*
 * Count n files erased from the spool in erasure *id, or record one
 * (command "forget" with the selector lists, or "prune" of days) when *id
 * is 0; *id gets the record's id.  SMW_EDB.
 */
enum smw_err smw_store_spool_erasure(struct smw_store *, const char *command,
    int days, const char *emails, const char *phones, const char *uids,
    unsigned long n, long long *id) SMW_MUSTCHECK;

/* --- the spool's drain and the operator's figures --- */

/* What the database holds, for "check" and its metrics. */
struct smw_store_figures {
	long long	 quarantine_pending;	/* not yet replayed */
	double		 newest_event;		/* received, Unix s; 0: none */
	double		 newest_quarantine;	/* received; 0: none */
};

/*
 * Fill *f.  SMW_EDB (logged) when the database cannot answer.
 */
enum smw_err smw_store_figures(struct smw_store *, struct smw_store_figures *f)
    SMW_MUSTCHECK;


#endif

/* SPDX-License-Identifier: MIT */
/*
 * PostgreSQL through libpq: the connection a process keeps (struct
 * smw_store: one for the life of a FastCGI worker), and the one runner
 * every statement goes through, smw_db_run().  The statements live with
 * their callers (store.c: deliveries and the quarantine; migrate.c; the
 * personal-data commands).  Knows no yajl and no HTTP.
 *
 * Failures are classified by SQLSTATE class (doc/design.md, "Outcomes"):
 * 22 (data exception), 23 (integrity) and 54 (program limit) fail the
 * same way on every retry and come back as SMW_EINPUT; everything else, a
 * lost connection included, is SMW_EDB: a retry can cure it.  A failure
 * that says the connection's state is wrong (26000, 42P05, 0A000, 25P02,
 * a protocol error) drops the connection and the statement runs once more
 * on a new one before the call answers.  A call, connecting included,
 * ends within SHOWMOJO_TIMEOUT_MS and half a second (doc/design.md, "Time
 * limits"): the server's timeouts, and the client's deadline and network
 * limits for a silent network.
 */
#ifndef SMW_DB_H
#define SMW_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "config.h"
#include "util.h"

struct smw_store {
	const struct smw_config	*cfg;
	PGconn			*conn;
	unsigned		 timeout_ms;	/* this connection's limit */
	double			 deadline;	/* this call's end (ms) */
	unsigned		 lock_ms;	/* a shorter lock timeout */
	/* From the spool: when it arrived, Unix s; 0: now (a live one). */
	double			 received;
	/*
	 * The delivery's source, the label of its token (NULL: none): set
	 * by the caller for one delivery, reset after.
	 */
	const char		*source;
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
 * Whether the database answers again after an outage: a new connection
 * (one kept from before may look alive on a silent network) within
 * budget_ms (0: as smw_store_connect()), giving way to descriptor fd (-1:
 * none) as smw_store_connect_yield().  SMW_OK, SMW_EDB (logged),
 * SMW_EYIELD.
 */
enum smw_err smw_store_probe(struct smw_store *, int fd, unsigned budget_ms)
    SMW_MUSTCHECK;

/*
 * Whether the store holds a connection now (the last statement did not
 * lose it); asks the server nothing.
 */
bool smw_store_connected(const struct smw_store *);

/* Close the connection; accepts NULL, may be called twice. */
void smw_store_free(struct smw_store *);

/* --- the runner, for the modules that hold statements --- */

/* What a statement is sent as. */
enum smw_stmt_kind {
	SMW_STMT_PLAIN,		/* after the transaction's settings */
	SMW_STMT_INGEST,	/* the delivery's call: the schema's ingest() */
	SMW_STMT_SCRIPT,	/* alone, a simple query: its own transaction */
	SMW_STMT__MAX
};

/* A statement: its text, parameter count, the result it must give. */
struct smw_stmt {
	const char		*sql;		/* NULL: the call gives it */
	int			 nparams;
	ExecStatusType		 want;
	int			 rows;		/* rows it returns; -1: any */
	const char		*what;		/* for the log */
	enum smw_stmt_kind	 kind;
};

/* A script (a migration file, generated DDL): smw_call.script. */
extern const struct smw_stmt smw_stmt_script;

/* One statement to run, and its parameters as for PQexecParams. */
struct smw_call {
	const struct smw_stmt	*st;
	const char		*script;	/* a script's text */
	const char *const	*vals;
	const int		*lens;
	const int		*fmts;
	int			 resfmt;	/* text 0, binary 1 */
	const char		*what;		/* if not the statement's */
};

/*
 * Run a call: makes sure of a connection, sends the statement unnamed in
 * one pipeline after the transaction's settings (statement and lock
 * timeout from what is left of SHOWMOJO_TIMEOUT_MS, synchronous_commit not
 * off; a delivery from the spool also names its arrival, one with a
 * source its source) and one Sync,
 * and when the connection's state was at fault runs it once more on a new
 * connection.  On success *out is the result for the caller to PQclear
 * (NULL for a script).  SMW_EINPUT only when the data itself is at fault,
 * else SMW_EDB; logged, the reason in store->why.
 */
enum smw_err smw_db_run(struct smw_store *, const struct smw_call *,
    PGresult **out) SMW_MUSTCHECK;

/*
 * A new connection for a session of its own (migrate), within 10 s or
 * the store's timeout.  SMW_EDB (logged).
 */
enum smw_err smw_db_open(struct smw_store *) SMW_MUSTCHECK;

/* A time (Unix seconds) as text for a parameter; returns dst. */
const char *smw_db_time_text(char *dst, size_t dstsz, double t);

#endif

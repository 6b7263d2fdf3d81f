/* SPDX-License-Identifier: MIT */
/*
 * The connection and the one statement runner (libpq).  A delivery is
 * one call of the schema's ingest() function in one pipeline of two
 * unnamed statements, the transaction's statement timeout and the call,
 * and one Sync: everything up to the Sync is one transaction, which the
 * Sync commits.  One round trip, and its answer (ReadyForQuery) arrives
 * only after the commit, so a delivery answered is stored durably.
 * Nothing is prepared or kept in the session, so the same protocol works
 * directly and behind a session or transaction pooler (doc/design.md,
 * "Pooler rules").  Every statement of the program goes through
 * smw_db_run(); the statements themselves live with their callers
 * (store.c, migrate.c, the commands).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

/*
 * The statements of a call's transaction.  Values always travel as $n;
 * the one identifier, the schema, is quoted once (quote()) and put where
 * %s is.
 */
static const char sql_settings[] =
    "SELECT set_config('search_path', quote_ident($1), true),"
    " set_config('statement_timeout', $2, true),"
    " set_config('lock_timeout', $3, true),"
    " set_config('synchronous_commit',"
    "  CASE WHEN current_setting('synchronous_commit') IN ('off', 'local')"
    "  THEN 'on' ELSE current_setting('synchronous_commit') END, true)";
/*
 * The delivery's own: the statement timeout, which must be in force when
 * the call starts, is all the first statement sets.  The call sets the
 * lock timeout ($2) and synchronous_commit itself (sql/019), names its
 * schema, and its function sets its own search_path.  One function call
 * for the server to parse and plan instead of five.
 */
static const char sql_settings_call[] =
    "SELECT set_config('statement_timeout', $1, true)";
/*
 * The same for a delivery from the spool: when it arrived (sql/020); for
 * one with a source, its source (sql/024); and for both.  Indexed by
 * (from the spool) | (with a source) << 1.
 */
static const char *const sql_settings_calls[4] = {
	sql_settings_call,
	"SELECT set_config('statement_timeout', $1, true),"
	" set_config('showmojo.received_at', $2, true)",
	"SELECT set_config('statement_timeout', $1, true),"
	" set_config('showmojo.source', $2, true)",
	"SELECT set_config('statement_timeout', $1, true),"
	" set_config('showmojo.received_at', $2, true),"
	" set_config('showmojo.source', $3, true)",
};
static const char sql_rollback[] = "ROLLBACK";
static const char sql_ingest[] =
    "SELECT %s.ingest($1::jsonb, $2::integer)";
/* A script: a migration file, generated DDL; sent alone. */
const struct smw_stmt smw_stmt_script = { NULL, 0, PGRES_COMMAND_OK, -1,
    "migrate", SMW_STMT_SCRIPT };

/*
 * How a failure is met (doc/design.md, "Outcomes").  INPUT: the data
 * itself, the same on every retry.  STALE: the connection's state is
 * wrong (a lost or stale prepared statement, a cached plan whose result
 * type changed, an aborted transaction left open, a protocol error or an
 * unexpected result sequence): a new connection cures it, so the request
 * tries once more.
 * RETRY: anything else, for the sender's retry.
 */
enum fault {
	FAULT_RETRY,
	FAULT_INPUT,
	FAULT_STALE,
	FAULT__MAX
};

/*
 * Past the end of a call's SHOWMOJO_TIMEOUT_MS (the server's statement
 * timeout ends the statement by then), how long the client waits more for
 * an answer before it gives the connection up: a silent network loss must
 * end the request, too.  A delivery, connection included, is answered
 * within SHOWMOJO_TIMEOUT_MS and this margin.
 */
#define ANSWER_MARGIN_MS 500


/* Copy of name quoted as an SQL identifier into dst; false if too long. */
static bool
quote(char *dst, size_t dstsz, const char *name)
{
	size_t	 o = 0;

	if (dstsz < 3)
		return false;
	dst[o++] = '"';
	for (; *name != '\0'; name++) {
		if (o + (*name == '"' ? 2 : 1) + 2 > dstsz)
			return false;
		if (*name == '"')
			dst[o++] = '"';
		dst[o++] = *name;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return true;
}

void
smw_store_init(struct smw_store *s, const struct smw_config *cfg)
{
	char	 schema[sizeof(s->ingest_sql) - sizeof(sql_ingest)];

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->timeout_ms = cfg->timeout_ms;
	/* Too long for PostgreSQL anyway (NAMEDATALEN): left empty, refused. */
	if (cfg->schema != NULL && quote(schema, sizeof(schema), cfg->schema))
		snprintf(s->ingest_sql, sizeof(s->ingest_sql), sql_ingest,
		    schema);
}

/* Forget the connection: the next statement opens a new one. */
static void
drop(struct smw_store *s)
{
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
}

bool
smw_store_connected(const struct smw_store *s)
{
	return s->conn != NULL;
}

void
smw_store_free(struct smw_store *s)
{
	if (s == NULL)
		return;
	drop(s);
}

/*
 * The one SQLSTATE classifier (doc/design.md, "Outcomes"); see enum
 * fault.  Data exception (22), integrity constraint (23) and program limit
 * (54) are INPUT.  No SQLSTATE at all (the connection is gone) is RETRY:
 * whether a lost COMMIT happened is unknown, and the sender's retry finds
 * out.
 */
static enum fault
classify(const char *state)
{
	static const char *const stale[] = { "26000", "42P05", "0A000",
	    "25P02", "08P01" };

	if (state == NULL || strlen(state) != 5)
		return FAULT_RETRY;
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
	    strncmp(state, "54", 2) == 0)
		return FAULT_INPUT;
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		if (strcmp(state, stale[i]) == 0)
			return FAULT_STALE;
	return FAULT_RETRY;
}

/*
 * Log a failure, keep the reason in s->why, classify it.  r is the failed
 * result, classified by its SQLSTATE; or NULL: then the failure is f, and
 * why (if not NULL) says what went wrong, else the connection's message.
 */
static enum fault
failed(struct smw_store *s, const PGresult *r, const char *why,
    enum fault f, const char *what)
{
	const char	*state, *msg;
	char		*nl;
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : why;
	if (msg == NULL)
		msg = s->conn != NULL ? PQerrorMessage(s->conn) :
		    "no connection";
	snprintf(s->why, sizeof(s->why), "%s%s%s", state ? state : "",
	    state ? ": " : "", msg);
	if ((nl = strchr(s->why, '\n')) != NULL)
		*nl = '\0';
	if (r != NULL)
		f = classify(state);
	smw_log(f == FAULT_INPUT ? SMW_LOG_WARN : SMW_LOG_ERR,
	    "database: %s: %s%s", what, s->why, f == FAULT_STALE ?
	    " (the connection's state is wrong: it is dropped)" : "");
	return f;
}

/*
 * A connection the server has closed (restart, idle timeout,
 * pg_terminate_backend) shows as a readable socket while we are idle: the
 * server's last words, or end of file.  Nothing else is expected between
 * statements (we never LISTEN), so anything readable means: start afresh.
 * So does a transaction left open.  This costs no round trip.
 */
static bool
conn_alive(PGconn *c)
{
	struct pollfd	 pfd;

	if (PQstatus(c) != CONNECTION_OK ||
	    PQtransactionStatus(c) != PQTRANS_IDLE ||
	    PQpipelineStatus(c) != PQ_PIPELINE_OFF)
		return false;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0;
}

/*
 * Server notices are not for the log; a WARNING is kept for the call in
 * progress (see attempt()): a commit that waited for a synchronous standby
 * and was cancelled is reported done, with only a warning, although the
 * standby may lack it.
 */
static void
keep_warning(void *arg, const PGresult *r)
{
	struct smw_store	*s = arg;
	const char		*sev, *msg;

	sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (sev != NULL && strcmp(sev, "WARNING") == 0 && s->warning[0] == '\0')
		snprintf(s->warning, sizeof(s->warning), "%s",
		    msg != NULL ? msg : "warning");
}

/* How an attempt to connect ended. */
enum dial {
	DIAL_DONE,	/* connected, or failed: see the connection */
	DIAL_YIELDED,	/* the watched descriptor became readable */
	DIAL_LATE,	/* the deadline passed */
	DIAL__MAX
};

/*
 * Drive a connection started with PQconnectStartParams() until it is made
 * or fails, end passes (smw_now_ms() time), or descriptor fd (-1: none)
 * is readable.  libpq enforces connect_timeout only in its blocking call;
 * here end bounds the attempt.
 */
static enum dial
dial_one(PGconn *c, int fd, double end)
{
	PostgresPollingStatusType	 st = PGRES_POLLING_WRITING;
	struct pollfd			 pfd[2];
	double				 left;

	if (PQstatus(c) == CONNECTION_BAD)
		return DIAL_DONE;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		if ((left = end - smw_now_ms()) <= 0)
			return DIAL_LATE;
		/* The socket may change (a second address of one host). */
		pfd[0].fd = PQsocket(c);
		pfd[0].events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		pfd[1].fd = fd;		/* poll() skips a negative one */
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, (int)left + 1) < 0 && errno != EINTR)
			return DIAL_DONE;
		if (pfd[1].revents != 0)
			return DIAL_YIELDED;
		if (pfd[0].revents != 0)
			st = PQconnectPoll(c);
	}
	return DIAL_DONE;
}

/* The n-th entry (from 0) of a comma-separated list into dst; "" past it. */
static void
list_item(char *dst, size_t dstsz, const char *list, int n)
{
	const char	*p = list, *comma;
	size_t		 len;

	dst[0] = '\0';
	for (; p != NULL && n > 0; n--)
		p = (comma = strchr(p, ',')) != NULL ? comma + 1 : NULL;
	if (p == NULL)
		return;
	len = (comma = strchr(p, ',')) != NULL ? (size_t)(comma - p) :
	    strlen(p);
	if (len < dstsz) {
		memcpy(dst, p, len);
		dst[len] = '\0';
	}
}

/* The hosts of a started connection, and its connect_timeout. */
struct targets {
	char		 host[1024], hostaddr[1024], port[256];
	int		 n;		/* hosts in the lists */
	unsigned long	 timeout_s;	/* connect_timeout; 0: none */
	bool		 fits;		/* every entry is named and fits */
};

static void
targets(PGconn *c, struct targets *t)
{
	PQconninfoOption	*opts, *o;
	char			*dst;
	size_t			 sz;
	char			 item[256];

	memset(t, 0, sizeof(*t));
	t->fits = true;
	if ((opts = PQconninfo(c)) == NULL) {
		t->fits = false;
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "connect_timeout") == 0) {
			t->timeout_s = strtoul(o->val, NULL, 10);
			continue;
		}
		dst = strcmp(o->keyword, "host") == 0 ? t->host :
		    strcmp(o->keyword, "hostaddr") == 0 ? t->hostaddr :
		    strcmp(o->keyword, "port") == 0 ? t->port : NULL;
		sz = dst == t->port ? sizeof(t->port) : sizeof(t->host);
		if (dst == NULL)
			continue;
		if (strlen(o->val) >= sz)
			t->fits = false;
		else
			memcpy(dst, o->val, strlen(o->val) + 1);
	}
	PQconninfoFree(opts);
	t->n = 1;
	for (const char *p = t->hostaddr[0] ? t->hostaddr : t->host;
	    (p = strchr(p, ',')) != NULL; p++)
		t->n++;
	for (int i = 0; i < t->n; i++) {
		list_item(item, sizeof(item), t->hostaddr[0] ? t->hostaddr :
		    t->host, i);
		if (item[0] == '\0')
			t->fits = false;	/* the default: no name */
	}
}

/* Longest list of connection keywords that open_conn() passes. */
#define DIAL_KEYS 16

/*
 * Connect within end, giving way to descriptor fd (-1: none).  Several
 * hosts in the connection string are tried one at a time, each with an
 * equal share of the time left, so that a host that never answers cannot
 * take the others' turn and the whole attempt ends by end: libpq would
 * give each host connect_timeout, and only in its blocking call.  *c is
 * NULL only when out of memory; otherwise it is the last host's attempt.
 */
static enum dial
dial(const char *const *keys, const char *const *vals, int fd, double end,
    PGconn **c)
{
	const char	*k[DIAL_KEYS + 4], *v[DIAL_KEYS + 4];
	char		 host[256], addr[256], port[64];
	struct targets	 t;
	enum dial	 d = DIAL_DONE;
	double		 now, share;
	int		 nk = 0;

	if ((*c = PQconnectStartParams(keys, vals, 1)) == NULL)
		return DIAL_DONE;
	targets(*c, &t);
	if (t.timeout_s > 0 && smw_now_ms() + 1000.0 * t.timeout_s < end)
		end = smw_now_ms() + 1000.0 * t.timeout_s;
	if (t.n <= 1 || !t.fits || PQstatus(*c) == CONNECTION_BAD)
		return dial_one(*c, fd, end);
	PQfinish(*c);
	*c = NULL;
	/* The caller's keywords but the last (the encoding), then the host. */
	while (keys[nk] != NULL && nk < DIAL_KEYS) {
		k[nk] = keys[nk];
		v[nk] = vals[nk];
		nk++;
	}
	k[nk - 1] = "host", v[nk - 1] = host;
	k[nk] = "hostaddr", v[nk] = addr;
	k[nk + 1] = "port", v[nk + 1] = port;
	k[nk + 2] = keys[nk - 1], v[nk + 2] = vals[nk - 1];
	k[nk + 3] = NULL, v[nk + 3] = NULL;
	for (int i = 0; i < t.n; i++) {
		list_item(host, sizeof(host), t.host, t.host[0] &&
		    strchr(t.host, ',') ? i : 0);
		list_item(addr, sizeof(addr), t.hostaddr, t.hostaddr[0] &&
		    strchr(t.hostaddr, ',') ? i : 0);
		list_item(port, sizeof(port), t.port, t.port[0] &&
		    strchr(t.port, ',') ? i : 0);
		if (*c != NULL)
			PQfinish(*c);
		if ((*c = PQconnectStartParams(k, v, 1)) == NULL)
			return DIAL_DONE;
		now = smw_now_ms();
		share = (end - now) / (t.n - i);
		d = dial_one(*c, fd, now + share);
		if (d == DIAL_YIELDED || (d == DIAL_DONE &&
		    PQstatus(*c) == CONNECTION_OK))
			return d;
	}
	return d;
}

/*
 * A new connection, made by end (smw_now_ms() time).  Nothing is set in
 * the session: every statement carries its settings (run()).  The network
 * limits follow SHOWMOJO_TIMEOUT_MS: keepalive probes of an idle
 * connection and data left unacknowledged (tcp_user_timeout) end within
 * about the timeout plus ANSWER_MARGIN_MS.  The user's conninfo comes
 * after these defaults (so it overrides them), the encoding after it (so
 * it cannot).  With yield_fd >= 0 the attempt gives way to that
 * descriptor: SMW_EYIELD, not logged, when it did.
 */
static enum smw_err
open_conn(struct smw_store *s, int yield_fd, double end)
{
	unsigned	 t = s->cfg->timeout_ms;
	char		 ct[16], idle[16], intvl[16], user[16];
	const char	*keys[] = { "connect_timeout", "application_name",
	    "keepalives", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "dbname",
	    "client_encoding", NULL };
	const char	*vals[] = { ct, "showmojo-webhook", "1", idle, intvl,
	    "3", user, s->cfg->db, "UTF8", NULL };
	enum dial	 d;

	drop(s);
	if (s->ingest_sql[0] == '\0') {
		snprintf(s->why, sizeof(s->why), "schema name too long");
		smw_log(SMW_LOG_ERR, "database: SHOWMOJO_SCHEMA is too long");
		return SMW_ECONFIG;
	}
	/* Ours bounds nothing (end does); one in SHOWMOJO_DB may. */
	snprintf(ct, sizeof(ct), "%u", (unsigned)((end - smw_now_ms()) /
	    1000) + 1);
	snprintf(idle, sizeof(idle), "%u", t == 0 ? 60 : (t + 999) / 1000);
	snprintf(intvl, sizeof(intvl), "%u", t == 0 ? 10 : (t + 2999) / 3000);
	snprintf(user, sizeof(user), "%u", t == 0 ? 0 :
	    t + ANSWER_MARGIN_MS);
	d = dial(keys, vals, yield_fd, end, &s->conn);
	if (s->conn == NULL) {
		snprintf(s->why, sizeof(s->why), "out of memory");
		smw_log(SMW_LOG_ERR, "database: connect: out of memory");
		return SMW_EDB;
	}
	if (d == DIAL_YIELDED) {
		drop(s);
		return SMW_EYIELD;
	}
	if (d == DIAL_LATE || PQstatus(s->conn) != CONNECTION_OK ||
	    PQsetnonblocking(s->conn, 1) != 0) {
		(void)failed(s, NULL, d == DIAL_LATE ? "timeout expired" :
		    NULL, FAULT_RETRY, "connect");
		drop(s);
		s->unreachable = true;
		return SMW_EDB;
	}
	PQsetNoticeReceiver(s->conn, keep_warning, s);
	return SMW_OK;
}

/*
 * When connecting must be done by, when no call bounds it: the store's
 * timeout, or 10 s for calls without one (migrate, forget).
 */
static double
connect_end(const struct smw_store *s)
{
	return smw_now_ms() + (s->timeout_ms > 0 ? s->timeout_ms : 10000);
}

enum smw_err
smw_store_connect(struct smw_store *s)
{
	return smw_store_connect_yield(s, -1);
}

enum smw_err
smw_store_connect_yield(struct smw_store *s, int fd)
{
	if (s->conn != NULL && conn_alive(s->conn))
		return SMW_OK;
	return open_conn(s, fd, connect_end(s));
}

enum smw_err
smw_store_probe(struct smw_store *s, int fd, unsigned budget_ms)
{
	drop(s);
	return open_conn(s, fd, budget_ms > 0 ? smw_now_ms() + budget_ms :
	    connect_end(s));
}

/* What waiting for the server came to. */
enum wait {
	WAIT_OK,
	WAIT_LOST,	/* the connection broke */
	WAIT_LATE,	/* the deadline passed */
	WAIT__MAX
};

/* Wait until the socket is ready for events or deadline (0: none) passes. */
static enum wait
await(PGconn *c, short events, double deadline)
{
	struct pollfd	 pfd;
	double		 left = deadline - smw_now_ms();

	if (deadline > 0 && left <= 0)
		return WAIT_LATE;
	pfd.fd = PQsocket(c);
	pfd.events = events;
	pfd.revents = 0;
	if (poll(&pfd, 1, deadline > 0 ? (int)left + 1 : -1) < 0 &&
	    errno != EINTR)
		return WAIT_LOST;
	return WAIT_OK;
}

/* Send what libpq holds for the server. */
static enum wait
flush(PGconn *c, double deadline)
{
	enum wait	 w;
	int		 rc;

	while ((rc = PQflush(c)) == 1) {
		if ((w = await(c, POLLIN | POLLOUT, deadline)) != WAIT_OK)
			return w;
		if (!PQconsumeInput(c))
			return WAIT_LOST;
	}
	return rc == 0 ? WAIT_OK : WAIT_LOST;
}

/*
 * The next result (NULL: the end of one query's results).  Reads the
 * socket only when what libpq holds is not enough.
 */
static enum wait
next(PGconn *c, double deadline, PGresult **r)
{
	enum wait	 w;

	*r = NULL;
	while (PQisBusy(c)) {
		if ((w = await(c, POLLIN, deadline)) != WAIT_OK)
			return w;
		if (!PQconsumeInput(c))
			return WAIT_LOST;
	}
	*r = PQgetResult(c);
	return WAIT_OK;
}

/*
 * The milliseconds left of the call's SHOWMOJO_TIMEOUT_MS, at least 1; 0
 * when no timeout applies.
 */
static unsigned
time_left(const struct smw_store *s)
{
	double	 left;

	if (s->timeout_ms == 0 || s->deadline == 0)
		return s->timeout_ms;
	left = s->deadline - smw_now_ms();
	return left < 1 ? 1 : left > s->timeout_ms ? s->timeout_ms :
	    (unsigned)left;
}

/*
 * The transaction's lock timeout, as text: a tenth less than the
 * statement timeout (left, ms), so that a wait for a lock ends first and
 * is named (55P03); the store's shorter one when it has one.
 */
static void
lock_timeout(const struct smw_store *s, unsigned left, char *dst,
    size_t dstsz)
{
	if (s->lock_ms > 0 && (left == 0 || s->lock_ms < left))
		left = s->lock_ms;
	snprintf(dst, dstsz, "%u", left - left / 10);
}

/*
 * Send a call: a statement as one pipeline of unnamed statements, the
 * settings of this transaction (schema, statement and lock timeout,
 * synchronous_commit not off), the statement, and one Sync; or a script
 * alone.  A delivery's call sets the lock timeout and synchronous_commit
 * itself, so its settings statement sets only the statement timeout.  In
 * the extended protocol the statements before a Sync are one implicit
 * transaction: the settings (set_config(..., true)) hold for the
 * statement, which starts its statement timeout after them; an error
 * anywhere rolls all of it back; the Sync commits it, and the answer to
 * the Sync comes after the commit.  No BEGIN and COMMIT: two statements
 * fewer for the server to parse, plan and run.  Nothing is kept in the
 * session (a transaction pooler gives the next transaction another one)
 * and nothing is prepared.
 */
const char *
smw_db_time_text(char *dst, size_t dstsz, double t)
{
	snprintf(dst, dstsz, "%.6f", t);
	return dst;
}

static bool
send_call(struct smw_store *s, const struct smw_call *c)
{
	char		 timeout[16], lock[16], at[48];
	const char	*set[4] = { s->cfg->schema, timeout, lock, at };
	int		 which = 0;
	const char	*const *vals = set, *const *args = c->vals;
	const char	*ingest[2];
	const char	*sql = c->st->sql, *settings = sql_settings;
	unsigned	 left;
	int		 nset = 3;

	if (c->st->kind == SMW_STMT_SCRIPT)
		return PQsendQuery(s->conn, c->script) == 1;
	left = time_left(s);
	snprintf(timeout, sizeof(timeout), "%u", left);
	if (c->st->kind == SMW_STMT_INGEST) {
		/* The call carries its lock timeout, of the same time left. */
		lock_timeout(s, left, lock, sizeof(lock));
		ingest[0] = c->vals[0];
		ingest[1] = lock;
		args = ingest;
		sql = s->ingest_sql;
		vals = set + 1;
		nset = 1;
		/* A drained delivery: its time of arrival (sql/020). */
		if (s->received > 0) {
			set[1 + nset++] = smw_db_time_text(at, sizeof(at),
			    s->received);
			which |= 1;
		}
		/* Its source, a transaction's setting too (sql/024). */
		if (s->source != NULL) {
			set[1 + nset++] = s->source;
			which |= 2;
		}
		settings = sql_settings_calls[which];
	} else
		lock_timeout(s, left, lock, sizeof(lock));
	return PQenterPipelineMode(s->conn) == 1 &&
	    PQsendQueryParams(s->conn, settings, nset, NULL, vals, NULL, NULL,
	    0) == 1 &&
	    PQsendQueryParams(s->conn, sql, c->st->nparams, NULL,
	    args, c->lens, c->fmts, c->resfmt) == 1 &&
	    PQpipelineSync(s->conn) == 1;
}

/* The results a call's pipeline gives, in order; see collect(). */
enum step {
	STEP_SETTINGS,
	STEP_STMT,
	STEP__MAX
};

/*
 * Read every result of a sent call.  *res gets the statement's result
 * (for the caller), *bad the first error; *odd is set when the results
 * are not what the call gives (an unexpected result sequence).
 */
static enum wait
collect(struct smw_store *s, const struct smw_call *c, double deadline,
    PGresult **res, PGresult **bad, bool *odd)
{
	PGresult	*r;
	ExecStatusType	 st;
	enum wait	 w;
	int		 nsteps = c->st->kind == SMW_STMT_SCRIPT ? 1 :
	    STEP__MAX;
	bool		 mine;

	for (int i = 0; i < nsteps; i++) {
		/* A script gives a result per statement, then NULL. */
		while ((w = next(s->conn, deadline, &r)) == WAIT_OK &&
		    r != NULL) {
			st = PQresultStatus(r);
			mine = c->st->kind != SMW_STMT_SCRIPT && i == STEP_STMT;
			if (st == PGRES_FATAL_ERROR && *bad == NULL) {
				*bad = r;
				continue;
			}
			if (mine && *res == NULL && st == c->st->want &&
			    (c->st->rows < 0 ||
			    PQntuples(r) == c->st->rows)) {
				*res = r;
				continue;
			}
			if (st != PGRES_PIPELINE_ABORTED &&
			    st != PGRES_FATAL_ERROR && (mine ||
			    (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)))
				*odd = true;
			PQclear(r);
		}
		if (w != WAIT_OK)
			return w;
	}
	if (c->st->kind == SMW_STMT_SCRIPT)
		return WAIT_OK;
	/* The Sync commits: an error of the commit comes before its answer. */
	for (int n = 0;; n++) {
		if ((w = next(s->conn, deadline, &r)) != WAIT_OK)
			return w;
		st = r != NULL ? PQresultStatus(r) : PGRES_EMPTY_QUERY;
		if (st == PGRES_PIPELINE_SYNC)
			break;
		if (st == PGRES_FATAL_ERROR && *bad == NULL)
			*bad = r;
		else if (r != NULL) {
			*odd = true;
			PQclear(r);
		}
		if (n == 2)
			return WAIT_LOST;	/* no answer to the Sync */
	}
	PQclear(r);
	if (PQexitPipelineMode(s->conn) != 1)
		return WAIT_LOST;
	if (!*odd && *bad == NULL && *res == NULL)
		*odd = true;	/* the statement gave no result */
	return WAIT_OK;
}

/*
 * After a failure: end a transaction left open (a script's, or one a
 * pooler or a broken exchange left), so the connection is fit for the next
 * request.
 * False when that failed too: then the connection goes.
 */
static bool
rollback(struct smw_store *s, double deadline)
{
	PGresult	*r;
	bool		 ok = true;

	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return true;
	if (PQsendQueryParams(s->conn, sql_rollback, 0, NULL, NULL, NULL,
	    NULL, 0) != 1 || flush(s->conn, deadline) != WAIT_OK)
		return false;
	for (;;) {
		if (next(s->conn, deadline, &r) != WAIT_OK)
			return false;
		if (r == NULL)
			break;
		ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	return ok && PQtransactionStatus(s->conn) == PQTRANS_IDLE;
}

/*
 * Whether a failed result says the server is going away or not taking
 * work (class 08, 57P01-57P03: shutdown, crash recovery, starting up):
 * the database is unavailable, not merely refusing this call.
 */
static bool
going_away(const PGresult *r)
{
	const char	*state;

	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return state != NULL && (strncmp(state, "08", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0);
}

/*
 * One attempt of a call on the current connection, within the deadline:
 * SHOWMOJO_TIMEOUT_MS (the server's statement timeout) plus a margin.  On
 * success *out is the statement's result (NULL for a script).  A lost
 * connection, or one that gave no answer in time, is dropped.
 */
static enum smw_err
attempt(struct smw_store *s, const struct smw_call *c, PGresult **out,
    enum fault *f)
{
	PGresult	*res = NULL, *bad = NULL;
	const char	*what = c->what ? c->what : c->st->what;
	char		 late[64], warned[320];
	double		 deadline = 0;
	enum wait	 w;
	enum smw_err	 err = SMW_OK;
	bool		 odd = false;

	*f = FAULT_RETRY;
	s->warning[0] = '\0';
	if (s->deadline > 0)
		deadline = s->deadline + ANSWER_MARGIN_MS;
	if (!send_call(s, c))
		w = WAIT_LOST;
	else if ((w = flush(s->conn, deadline)) == WAIT_OK)
		w = collect(s, c, deadline, &res, &bad, &odd);
	if (w == WAIT_OK && PQstatus(s->conn) != CONNECTION_OK)
		w = WAIT_LOST;	/* whether it committed is unknown */
	if (w != WAIT_OK) {
		snprintf(late, sizeof(late), "no answer within %u ms",
		    s->timeout_ms + ANSWER_MARGIN_MS);
		(void)failed(s, NULL, w == WAIT_LATE ? late : NULL,
		    FAULT_RETRY, what);
		drop(s);
		s->unreachable = true;
		err = SMW_EDB;
		goto out;
	}
	s->answered = true;
	if (bad != NULL || odd) {
		*f = failed(s, bad, "unexpected result sequence",
		    FAULT_STALE, what);
		s->unreachable = going_away(bad);
		err = *f == FAULT_INPUT ? SMW_EINPUT : SMW_EDB;
		if (*f == FAULT_STALE || !rollback(s, deadline))
			drop(s);
		goto out;
	}
	/*
	 * A transaction that ended with a warning is not known durable (a
	 * commit whose wait for a synchronous standby was cancelled): the
	 * sender's retry finds it and waits for the standby again.
	 */
	if (c->st->kind != SMW_STMT_SCRIPT && s->warning[0] != '\0') {
		snprintf(warned, sizeof(warned), "ended with a warning, not "
		    "known durable: %s", s->warning);
		(void)failed(s, NULL, warned, FAULT_RETRY, what);
		err = SMW_EDB;
		goto out;
	}
	*out = res;
	res = NULL;
	s->unreachable = false;
out:
	PQclear(res);
	PQclear(bad);
	return err;
}

enum smw_err
smw_db_run(struct smw_store *s, const struct smw_call *c, PGresult **out)
{
	enum fault	 f = FAULT_RETRY;
	enum smw_err	 err = SMW_EDB;

	*out = NULL;
	s->unreachable = false;
	/* Connecting and the call share one SHOWMOJO_TIMEOUT_MS. */
	s->deadline = s->timeout_ms > 0 ? smw_now_ms() + s->timeout_ms : 0;
	for (int i = 0; i < 2; i++) {
		if ((s->conn == NULL || !conn_alive(s->conn)) &&
		    (err = open_conn(s, -1, s->deadline > 0 ? s->deadline :
		    connect_end(s))) != SMW_OK)
			return err;
		/* A script may rely on its session (migrate's path). */
		if ((err = attempt(s, c, out, &f)) == SMW_OK ||
		    f != FAULT_STALE || c->st->kind == SMW_STMT_SCRIPT)
			break;
	}
	return err;
}

enum smw_err
smw_db_open(struct smw_store *s)
{
	return open_conn(s, -1, connect_end(s));
}

/* SPDX-License-Identifier: MIT */
/*
 * libpq.  A delivery is one call of the schema's ingest() function, sent
 * as a prepared statement outside an explicit transaction block: the
 * statement is its own transaction, and its result arrives only after
 * COMMIT has returned, so one round trip stores a delivery durably.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store.h"

/* Every SQL text this program sends.  Values always travel as $n. */
static const char sql_ingest[] =
    "SELECT ingest($1::jsonb)";
static const char sql_quarantine[] =
    "INSERT INTO quarantine AS q (reason, body, event_id, remote_addr,"
    " content_type, user_agent, request_uri)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (body_sha256) DO UPDATE SET"
    " deliveries = q.deliveries + 1, last_received_at = now(),"
    " reason = excluded.reason, event_id = excluded.event_id,"
    " remote_addr = excluded.remote_addr,"
    " content_type = excluded.content_type,"
    " user_agent = excluded.user_agent, request_uri = excluded.request_uri,"
    " replayed_at = NULL, replay_result = NULL"
    " RETURNING id";
static const char sql_quarantine_next[] =
    "SELECT id::text AS qid, body FROM quarantine"
    " WHERE replayed_at IS NULL AND id > $1::bigint ORDER BY id LIMIT 1";
static const char sql_quarantine_mark[] =
    "UPDATE quarantine SET replay_result = $2,"
    " replayed_at = CASE WHEN $3::boolean THEN now() END"
    " WHERE id = $1::bigint";
static const char sql_version[] =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char sql_session[] =
    "SELECT set_config('search_path', quote_ident($1), false),"
    " set_config('statement_timeout', $2, false),"
    " set_config('lock_timeout', $2, false),"
    " set_config('synchronous_commit',"
    "  CASE current_setting('synchronous_commit') WHEN 'off' THEN 'on'"
    "  ELSE current_setting('synchronous_commit') END, false)";
static const char sql_create_schema[] =
    "SELECT format('CREATE SCHEMA IF NOT EXISTS %I', $1::text)";
static const char sql_bootstrap[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
static const char sql_lock[] =
    "SELECT pg_advisory_lock(hashtext('showmojo-webhook migrate'))";
static const char sql_unlock[] =
    "SELECT pg_advisory_unlock(hashtext('showmojo-webhook migrate'))";
static const char sql_applied[] =
    "SELECT 1 FROM schema_migrations WHERE version = $1::integer";

/* Statements prepared on every connection. */
enum stmt {
	STMT_INGEST,
	STMT_QUARANTINE,
	STMT_VERSION,
	STMT_QUARANTINE_NEXT,
	STMT_QUARANTINE_MARK,
	STMT__MAX
};

/* Each with its parameter count, the result it must give, and a log label. */
static const struct {
	const char	*name;
	const char	*sql;
	int		 nparams;
	ExecStatusType	 want;
	int		 rows;		/* rows it returns; -1: any */
	const char	*what;
} stmts[STMT__MAX] = {
	[STMT_INGEST] = { "smw_ingest", sql_ingest, 1, PGRES_TUPLES_OK, 1,
	    "store event" },
	[STMT_QUARANTINE] = { "smw_quarantine", sql_quarantine, 7,
	    PGRES_TUPLES_OK, 1, "quarantine" },
	[STMT_VERSION] = { "smw_version", sql_version, 0, PGRES_TUPLES_OK, 1,
	    "schema version" },
	[STMT_QUARANTINE_NEXT] = { "smw_quarantine_next",
	    sql_quarantine_next, 1, PGRES_TUPLES_OK, -1, "quarantine" },
	[STMT_QUARANTINE_MARK] = { "smw_quarantine_mark",
	    sql_quarantine_mark, 3, PGRES_COMMAND_OK, -1, "quarantine" },
};

/* Largest migration file read. */
#define SQL_FILE_MAX (4 * 1024 * 1024)

void
smw_store_init(struct smw_store *s, const struct smw_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
}

void
smw_store_free(struct smw_store *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
}

/*
 * True when a failure with this SQLSTATE would fail the same way on every
 * retry: data exception (22), integrity constraint (23), program limit
 * (54).  Anything else, and no SQLSTATE at all (the connection is gone),
 * is for a retry.
 */
static bool
deterministic(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return false;
	return strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
	    strncmp(state, "54", 2) == 0;
}

/*
 * Log a failed result, keep the reason in s->why, classify it; drops a
 * connection that is gone so the next request reconnects.
 */
static enum smw_err
failed(struct smw_store *s, const PGresult *r, const char *what)
{
	const char	*state, *msg;
	char		*nl;
	enum smw_err	 err;

	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (msg == NULL)
		msg = s->conn != NULL ? PQerrorMessage(s->conn) :
		    "no connection";
	snprintf(s->why, sizeof(s->why), "%s%s%s", state ? state : "",
	    state ? ": " : "", msg);
	if ((nl = strchr(s->why, '\n')) != NULL)
		*nl = '\0';
	err = deterministic(state) ? SMW_EINPUT : SMW_EDB;
	smw_log(err == SMW_EINPUT ? SMW_LOG_WARN : SMW_LOG_ERR,
	    "database: %s: %s", what, s->why);
	if (s->conn != NULL && PQstatus(s->conn) != CONNECTION_OK) {
		PQfinish(s->conn);
		s->conn = NULL;
	}
	return err;
}

/* Run a statement expecting status st; SMW_OK or the classified failure. */
static enum smw_err
run(struct smw_store *s, PGresult **out, ExecStatusType st, const char *what,
    const char *sql, int n, const char *const *vals)
{
	PGresult	*r;
	enum smw_err	 err;

	*out = NULL;
	r = PQexecParams(s->conn, sql, n, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != st) {
		err = failed(s, r, what);
		PQclear(r);
		return err;
	}
	*out = r;
	return SMW_OK;
}

/*
 * A connection the server has closed (restart, idle timeout,
 * pg_terminate_backend) shows as a readable socket while we are idle: the
 * server's last words, or end of file.  Nothing else is expected between
 * statements (we never LISTEN), so anything readable means: start afresh.
 * This costs no round trip.
 */
static bool
conn_alive(PGconn *c)
{
	struct pollfd	 pfd;

	if (PQstatus(c) != CONNECTION_OK)
		return false;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0;
}

/* Server notices ("already exists, skipping") are not for the log. */
static void
ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * A new connection with the session settings: the schema on search_path,
 * timeout_ms as statement and lock timeout (0: none), UTF8.  The user's
 * conninfo comes after our defaults (so it overrides them), the encoding
 * after it (so it cannot).
 */
static enum smw_err
open_conn(struct smw_store *s, unsigned timeout_ms)
{
	const char	*keys[] = { "connect_timeout", "application_name",
	    "dbname", "client_encoding", NULL };
	const char	*vals[] = { "10", "showmojo-webhook",
	    s->cfg->db, "UTF8", NULL };
	char		 timeout[32];
	const char	*params[2] = { s->cfg->schema, timeout };
	PGresult	*r = NULL;
	enum smw_err	 err;

	smw_store_free(s);
	if ((s->conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		snprintf(s->why, sizeof(s->why), "out of memory");
		smw_log(SMW_LOG_ERR, "database: connect: out of memory");
		return SMW_EDB;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		err = failed(s, NULL, "connect");
		smw_store_free(s);
		return err == SMW_EINPUT ? SMW_EDB : err;
	}
	PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
	snprintf(timeout, sizeof(timeout), "%u", timeout_ms);
	if ((err = run(s, &r, PGRES_TUPLES_OK, "session settings",
	    sql_session, 2, params)) != SMW_OK) {
		smw_store_free(s);
		return err == SMW_EINPUT ? SMW_ECONFIG : err;
	}
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_connect(struct smw_store *s)
{
	PGresult	*r = NULL;
	enum smw_err	 err;

	if (s->conn != NULL && conn_alive(s->conn))
		return SMW_OK;
	if ((err = open_conn(s, s->cfg->timeout_ms)) != SMW_OK)
		return err;
	for (int i = 0; i < STMT__MAX; i++) {
		r = PQprepare(s->conn, stmts[i].name, stmts[i].sql,
		    stmts[i].nparams, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			/* No schema yet: a retry after migrate cures it. */
			err = failed(s, r, "prepare");
			if (err == SMW_EINPUT)
				err = SMW_EDB;
			PQclear(r);
			goto fail;
		}
		PQclear(r);
	}
	return SMW_OK;
fail:
	smw_store_free(s);
	return err;
}

/*
 * Run prepared statement st on a working connection: vals, lens and fmts
 * as for PQexecPrepared, results in text (resfmt 0) or binary (1).  On
 * success *out is the result, for the caller to PQclear; on failure
 * nothing is left to clear, the failure is logged and classified.
 */
static enum smw_err
exec_stmt(struct smw_store *s, enum stmt st, const char *const *vals,
    const int *lens, const int *fmts, int resfmt, PGresult **out)
{
	PGresult	*r;
	enum smw_err	 err;

	*out = NULL;
	if ((err = smw_store_connect(s)) != SMW_OK)
		return err;
	r = PQexecPrepared(s->conn, stmts[st].name, stmts[st].nparams, vals,
	    lens, fmts, resfmt);
	if (PQresultStatus(r) != stmts[st].want ||
	    (stmts[st].rows >= 0 && PQntuples(r) != stmts[st].rows)) {
		err = failed(s, r, stmts[st].what);
		PQclear(r);
		return err;
	}
	*out = r;
	return SMW_OK;
}

enum smw_err
smw_store_event(struct smw_store *s, const char *body, size_t len,
    enum smw_store_outcome *out)
{
	PGresult	*r;
	const char	*vals[1] = { body };
	int		 lens[1] = { (int)len };
	int		 fmts[1] = { 0 };
	enum smw_err	 err;

	/* Only here can the data itself be at fault: keep SMW_EINPUT. */
	if ((err = exec_stmt(s, STMT_INGEST, vals, lens, fmts, 0, &r)) !=
	    SMW_OK)
		return err;
	*out = strcmp(PQgetvalue(r, 0, 0), "duplicate") == 0 ?
	    SMW_STORE_DUPLICATE : SMW_STORE_STORED;
	PQclear(r);
	return SMW_OK;
}

/* Longest reason or request metadata value kept in the quarantine. */
#define QUARANTINE_TEXT_MAX 1024

/*
 * Copy src (NULL stays NULL) into dst as text PostgreSQL accepts: a byte
 * that is not part of valid UTF-8 becomes '?', and the copy is cut at a
 * character boundary to fit.  The request metadata comes from the client
 * unchecked; text PostgreSQL refused would make the quarantine itself
 * fail the same way on every retry.
 */
static const char *
text_param(char *dst, size_t dstsz, const char *src)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i = 0, o = 0, n, len;

	if (src == NULL)
		return NULL;
	len = strlen(src);
	while (s[i] != '\0') {
		if (smw_utf8_seq(s + i, len - i, &n) != SMW_UTF8_OK)
			n = 0;
		if (o + (n > 0 ? n : 1) >= dstsz)
			break;
		if (n > 0)
			memcpy(dst + o, s + i, n);
		else
			dst[o] = '?';
		o += n > 0 ? n : 1;
		i += n > 0 ? n : 1;
	}
	dst[o] = '\0';
	return dst;
}

enum smw_err
smw_store_quarantine(struct smw_store *s, const char *body, size_t len,
    const char *reason, const char *event_id,
    const struct smw_request_meta *m, long long *id)
{
	PGresult	*r;
	const char	*vals[7];
	int		 lens[7] = { 0 };
	int		 fmts[7] = { 0, 1, 0, 0, 0, 0, 0 };
	char		 text[5][QUARANTINE_TEXT_MAX];

	vals[0] = text_param(text[0], sizeof(text[0]), reason);
	vals[1] = body != NULL ? body : "";
	lens[1] = (int)len;
	vals[2] = event_id;
	vals[3] = text_param(text[1], sizeof(text[1]),
	    m != NULL ? m->remote_addr : NULL);
	vals[4] = text_param(text[2], sizeof(text[2]),
	    m != NULL ? m->content_type : NULL);
	vals[5] = text_param(text[3], sizeof(text[3]),
	    m != NULL ? m->user_agent : NULL);
	vals[6] = text_param(text[4], sizeof(text[4]),
	    m != NULL ? m->request_uri : NULL);
	/* Nowhere left to keep it if this fails: only a retry can. */
	if (exec_stmt(s, STMT_QUARANTINE, vals, lens, fmts, 0, &r) != SMW_OK)
		return SMW_EDB;
	if (id != NULL)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_quarantine_next(struct smw_store *s, long long after,
    long long *id, struct smw_buf *body, bool *found)
{
	PGresult	*r;
	char		 num[32];
	const char	*vals[1] = { num };
	enum smw_err	 err = SMW_OK;

	*found = false;
	smw_buf_reset(body);
	snprintf(num, sizeof(num), "%lld", after);
	/* Binary results: the body arrives as its raw bytes. */
	if (exec_stmt(s, STMT_QUARANTINE_NEXT, vals, NULL, NULL, 1, &r) !=
	    SMW_OK)
		return SMW_EDB;
	if (PQntuples(r) == 0)
		goto out;
	/* A text value in binary format is its bytes; libpq adds the NUL. */
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	if ((err = smw_buf_append(body, PQgetvalue(r, 0, 1),
	    (size_t)PQgetlength(r, 0, 1))) != SMW_OK)
		goto out;
	*found = true;
out:
	PQclear(r);
	return err;
}

enum smw_err
smw_store_quarantine_mark(struct smw_store *s, long long id,
    const char *result, bool done)
{
	PGresult	*r;
	char		 num[32];
	const char	*vals[3] = { num, result, done ? "true" : "false" };

	snprintf(num, sizeof(num), "%lld", id);
	if (exec_stmt(s, STMT_QUARANTINE_MARK, vals, NULL, NULL, 0, &r) !=
	    SMW_OK)
		return SMW_EDB;
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_version(struct smw_store *s, int *version)
{
	PGresult	*r;

	*version = 0;
	if (exec_stmt(s, STMT_VERSION, NULL, NULL, NULL, 0, &r) != SMW_OK)
		return SMW_EDB;
	*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return SMW_OK;
}

/* Whole file into a NUL-terminated buffer, at most SQL_FILE_MAX bytes. */
static enum smw_err
read_file(const char *path, struct smw_buf *b)
{
	FILE		*f;
	char		 chunk[8192];
	size_t		 n;
	enum smw_err	 err = SMW_OK;

	if ((f = fopen(path, "r")) == NULL) {
		smw_log(SMW_LOG_ERR, "%s: %s", path, strerror(errno));
		return SMW_ESYS;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((err = smw_buf_append(b, chunk, n)) != SMW_OK) {
			smw_log(SMW_LOG_ERR, "%s: %s", path, smw_err_name(err));
			break;
		}
	if (err == SMW_OK && ferror(f)) {
		smw_log(SMW_LOG_ERR, "%s: read error", path);
		err = SMW_ESYS;
	}
	if (err == SMW_OK && b->len == 0 && smw_buf_append(b, "", 0) != SMW_OK)
		err = SMW_ENOMEM;
	fclose(f);
	return err;
}

/* Migration files are NNN-name.sql. */
static int
migration_filter(const struct dirent *d)
{
	const char	*n = d->d_name;
	size_t		 len = strlen(n);

	return len > 8 && strspn(n, "0123456789") == 3 && n[3] == '-' &&
	    strcmp(n + len - 4, ".sql") == 0;
}

/* Apply one file unless its version is recorded; it records itself. */
static enum smw_err
apply_one(struct smw_store *s, const char *dir, const char *name,
    int *applied)
{
	char		 path[4096], ver[4];
	const char	*vals[1] = { ver };
	struct smw_buf	 sql;
	PGresult	*r = NULL;
	enum smw_err	 err;
	bool		 done;

	memcpy(ver, name, 3);
	ver[3] = '\0';
	smw_buf_init(&sql, SQL_FILE_MAX);
	if ((err = run(s, &r, PGRES_TUPLES_OK, "migrate", sql_applied, 1,
	    vals)) != SMW_OK)
		goto out;
	done = PQntuples(r) > 0;
	PQclear(r);
	r = NULL;
	if (done)
		goto out;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		err = SMW_ESYS;
		goto out;
	}
	if ((err = read_file(path, &sql)) != SMW_OK)
		goto out;
	r = PQexec(s->conn, sql.data);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		err = failed(s, r, name);
		PQclear(r);
		r = NULL;
		if (s->conn != NULL)
			PQclear(PQexec(s->conn, "ROLLBACK"));
		err = err == SMW_OK ? SMW_EDB : err;
		goto out;
	}
	PQclear(r);
	if ((err = run(s, &r, PGRES_TUPLES_OK, "migrate", sql_applied, 1,
	    vals)) != SMW_OK)
		goto out;
	if (PQntuples(r) == 0) {
		smw_log(SMW_LOG_ERR, "%s did not record version %s in "
		    "schema_migrations", name, ver);
		err = SMW_ECONFIG;
		goto out;
	}
	smw_log(SMW_LOG_INFO, "applied %s", name);
	(*applied)++;
out:
	PQclear(r);
	smw_buf_free(&sql);
	return err;
}

enum smw_err
smw_store_migrate(struct smw_store *s, const char *dir, int *applied)
{
	struct dirent	**names = NULL;
	const char	*enc, *vals[1];
	PGresult	*r = NULL, *create = NULL;
	enum smw_err	 err;
	int		 n = -1;
	bool		 locked = false;

	*applied = 0;
	/* No statements prepared: the schema may not exist yet. */
	if ((err = open_conn(s, 0)) != SMW_OK)
		goto out;
	enc = PQparameterStatus(s->conn, "server_encoding");
	if (enc == NULL || strcmp(enc, "UTF8") != 0) {
		smw_log(SMW_LOG_ERR, "database encoding is %s, not UTF8: "
		    "jsonb cannot hold non-ASCII text there; create the "
		    "database with ENCODING 'UTF8' (initdb -E UTF8)",
		    enc ? enc : "unknown");
		err = SMW_ECONFIG;
		goto out;
	}
	if ((err = run(s, &r, PGRES_TUPLES_OK, "lock", sql_lock, 0, NULL)) !=
	    SMW_OK)
		goto out;
	locked = true;
	PQclear(r);
	vals[0] = s->cfg->schema;
	if ((err = run(s, &r, PGRES_TUPLES_OK, "schema", sql_create_schema, 1,
	    vals)) != SMW_OK)
		goto out;
	create = PQexec(s->conn, PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	if (PQresultStatus(create) != PGRES_COMMAND_OK) {
		err = failed(s, create, "create schema");
		goto out;
	}
	if ((err = run(s, &r, PGRES_COMMAND_OK, "bootstrap", sql_bootstrap,
	    0, NULL)) != SMW_OK)
		goto out;
	PQclear(r);
	r = NULL;

	if ((n = scandir(dir, &names, migration_filter, alphasort)) < 0) {
		smw_log(SMW_LOG_ERR, "migrations directory %s: %s", dir,
		    strerror(errno));
		err = SMW_ESYS;
		goto out;
	}
	for (int i = 0; i < n && err == SMW_OK; i++)
		err = apply_one(s, dir, names[i]->d_name, applied);
out:
	PQclear(r);
	PQclear(create);
	if (locked && s->conn != NULL)
		PQclear(PQexec(s->conn, sql_unlock));
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	smw_store_free(s);
	return err;
}

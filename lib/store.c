/* SPDX-License-Identifier: MIT */
/*
 * The delivery's statements: one delivery stored by the schema's ingest()
 * (its settings and the call are one transaction, see db.c), the
 * quarantine, the schema version, and what "check" reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

/*
 * $8 is when a delivery from the spool arrived (Unix seconds), NULL for a
 * live one; $9 its source (sql/024), which a body that comes again takes as
 * it takes the other request metadata.  A body already there keeps its
 * first arrival; a live one that comes again is due for replay again, one
 * from the spool (which arrived before whatever replay happened since)
 * leaves that alone.
 */
static const char sql_quarantine[] =
    "INSERT INTO quarantine AS q (reason, body, event_id, remote_addr,"
    " content_type, user_agent, request_uri, received_at, last_received_at,"
    " source)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7,"
    "  coalesce(to_timestamp($8::float8), now()),"
    "  coalesce(to_timestamp($8::float8), now()), $9)"
    " ON CONFLICT (body_sha256) WHERE erased_at IS NULL DO UPDATE SET"
    " deliveries = q.deliveries + 1,"
    " received_at = least(q.received_at, excluded.received_at),"
    " last_received_at = greatest(q.last_received_at,"
    "  excluded.last_received_at),"
    " reason = excluded.reason, event_id = excluded.event_id,"
    " remote_addr = excluded.remote_addr,"
    " content_type = excluded.content_type,"
    " user_agent = excluded.user_agent, request_uri = excluded.request_uri,"
    " source = excluded.source,"
    " replayed_at = CASE WHEN $8 IS NULL THEN NULL ELSE q.replayed_at END,"
    " replay_result = CASE WHEN $8 IS NULL THEN NULL"
    "  ELSE q.replay_result END"
    " RETURNING id";
/* $2: of that source only; NULL: of any. */
static const char sql_quarantine_next[] =
    "SELECT id::text AS qid, body, coalesce(source, '') FROM quarantine"
    " WHERE replayed_at IS NULL AND id > $1::bigint"
    " AND ($2::text IS NULL OR source = $2)"
    " ORDER BY id LIMIT 1";
static const char sql_quarantine_mark[] =
    "UPDATE quarantine SET replay_result = $2,"
    " replayed_at = CASE WHEN $3::boolean THEN now() END"
    " WHERE id = $1::bigint";
/* A standby, or a database set read-only, answers every delivery 25006. */
static const char sql_version[] =
    "SELECT coalesce(max(version), 0),"
    " current_setting('transaction_read_only') = 'on'"
    " FROM schema_migrations";
/*
 * The spool's drain and the operator's figures; $1: of that source only
 * (NULL: of all).
 */
static const char sql_figures[] =
    "SELECT (SELECT count(*) FROM quarantine WHERE replayed_at IS NULL"
    "  AND ($1::text IS NULL OR source = $1)),"
    " (SELECT coalesce(extract(epoch FROM max(received_at)), 0) FROM events"
    "  WHERE $1::text IS NULL OR source = $1),"
    " (SELECT coalesce(extract(epoch FROM max(last_received_at)), 0)"
    "  FROM quarantine WHERE $1::text IS NULL OR source = $1)";
static const struct smw_stmt stmt_ingest = { NULL, 2, PGRES_TUPLES_OK, 1,
    "store event", SMW_STMT_INGEST };
static const struct smw_stmt stmt_quarantine = { sql_quarantine, 9,
    PGRES_TUPLES_OK, 1, "quarantine", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_quarantine_next = { sql_quarantine_next,
    2, PGRES_TUPLES_OK, -1, "quarantine", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_quarantine_mark = { sql_quarantine_mark,
    3, PGRES_COMMAND_OK, -1, "quarantine", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_version = { sql_version, 0,
    PGRES_TUPLES_OK, 1, "schema version", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_figures = { sql_figures, 1,
    PGRES_TUPLES_OK, 1, "figures", SMW_STMT_PLAIN };

enum smw_err
smw_store_event(struct smw_store *s, const char *body, size_t len,
    enum smw_store_outcome *out)
{
	PGresult	*r;
	/* The lock timeout, vals[1], is send_call()'s. */
	const char	*vals[2] = { body, NULL };
	int		 lens[2] = { (int)len, 0 };
	int		 fmts[2] = { 0, 0 };
	struct smw_call	 c = { .st = &stmt_ingest, .vals = vals, .lens = lens,
	    .fmts = fmts };
	enum smw_err	 err;

	/* Only here can the data itself be at fault: keep SMW_EINPUT. */
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
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
	const char	*vals[9];
	int		 lens[9] = { 0 };
	int		 fmts[9] = { 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	char		 text[5][QUARANTINE_TEXT_MAX], at[48];
	struct smw_call	 c = { .st = &stmt_quarantine, .vals = vals,
	    .lens = lens, .fmts = fmts };

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
	vals[7] = s->received > 0 ? smw_db_time_text(at, sizeof(at),
	    s->received) : NULL;
	vals[8] = s->source;
	/* Nowhere left to keep it if this fails: only a retry can. */
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	if (id != NULL)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_quarantine_next(struct smw_store *s, long long after,
    const char *only, long long *id, struct smw_buf *body, char *source,
    bool *found)
{
	PGresult	*r;
	char		 num[32];
	const char	*vals[2] = { num, only };
	struct smw_call	 c = { .st = &stmt_quarantine_next, .vals = vals,
	    .resfmt = 1 };
	enum smw_err	 err = SMW_OK;

	*found = false;
	smw_buf_reset(body);
	snprintf(num, sizeof(num), "%lld", after);
	/* Binary results: the body arrives as its raw bytes. */
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	if (PQntuples(r) == 0)
		goto out;
	/* A text value in binary format is its bytes; libpq adds the NUL. */
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(source, SMW_LABEL_MAX + 1, "%.*s", PQgetlength(r, 0, 2),
	    PQgetvalue(r, 0, 2));
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
	struct smw_call	 c = { .st = &stmt_quarantine_mark, .vals = vals };

	snprintf(num, sizeof(num), "%lld", id);
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_version(struct smw_store *s, int *version, bool *read_only)
{
	PGresult	*r;
	struct smw_call	 c = { .st = &stmt_version };

	*version = 0;
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	*version = atoi(PQgetvalue(r, 0, 0));
	if (read_only != NULL)
		*read_only = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return SMW_OK;
}

enum smw_err
smw_store_figures(struct smw_store *s, const char *source,
    struct smw_store_figures *f)
{
	const char	*vals[1] = { source };
	struct smw_call	 c = { .st = &stmt_figures, .vals = vals };
	PGresult	*r = NULL;

	memset(f, 0, sizeof(*f));
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	f->quarantine_pending = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	f->newest_event = strtod(PQgetvalue(r, 0, 1), NULL);
	f->newest_quarantine = strtod(PQgetvalue(r, 0, 2), NULL);
	PQclear(r);
	return SMW_OK;
}

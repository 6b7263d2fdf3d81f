/* SPDX-License-Identifier: MIT */
/*
 * Migrations: the numbered files of sql/ not yet recorded in
 * schema_migrations, applied in order on a session of their own, under an
 * advisory lock, with the schema on the session's search_path.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migrate.h"

/* Largest migration file read. */
#define SQL_FILE_MAX (4 * 1024 * 1024)

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
/* Only migrate keeps a setting in the session: its files name no schema. */
static const char sql_script_path[] =
    "SELECT set_config('search_path', quote_ident($1), false)";
static const struct smw_stmt stmt_create_schema = { sql_create_schema, 1,
    PGRES_TUPLES_OK, 1, "schema", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_bootstrap = { sql_bootstrap, 0,
    PGRES_COMMAND_OK, -1, "bootstrap", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_lock = { sql_lock, 0, PGRES_TUPLES_OK, 1,
    "lock", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_unlock = { sql_unlock, 0, PGRES_TUPLES_OK,
    1, "unlock", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_applied = { sql_applied, 1,
    PGRES_TUPLES_OK, -1, "migrate", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_script_path = { sql_script_path, 1,
    PGRES_TUPLES_OK, 1, "migrate", SMW_STMT_PLAIN };

/*
 * While migrating, a server WARNING is for the operator (002-roles.sql
 * says so when it may not create the group roles): to the log, with its
 * hint.  Notices ("already exists, skipping") stay quiet.
 */
static void
migrate_notice(void *arg, const PGresult *r)
{
	const char	*sev, *msg, *hint;

	(void)arg;
	sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
	if (sev == NULL || msg == NULL || strcmp(sev, "WARNING") != 0)
		return;
	smw_log(SMW_LOG_WARN, "database: migrate: %s%s%s%s", msg,
	    hint != NULL ? " (hint: " : "", hint != NULL ? hint : "",
	    hint != NULL ? ")" : "");
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
	const char	*vals[1] = { ver }, *schema[1] = { s->cfg->schema };
	struct smw_buf	 sql;
	struct smw_call	 c = { .st = &stmt_applied, .vals = vals };
	struct smw_call	 path_c = { .st = &stmt_script_path, .vals = schema };
	struct smw_call	 file = { .st = &smw_stmt_script, .what = name };
	PGresult	*r = NULL;
	enum smw_err	 err;
	bool		 done;

	memcpy(ver, name, 3);
	ver[3] = '\0';
	smw_buf_init(&sql, SQL_FILE_MAX);
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
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
	/* The file runs in this session: put the schema on its path. */
	if ((err = smw_db_run(s, &path_c, &r)) != SMW_OK)
		goto out;
	PQclear(r);
	file.script = sql.data;
	if ((err = smw_db_run(s, &file, &r)) != SMW_OK) {
		err = SMW_EDB;
		goto out;
	}
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
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

/*
 * Migrations run on a connection of their own, without timeouts, under a
 * session advisory lock and with the schema on the session's search_path
 * (the files name no schema): run migrate against the database directly
 * or through session pooling.
 */
enum smw_err
smw_store_migrate(struct smw_store *s, const char *dir, int *applied)
{
	struct dirent	**names = NULL;
	const char	*enc, *vals[1] = { s->cfg->schema };
	struct smw_call	 c = { .st = &stmt_lock };
	PGresult	*r = NULL, *create = NULL;
	enum smw_err	 err;
	int		 n = -1;
	bool		 locked = false;

	*applied = 0;
	s->timeout_ms = 0;
	if ((err = smw_db_open(s)) != SMW_OK)
		goto out;
	PQsetNoticeReceiver(s->conn, migrate_notice, NULL);
	enc = PQparameterStatus(s->conn, "server_encoding");
	if (enc == NULL || strcmp(enc, "UTF8") != 0) {
		smw_log(SMW_LOG_ERR, "database encoding is %s, not UTF8: "
		    "jsonb cannot hold non-ASCII text there; create the "
		    "database with ENCODING 'UTF8' (initdb -E UTF8)",
		    enc ? enc : "unknown");
		err = SMW_ECONFIG;
		goto out;
	}
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
		goto out;
	locked = true;
	PQclear(r);
	c = (struct smw_call){ .st = &stmt_create_schema, .vals = vals };
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
		goto out;
	create = r;
	c = (struct smw_call){ .st = &smw_stmt_script,
	    .script = PQgetvalue(create, 0, 0), .what = "create schema" };
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
		goto out;
	c = (struct smw_call){ .st = &stmt_bootstrap };
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
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
	r = NULL;
	c = (struct smw_call){ .st = &stmt_unlock };
	if (locked && s->conn != NULL && smw_db_run(s, &c, &r) == SMW_OK)
		PQclear(r);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	smw_store_free(s);
	s->timeout_ms = s->cfg->timeout_ms;
	return err;
}


/* SPDX-License-Identifier: MIT */
/*
 * The personal-data commands.  forget erases one person on request, in
 * one transaction; prune applies a retention period in short batches, so
 * that a delivery for a showing being erased waits for one batch at most.
 * The work is done by the SQL functions of sql/015-personal-data.sql; here
 * are the arguments, the batch sizes and what is printed.  Both reach the
 * spool too (sql/021-spool-erasure.sql): forget drains it first, so that
 * what waits there is erased in the tables, then erases the files left
 * (set aside, half-written, not yet due) that hold the person; prune
 * erases the files that arrived before the retention period.  A later
 * drain brings nothing back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "db.h"
#include "drain.h"
#include "privacy.h"
#include "spool.h"
#include "util.h"

/* Longest list of selectors of one kind, bytes. */
#define SELECTORS_MAX 65536

/*
 * A prune batch should hold its rows about this long, ms
 * (doc/personal-data.md): the batch size follows it, and the database
 * stops a batch of showings at BATCH_BUDGET_MS whatever its size.
 */
#define BATCH_TARGET_MS 30.0
#define BATCH_BUDGET_MS 25
#define BATCH_FIRST 10
#define BATCH_MAX 2000

/*
 * The statements: the functions of sql/015-personal-data.sql and
 * sql/021-spool-erasure.sql.
 */
/* The last parameter of each: the source it is limited to, or NULL. */
static const char sql_forget[] =
    "SELECT showings, events, quarantine, coalesce(erasure, 0)"
    " FROM forget(string_to_array($1, E'\\n'), string_to_array($2, E'\\n'),"
    " string_to_array($3, E'\\n'), $4::boolean, $5::text)";
static const char sql_prune_showings[] =
    "SELECT showings, events, next_cursor"
    " FROM prune_showings($1::integer, $2::jsonb, $3::integer,"
    " $4::integer, $5::text)";
static const char sql_prune_quarantine[] =
    "SELECT prune_quarantine($1::integer, $2::integer, $3::text)";
static const char sql_spool_holds[] =
    "SELECT spool_holds($1::bytea, string_to_array($2, E'\\n'),"
    " string_to_array($3, E'\\n'), string_to_array($4, E'\\n'))";
static const char sql_spool_erasure[] =
    "SELECT coalesce(spool_erasure($1::bigint, $2, $3::integer,"
    " string_to_array($4, E'\\n'), string_to_array($5, E'\\n'),"
    " string_to_array($6, E'\\n'), $7::integer, $8::text), 0)";
static const char sql_prune_record[] =
    "SELECT coalesce(prune_record($1::integer, $2::integer, $3::integer,"
    " $4::integer, $5::text), 0)";
static const struct smw_stmt stmt_forget = { sql_forget, 5, PGRES_TUPLES_OK,
    1, "forget", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_prune_showings = { sql_prune_showings, 5,
    PGRES_TUPLES_OK, 1, "prune", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_prune_quarantine = { sql_prune_quarantine,
    3, PGRES_TUPLES_OK, 1, "prune", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_prune_record = { sql_prune_record, 5,
    PGRES_TUPLES_OK, 1, "prune", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_spool_holds = { sql_spool_holds, 4,
    PGRES_TUPLES_OK, 1, "forget (spool)", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_spool_erasure = { sql_spool_erasure, 8,
    PGRES_TUPLES_OK, 1, "erasure (spool)", SMW_STMT_PLAIN };

/*
 * What one call of the schema's SQL functions (only the schema owner may
 * execute them) changed, per table, and the erasures row that records it.
 */
struct smw_erasure {
	long long	 showings;
	long long	 events;
	long long	 quarantine;
	long long	 id;		/* erasures.id; 0 when none recorded */
};

/*
 * Forget one person in one transaction: emails, phones and showing uids are
 * lists of selectors, one a line (none: ""), none containing a line break;
 * in source only (NULL: every source).  With dry_run nothing changes and
 * *out says what would.  No statement timeout applies to it.  SMW_EDB
 * (logged, reason in store->why) when it failed: nothing changed then.
 */
static enum smw_err
forget_rows(struct smw_store *s, const char *emails, const char *phones,
    const char *uids, const char *source, bool dry_run,
    struct smw_erasure *out)
{
	const char	*vals[5] = { emails, phones, uids,
	    dry_run ? "true" : "false", source };
	struct smw_call	 c = { .st = &stmt_forget, .vals = vals };
	PGresult	*r = NULL;
	enum smw_err	 err;

	memset(out, 0, sizeof(*out));
	/* It reads every event: no statement timeout, as for migrate. */
	s->timeout_ms = 0;
	err = smw_db_run(s, &c, &r);
	s->timeout_ms = s->cfg->timeout_ms;
	if (err != SMW_OK)
		return SMW_EDB;
	out->showings = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->events = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	out->quarantine = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	out->id = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

/*
 * One batch of prune, its own transaction: erase up to limit showings
 * (of source only; NULL: of every source) whose last delivery is more
 * than days old, after *cursor (NULL to start; the next one is stored
 * there, malloc'd, NULL when done), and their events, stopping early once
 * it has held its rows budget_ms; adds to *sum.  SMW_EDB, SMW_ENOMEM.
 */
static enum smw_err
prune_showings_batch(struct smw_store *s, int days, int limit,
    int budget_ms, const char *source, char **cursor,
    struct smw_erasure *sum)
{
	char		 d[16], l[16], b[16];
	const char	*vals[5] = { d, *cursor, l, b, source };
	struct smw_call	 c = { .st = &stmt_prune_showings, .vals = vals };
	PGresult	*r = NULL;
	char		*next = NULL;
	enum smw_err	 err;

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	snprintf(b, sizeof(b), "%d", budget_ms);
	if ((err = smw_db_run(s, &c, &r)) != SMW_OK)
		return SMW_EDB;
	if (!PQgetisnull(r, 0, 2) && (next = smw_strndup(PQgetvalue(r, 0, 2),
	    (size_t)PQgetlength(r, 0, 2))) == NULL) {
		err = SMW_ENOMEM;
		goto out;
	}
	sum->showings += strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	sum->events += strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	smw_free(*cursor);
	*cursor = next;
out:
	PQclear(r);
	return err;
}

/*
 * One batch of prune in the quarantine: delete up to limit rows replayed
 * or more than days old (of source only; NULL: of every source);
 * *deleted gets how many.  SMW_EDB.
 */
static enum smw_err
prune_quarantine_batch(struct smw_store *s, int days, int limit,
    const char *source, long long *deleted)
{
	char		 d[16], l[16];
	const char	*vals[3] = { d, l, source };
	struct smw_call	 c = { .st = &stmt_prune_quarantine, .vals = vals };
	PGresult	*r = NULL;

	*deleted = 0;
	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	*deleted = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

/*
 * Record a prune run that changed something (sum's counts), limited to
 * source (NULL: none); sum->id gets the erasures row (0 when nothing
 * changed).  SMW_EDB.
 */
static enum smw_err
prune_record(struct smw_store *s, int days, const char *source,
    struct smw_erasure *sum)
{
	char		 n[4][24];
	const char	*vals[5] = { n[0], n[1], n[2], n[3], source };
	struct smw_call	 c = { .st = &stmt_prune_record, .vals = vals };
	PGresult	*r = NULL;

	snprintf(n[0], sizeof(n[0]), "%d", days);
	snprintf(n[1], sizeof(n[1]), "%lld", sum->showings);
	snprintf(n[2], sizeof(n[2]), "%lld", sum->events);
	snprintf(n[3], sizeof(n[3]), "%lld", sum->quarantine);
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	sum->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

/*
 * Whether a body from the spool (len bytes, any bytes) holds the person
 * of the selector lists (as for smw_store_forget) into *holds
 * (sql/021-spool-erasure.sql).  SMW_EDB.
 */
static enum smw_err
spool_holds(struct smw_store *s, const char *body, size_t len,
    const char *emails, const char *phones, const char *uids, bool *holds)
{
	const char	*vals[4] = { body, emails, phones, uids };
	int		 lens[4] = { (int)len, 0, 0, 0 };
	int		 fmts[4] = { 1, 0, 0, 0 };
	struct smw_call	 c = { .st = &stmt_spool_holds, .vals = vals,
	    .lens = lens, .fmts = fmts };
	PGresult	*r = NULL;

	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	*holds = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return SMW_OK;
}

/*
 * Count n files erased from the spool in erasure *id, or record one
 * (command "forget" with the selector lists, or "prune" of days, limited
 * to source unless NULL) when *id is 0; *id gets the record's id.
 * SMW_EDB.
 */
static enum smw_err
spool_erasure(struct smw_store *s, const char *command, int days,
    const char *emails, const char *phones, const char *uids,
    const char *source, unsigned long n, long long *id)
{
	char		 num[3][24];
	const char	*vals[8] = { num[0], command, days > 0 ? num[1] : NULL,
	    emails, phones, uids, num[2], source };
	struct smw_call	 c = { .st = &stmt_spool_erasure, .vals = vals };
	PGresult	*r = NULL;

	snprintf(num[0], sizeof(num[0]), "%lld", *id);
	snprintf(num[1], sizeof(num[1]), "%d", days);
	snprintf(num[2], sizeof(num[2]), "%lu", n);
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return SMW_OK;
}

enum selector {
	SEL_EMAIL,
	SEL_PHONE,
	SEL_SHOWING,
	SEL__MAX
};

static const char *const selector_opts[SEL__MAX] = {
	[SEL_EMAIL] = "--email",
	[SEL_PHONE] = "--phone",
	[SEL_SHOWING] = "--showing",
};

static int
forget_usage(void)
{
	fputs("usage: showmojo-webhook forget [--dry-run] [--source LABEL] "
	    "[--email ADDR] [--phone NUMBER] [--showing UID]...\n"
	    "At least one selector; each may be given several times.\n",
	    stderr);
	return 2;
}

/* Why v cannot be a selector of kind k, or NULL when it can. */
static const char *
selector_invalid(enum selector k, const char *v)
{
	size_t		 digits = 0;

	if (*v == '\0')
		return "is empty";
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "contains a control character";
		if (*p >= '0' && *p <= '9')
			digits++;
	}
	if (k == SEL_EMAIL && strchr(v, '@') == NULL)
		return "is not an email address";
	if (k == SEL_PHONE && digits < 7)
		return "has fewer than 7 digits";
	return NULL;
}

/* What a spool file is matched against, for forget and prune. */
struct person {
	struct smw_store	*store;
	const char		*lists[SEL__MAX];
	double			 before;	/* prune: arrived before */
	const char		*source;	/* of this source; NULL: any */
};

/*
 * Whether a file of source (NULL: none, or not a whole entry) is outside
 * the source p is limited to.
 */
static bool
other_source(const struct person *p, const char *source)
{
	return p->source != NULL &&
	    (source == NULL || strcmp(source, p->source) != 0);
}

static enum smw_err
holds_person(void *ctx, const char *name, const char *body, size_t len,
    double received, const char *source, bool *hit)
{
	struct person	*p = ctx;

	(void)name;
	(void)received;
	*hit = false;
	if (other_source(p, source))
		return SMW_OK;
	return spool_holds(p->store, body, len, p->lists[SEL_EMAIL],
	    p->lists[SEL_PHONE], p->lists[SEL_SHOWING], hit);
}

static enum smw_err
arrived_before(void *ctx, const char *name, const char *body, size_t len,
    double received, const char *source, bool *hit)
{
	struct person	*p = ctx;

	(void)name;
	(void)body;
	(void)len;
	*hit = received < p->before && !other_source(p, source);
	return SMW_OK;
}

int
cmd_forget(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct person		 p = { .store = store };
	unsigned long		 spooled = 0;
	struct smw_buf		 lists[SEL__MAX];
	struct smw_erasure	 e;
	const char		*v, *why;
	enum smw_err		 err = SMW_OK;
	bool			 dry_run = false;
	int			 n = 0, rc = 2, k;

	store->why[0] = '\0';
	for (k = 0; k < SEL__MAX; k++)
		smw_buf_init(&lists[k], SELECTORS_MAX);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = true;
			continue;
		}
		if ((k = cmd_source("forget", argc, argv, &i, &p.source)) !=
		    1) {
			if (k == 2)
				goto out;
			continue;
		}
		for (k = 0; k < SEL__MAX; k++)
			if ((v = cmd_option(argc, argv, &i,
			    selector_opts[k])) != NULL)
				break;
		if (k == SEL__MAX) {
			rc = forget_usage();
			goto out;
		}
		if ((why = selector_invalid((enum selector)k, v)) != NULL) {
			fprintf(stderr, "forget: %s %s\n", selector_opts[k],
			    why);
			goto out;
		}
		if ((lists[k].len > 0 && (err = smw_buf_append(&lists[k],
		    "\n", 1)) != SMW_OK) ||
		    (err = smw_buf_append(&lists[k], v, strlen(v))) != SMW_OK) {
			fprintf(stderr, "forget: %s: %s\n", selector_opts[k],
			    smw_err_name(err));
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = forget_usage();
		goto out;
	}
	rc = 1;
	for (k = 0; k < SEL__MAX; k++)
		p.lists[k] = lists[k].len ? lists[k].data : "";
	/* What waits in the spool into the tables first, then the rest. */
	if (cfg->spool != NULL && !dry_run && !drain_spool(store, cfg)) {
		fprintf(stderr, "forget: nothing changed: the spool could not "
		    "be drained first (%s)\n", store->why[0] ? store->why :
		    "the spool is unavailable");
		goto out;
	}
	if (cfg->spool != NULL && smw_spool_erase_if(cfg->spool,
	    cfg->max_body, holds_person, &p, dry_run, &spooled) != SMW_OK) {
		fprintf(stderr, "forget: stopped in the spool after %lu files "
		    "erased; the tables unchanged: %s\n", spooled,
		    store->why[0] ? store->why : "spool unavailable");
		goto out;
	}
	if (forget_rows(store, p.lists[SEL_EMAIL], p.lists[SEL_PHONE],
	    p.lists[SEL_SHOWING], p.source, dry_run, &e) != SMW_OK) {
		fprintf(stderr, "forget: nothing changed in the tables%s: "
		    "%s\n", spooled ? " (files erased in the spool)" : "",
		    store->why);
		goto out;
	}
	if (!dry_run && spooled > 0 && spool_erasure(store,
	    "forget", 0, p.lists[SEL_EMAIL], p.lists[SEL_PHONE],
	    p.lists[SEL_SHOWING], p.source, spooled, &e.id) != SMW_OK) {
		fprintf(stderr, "forget: erased, but the %lu files of the "
		    "spool are not in the record: %s\n", spooled, store->why);
		goto out;
	}
	rc = 0;
	if (p.source != NULL)
		printf("forget: source %s only\n", p.source);
	if (dry_run)
		printf("forget --dry-run: would erase in showings %lld, "
		    "events %lld, quarantine %lld, spool %lu; nothing "
		    "changed\n", e.showings, e.events, e.quarantine, spooled);
	else if (e.id == 0)
		printf("forget: nothing to erase (showings 0, events 0, "
		    "quarantine 0, spool 0); nothing recorded\n");
	else
		printf("forget: erased in showings %lld, events %lld, "
		    "quarantine %lld, spool %lu; recorded as erasure %lld\n",
		    e.showings, e.events, e.quarantine, spooled, e.id);
out:
	for (k = 0; k < SEL__MAX; k++)
		smw_buf_free(&lists[k]);
	return rc;
}

static int
prune_usage(void)
{
	fputs("usage: showmojo-webhook prune --personal-older-than DAYS "
	    "[--source LABEL]\n", stderr);
	return 2;
}

/*
 * The next batch size: halved when a batch held its rows longer than the
 * target, doubled when it took less than half of it.
 */
static int
next_limit(int limit, double ms)
{
	if (ms > BATCH_TARGET_MS && limit > 1)
		return limit / 2;
	if (ms < BATCH_TARGET_MS / 2 && limit < BATCH_MAX)
		return limit * 2 > BATCH_MAX ? BATCH_MAX : limit * 2;
	return limit;
}

/* The running counts, on a terminal only, over themselves. */
static void
progress(bool tty, const struct smw_erasure *sum, const char *end)
{
	if (!tty)
		return;
	fprintf(stderr, "\rprune: showings %lld, events %lld, quarantine "
	    "%lld%s", sum->showings, sum->events, sum->quarantine, end);
	fflush(stderr);
}

int
cmd_prune(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct smw_erasure	 sum;
	struct person		 p = { .store = store };
	unsigned long		 spooled = 0;
	char			*cursor = NULL, *end;
	const char		*v = NULL;
	double			 t0, ms, longest = 0;
	long long		 deleted;
	long			 days;
	unsigned long		 batches = 0;
	int			 limit = BATCH_FIRST, i, k, rc = 1;
	bool			 tty = isatty(STDERR_FILENO);

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < argc; i++) {
		if ((k = cmd_source("prune", argc, argv, &i, &p.source)) ==
		    2)
			return 2;
		if (k == 0)
			continue;
		if (v != NULL || (v = cmd_option(argc, argv, &i,
		    "--personal-older-than")) == NULL)
			return prune_usage();
	}
	if (v == NULL)
		return prune_usage();
	days = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || days < 1 || days > 100000) {
		fprintf(stderr, "prune: DAYS must be a whole number of days "
		    "from 1 to 100000\n");
		return 2;
	}
	/* Connected first: the batches' times are the database's. */
	if (smw_store_connect(store) != SMW_OK)
		goto fail;
	do {
		t0 = smw_now_ms();
		if (prune_showings_batch(store, (int)days, limit,
		    BATCH_BUDGET_MS, p.source, &cursor, &sum) != SMW_OK)
			goto fail;
		ms = smw_now_ms() - t0;
		longest = ms > longest ? ms : longest;
		limit = next_limit(limit, ms);
		batches++;
		progress(tty, &sum, "");
	} while (cursor != NULL);
	limit = BATCH_FIRST;
	do {
		t0 = smw_now_ms();
		if (prune_quarantine_batch(store, (int)days, limit,
		    p.source, &deleted) != SMW_OK)
			goto fail;
		ms = smw_now_ms() - t0;
		longest = ms > longest ? ms : longest;
		sum.quarantine += deleted;
		batches++;
		progress(tty, &sum, "");
		if (deleted < limit)
			break;
		limit = next_limit(limit, ms);
	} while (deleted > 0);
	p.before = (double)time(NULL) - days * 86400.0;
	if (cfg->spool != NULL && smw_spool_erase_if(cfg->spool,
	    cfg->max_body, arrived_before, &p, false, &spooled) != SMW_OK) {
		snprintf(store->why, sizeof(store->why), "spool unavailable");
		goto fail;
	}
	if (prune_record(store, (int)days, p.source, &sum) != SMW_OK ||
	    (spooled > 0 && spool_erasure(store, "prune",
	    (int)days, "", "", "", p.source, spooled, &sum.id) != SMW_OK))
		goto fail;
	progress(tty, &sum, "\n");
	if (p.source != NULL)
		printf("prune: source %s only\n", p.source);
	printf("prune: personal data older than %ld days: erased in "
	    "showings %lld, events %lld; quarantine %lld deleted; spool %lu "
	    "erased; %lu batches, longest %.1f ms; ", days, sum.showings,
	    sum.events, sum.quarantine, spooled, batches, longest);
	if (sum.id != 0)
		printf("recorded as erasure %lld\n", sum.id);
	else
		printf("nothing recorded\n");
	rc = 0;
	goto out;
fail:
	progress(tty, &sum, "\n");
	fprintf(stderr, "prune: stopped after showings %lld, events %lld, "
	    "quarantine %lld (kept: a later run goes on): %s\n",
	    sum.showings, sum.events, sum.quarantine, store->why);
	/* What the committed batches did is recorded all the same. */
	if (sum.showings + sum.events + sum.quarantine > 0 &&
	    prune_record(store, (int)days, p.source, &sum) == SMW_OK &&
	    sum.id != 0)
		fprintf(stderr, "prune: recorded as erasure %lld\n", sum.id);
out:
	smw_free(cursor);
	return rc;
}

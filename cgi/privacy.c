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
#include "drain.h"
#include "privacy.h"
#include "spool.h"
#include "util.h"

/* Longest list of selectors of one kind, bytes. */
#define SELECTORS_MAX 65536

/*
 * A prune batch should hold its rows about this long, ms (README): the
 * batch size follows it, and the database stops a batch of showings at
 * BATCH_BUDGET_MS whatever its size.
 */
#define BATCH_TARGET_MS 30.0
#define BATCH_BUDGET_MS 25
#define BATCH_FIRST 10
#define BATCH_MAX 2000

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
	fputs("usage: showmojo-webhook forget [--dry-run] "
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
};

static enum smw_err
holds_person(void *ctx, const char *name, const char *body, size_t len,
    double received, bool *hit)
{
	struct person	*p = ctx;

	(void)name;
	(void)received;
	return smw_store_spool_holds(p->store, body, len, p->lists[SEL_EMAIL],
	    p->lists[SEL_PHONE], p->lists[SEL_SHOWING], hit);
}

static enum smw_err
arrived_before(void *ctx, const char *name, const char *body, size_t len,
    double received, bool *hit)
{
	struct person	*p = ctx;

	(void)name;
	(void)body;
	(void)len;
	*hit = received < p->before;
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
	if (smw_store_forget(store, p.lists[SEL_EMAIL], p.lists[SEL_PHONE],
	    p.lists[SEL_SHOWING], dry_run, &e) != SMW_OK) {
		fprintf(stderr, "forget: nothing changed in the tables%s: "
		    "%s\n", spooled ? " (files erased in the spool)" : "",
		    store->why);
		goto out;
	}
	if (!dry_run && spooled > 0 && smw_store_spool_erasure(store,
	    "forget", 0, p.lists[SEL_EMAIL], p.lists[SEL_PHONE],
	    p.lists[SEL_SHOWING], spooled, &e.id) != SMW_OK) {
		fprintf(stderr, "forget: erased, but the %lu files of the "
		    "spool are not in the record: %s\n", spooled, store->why);
		goto out;
	}
	rc = 0;
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
	fputs("usage: showmojo-webhook prune --personal-older-than DAYS\n",
	    stderr);
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
	int			 limit = BATCH_FIRST, i = 0, rc = 1;
	bool			 tty = isatty(STDERR_FILENO);

	memset(&sum, 0, sizeof(sum));
	if (argc != 1 && argc != 2)
		return prune_usage();
	if ((v = cmd_option(argc, argv, &i, "--personal-older-than")) ==
	    NULL || i != argc - 1)
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
		if (smw_store_prune_showings(store, (int)days, limit,
		    BATCH_BUDGET_MS, &cursor, &sum) != SMW_OK)
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
		if (smw_store_prune_quarantine(store, (int)days, limit,
		    &deleted) != SMW_OK)
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
	if (smw_store_prune_record(store, (int)days, &sum) != SMW_OK ||
	    (spooled > 0 && smw_store_spool_erasure(store, "prune",
	    (int)days, "", "", "", spooled, &sum.id) != SMW_OK))
		goto fail;
	progress(tty, &sum, "\n");
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
	    smw_store_prune_record(store, (int)days, &sum) == SMW_OK &&
	    sum.id != 0)
		fprintf(stderr, "prune: recorded as erasure %lld\n", sum.id);
out:
	smw_free(cursor);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The personal-data commands.  forget erases one person on request, in
 * one transaction; prune applies a retention period in short batches, so
 * that a delivery for a showing being erased waits for one batch at most.
 * The work is done by the SQL functions of sql/015-personal-data.sql; here
 * are the arguments, the batch sizes and what is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privacy.h"
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

/* The option of argv[*i] and its value (--opt VALUE or --opt=VALUE). */
static const char *
option_value(int argc, char *argv[], int *i, const char *opt)
{
	size_t		 n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int
forget(int argc, char *argv[], struct smw_store *store)
{
	struct smw_buf		 lists[SEL__MAX];
	struct smw_erasure	 e;
	const char		*v, *why;
	enum smw_err		 err = SMW_OK;
	bool			 dry_run = false;
	int			 n = 0, rc = 2, k;

	for (k = 0; k < SEL__MAX; k++)
		smw_buf_init(&lists[k], SELECTORS_MAX);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = true;
			continue;
		}
		for (k = 0; k < SEL__MAX; k++)
			if ((v = option_value(argc, argv, &i,
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
	if (smw_store_forget(store, lists[SEL_EMAIL].len ?
	    lists[SEL_EMAIL].data : "", lists[SEL_PHONE].len ?
	    lists[SEL_PHONE].data : "", lists[SEL_SHOWING].len ?
	    lists[SEL_SHOWING].data : "", dry_run, &e) != SMW_OK) {
		fprintf(stderr, "forget: nothing changed: %s\n", store->why);
		goto out;
	}
	rc = 0;
	if (dry_run)
		printf("forget --dry-run: would erase in showings %lld, "
		    "events %lld, quarantine %lld; nothing changed\n",
		    e.showings, e.events, e.quarantine);
	else if (e.id == 0)
		printf("forget: nothing to erase (showings 0, events 0, "
		    "quarantine 0); nothing recorded\n");
	else
		printf("forget: erased in showings %lld, events %lld, "
		    "quarantine %lld; recorded as erasure %lld\n",
		    e.showings, e.events, e.quarantine, e.id);
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
prune(int argc, char *argv[], struct smw_store *store)
{
	struct smw_erasure	 sum;
	char			*cursor = NULL, *end;
	const char		*v = NULL;
	double			 t0, ms, longest = 0;
	long long		 deleted;
	long			 days;
	unsigned long		 batches = 0;
	int			 limit = BATCH_FIRST, i = 1, rc = 1;
	bool			 tty = isatty(STDERR_FILENO);

	memset(&sum, 0, sizeof(sum));
	if (argc != 2 && argc != 3)
		return prune_usage();
	if ((v = option_value(argc, argv, &i, "--personal-older-than")) ==
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
	if (smw_store_prune_record(store, (int)days, &sum) != SMW_OK)
		goto fail;
	progress(tty, &sum, "\n");
	printf("prune: personal data older than %ld days: erased in "
	    "showings %lld, events %lld; quarantine %lld deleted; "
	    "%lu batches, longest %.1f ms; ", days, sum.showings, sum.events,
	    sum.quarantine, batches, longest);
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

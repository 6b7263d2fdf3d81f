/* SPDX-License-Identifier: MIT */
/*
 * What the operator is warned with (doc/operations.md, "Signals"): the
 * requests a process answered, by outcome, and those it refused before
 * the database, by reason, with the fingerprints of refused tokens.  A
 * process counts in memory and adds its counts to the database's counts
 * and refused_tokens tables (sql/023-signals.sql) at most once every
 * SMW_TALLY_EVERY_MS, so that a flood of refused requests costs one
 * small write per process per interval; the log, too, gets the first
 * refusal of each kind in an interval and then one line for the rest.
 * One tally per process.
 */
#ifndef SMW_TALLY_H
#define SMW_TALLY_H

#include <stdbool.h>

#include "db.h"
#include "sha256.h"

/* What is counted; the order is the order rows are written in. */
enum smw_count {
	SMW_COUNT_STORED,		/* requests: their outcome */
	SMW_COUNT_DUPLICATE,
	SMW_COUNT_QUARANTINED,
	SMW_COUNT_SPOOLED,
	SMW_COUNT_FAILED,		/* answered 500 */
	SMW_COUNT_DRAINED_STORED,	/* the spool's entries, drained */
	SMW_COUNT_DRAINED_DUPLICATE,
	SMW_COUNT_DRAINED_QUARANTINED,
	SMW_COUNT_NO_TOKEN,		/* refused: 401, no token offered */
	SMW_COUNT_WRONG_TOKEN,		/* 401, a token not configured */
	SMW_COUNT_METHOD,		/* 405 */
	SMW_COUNT_TOO_LARGE,		/* 413 */
	SMW_COUNT_BAD_REQUEST,		/* 400: a malformed CONTENT_LENGTH */
	SMW_COUNT_MISCONFIGURED,	/* 503: nothing may be accepted */
	SMW_COUNT__MAX
};

/* A counter's name: the Prometheus metric's part and its label. */
struct smw_count_name {
	const char	*metric;	/* deliveries, spool_drained, ... */
	const char	*label;		/* outcome or reason */
	const char	*row;		/* its row in counts: "metric:label" */
};

extern const struct smw_count_name smw_count_names[SMW_COUNT__MAX];

/* The first refused kind, for loops over the refusals only. */
#define SMW_COUNT_REFUSED_FIRST	SMW_COUNT_NO_TOKEN

#define SMW_TALLY_EVERY_MS	10000
/* Fingerprints a process keeps between writes; more count only in total. */
#define SMW_TALLY_TOKENS	8
/* Fingerprints the database keeps: the most recently refused. */
#define SMW_TALLY_KEEP		16

/*
 * Count one request of kind c; fp is a refused token's fingerprint, or
 * NULL.  Returns whether the caller is to log it: the first of its kind
 * (and fingerprint) since the last write; the rest are said in one line
 * by smw_tally_write().
 */
bool smw_tally(enum smw_count c, const char *fp);

/*
 * Add what was counted to the database when a write is due (force: as
 * soon as anything was counted), unless an outage is known: a process
 * must not wait on a database that is away.  Counts that could not be
 * written stay for the next write.  Logs the refusals not logged one by
 * one.  Never fails the caller: a failure is logged.
 */
void smw_tally_write(struct smw_store *, bool force);

/* Milliseconds until a write is due; -1 when nothing waits. */
int smw_tally_due_ms(void);

/* What the database holds, for "check" and its metrics. */
struct smw_tally_token {
	char		 fingerprint[SMW_FINGERPRINT_LEN + 1];
	long long	 refused;
	double		 first, latest;		/* Unix s */
};
struct smw_tally_record {
	long long		 total[SMW_COUNT__MAX];
	double			 latest[SMW_COUNT__MAX];	/* 0: never */
	struct smw_tally_token	 tokens[SMW_TALLY_KEEP];	/* newest 1st */
	int			 ntokens;
};

/* Fill *r from the database.  SMW_EDB (logged). */
enum smw_err smw_tally_read(struct smw_store *, struct smw_tally_record *r)
    SMW_MUSTCHECK;

#endif

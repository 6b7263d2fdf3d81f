/* SPDX-License-Identifier: MIT */
/*
 * The process's counts, kept in memory between writes, and the two
 * statements that add them to the database and read them back.  Counts
 * are written in a fixed order (the enum's, then fingerprints sorted), so
 * that two processes writing at once lock rows in the same order and
 * cannot deadlock; the fingerprints beyond the SMW_TALLY_KEEP latest are
 * dropped with SKIP LOCKED for the same reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "outage.h"
#include "tally.h"

#define C(m, l)	{ #m, #l, #m ":" #l }
const struct smw_count_name smw_count_names[SMW_COUNT__MAX] = {
	[SMW_COUNT_STORED] = C(deliveries, stored),
	[SMW_COUNT_DUPLICATE] = C(deliveries, duplicate),
	[SMW_COUNT_QUARANTINED] = C(deliveries, quarantined),
	[SMW_COUNT_SPOOLED] = C(deliveries, spooled),
	[SMW_COUNT_FAILED] = C(deliveries, failed),
	[SMW_COUNT_DRAINED_STORED] = C(spool_drained, stored),
	[SMW_COUNT_DRAINED_DUPLICATE] = C(spool_drained, duplicate),
	[SMW_COUNT_DRAINED_QUARANTINED] = C(spool_drained, quarantined),
	[SMW_COUNT_NO_TOKEN] = C(rejected, no_token),
	[SMW_COUNT_WRONG_TOKEN] = C(rejected, wrong_token),
	[SMW_COUNT_METHOD] = C(rejected, method),
	[SMW_COUNT_TOO_LARGE] = C(rejected, too_large),
	[SMW_COUNT_BAD_REQUEST] = C(rejected, bad_request),
	[SMW_COUNT_MISCONFIGURED] = C(rejected, misconfigured),
};
#undef C

/*
 * $1-$3: counters, their counts and latest times (Unix s); $4-$7:
 * refused fingerprints, counts, first and latest times.
 */
static const char sql_write[] =
    "WITH c AS (INSERT INTO counts AS k (name, total, latest_at)"
    "  SELECT n, t, to_timestamp(l)"
    "  FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS u(n, t, l)"
    "  ON CONFLICT (name) DO UPDATE SET total = k.total + excluded.total,"
    "  latest_at = greatest(k.latest_at, excluded.latest_at)),"
    " f AS (INSERT INTO refused_tokens AS r"
    "  (fingerprint, refused, first_at, latest_at)"
    "  SELECT f, t, to_timestamp(a), to_timestamp(l)"
    "  FROM unnest($4::text[], $5::bigint[], $6::float8[], $7::float8[])"
    "   AS u(f, t, a, l)"
    "  ON CONFLICT (fingerprint) DO UPDATE"
    "  SET refused = r.refused + excluded.refused,"
    "  first_at = least(r.first_at, excluded.first_at),"
    "  latest_at = greatest(r.latest_at, excluded.latest_at))"
    " DELETE FROM refused_tokens WHERE fingerprint IN ("
    "  SELECT fingerprint FROM refused_tokens"
    "  WHERE fingerprint <> ALL ($4::text[])"
    "  ORDER BY latest_at DESC OFFSET " SMW_STR(SMW_TALLY_KEEP)
    "  FOR UPDATE SKIP LOCKED)";
static const char sql_read[] =
    "SELECT 'c', name, total, 0::float8,"
    " extract(epoch FROM latest_at)::float8 FROM counts"
    " UNION ALL (SELECT 't', fingerprint, refused,"
    " extract(epoch FROM first_at)::float8,"
    " extract(epoch FROM latest_at)::float8 FROM refused_tokens"
    " ORDER BY latest_at DESC LIMIT " SMW_STR(SMW_TALLY_KEEP) ")";
static const struct smw_stmt stmt_write = { sql_write, 7, PGRES_COMMAND_OK,
    -1, "counts", SMW_STMT_PLAIN };
static const struct smw_stmt stmt_read = { sql_read, 0, PGRES_TUPLES_OK, -1,
    "counts", SMW_STMT_PLAIN };

/* A refused token's fingerprint and what is pending for it. */
struct token {
	char		 fp[SMW_FINGERPRINT_LEN + 1];
	long long	 n, quiet;	/* counted; not logged this interval */
	double		 first, latest;
	bool		 logged;
};

static struct {
	long long	 n[SMW_COUNT__MAX];	/* not written yet */
	double		 latest[SMW_COUNT__MAX];
	long long	 quiet[SMW_COUNT__MAX];	/* not logged this interval */
	bool		 logged[SMW_COUNT__MAX];
	struct token	 tok[SMW_TALLY_TOKENS];
	int		 ntok;
	double		 written;	/* the last write (or try), ms */
	bool		 any;		/* something not written */
} t;

static double
wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first of this interval is logged, the rest counted as quiet. */
static bool
first(bool *logged, long long *quiet)
{
	if (!*logged)
		return *logged = true;
	(*quiet)++;
	return false;
}

bool
smw_tally(enum smw_count c, const char *fp)
{
	double		 now = wall();
	struct token	*k = NULL;

	t.n[c]++;
	t.latest[c] = now;
	t.any = true;
	for (int i = 0; fp != NULL && i < t.ntok && k == NULL; i++)
		if (strcmp(t.tok[i].fp, fp) == 0)
			k = &t.tok[i];
	if (fp != NULL && k == NULL && t.ntok < SMW_TALLY_TOKENS) {
		k = &t.tok[t.ntok++];
		memset(k, 0, sizeof(*k));
		snprintf(k->fp, sizeof(k->fp), "%s", fp);
		k->first = now;
	}
	if (k == NULL)
		return first(&t.logged[c], &t.quiet[c]);
	k->n++;
	k->latest = now;
	return first(&k->logged, &k->quiet);
}

int
smw_tally_due_ms(void)
{
	double	 left;

	if (!t.any)
		return -1;
	left = t.written + SMW_TALLY_EVERY_MS - smw_now_ms();
	return left > 0 ? (int)left + 1 : 0;
}

/* The refusals not logged one by one in the interval that ends. */
static void
log_quiet(double secs)
{
	for (int c = SMW_COUNT_REFUSED_FIRST; c < SMW_COUNT__MAX; c++) {
		if (t.quiet[c] > 0)
			smw_log(SMW_LOG_WARN, "refused %lld more requests in "
			    "%.0f s: reason=%s", t.quiet[c], secs,
			    smw_count_names[c].label);
		t.quiet[c] = 0;
		t.logged[c] = false;
	}
	for (int i = 0; i < t.ntok; i++) {
		if (t.tok[i].quiet > 0)
			smw_log(SMW_LOG_WARN, "refused %lld more requests in "
			    "%.0f s: reason=wrong_token fingerprint=%s",
			    t.tok[i].quiet, secs, t.tok[i].fp);
		t.tok[i].quiet = 0;
		t.tok[i].logged = false;
	}
}

static int
by_fp(const void *a, const void *b)
{
	return strcmp(((const struct token *)a)->fp,
	    ((const struct token *)b)->fp);
}

/* Append "v" and a separator to an array literal; false when full. */
static bool
put(char *buf, size_t sz, size_t *len, const char *fmt, ...)
    SMW_PRINTF(4, 5);
static bool
put(char *buf, size_t sz, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, sz - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz - *len)
		return false;
	*len += (size_t)n;
	return true;
}

/* The pending counts as the statement's seven array parameters. */
#define ARRAY_MAX	1024
static bool
arrays(char a[7][ARRAY_MAX])
{
	size_t	 len[7] = { 0 };
	bool	 ok = true;

	for (int i = 0; i < 7; i++)
		ok &= put(a[i], ARRAY_MAX, &len[i], "{");
	for (int c = 0; c < SMW_COUNT__MAX; c++) {
		if (t.n[c] == 0)
			continue;
		ok &= put(a[0], ARRAY_MAX, &len[0], "%s%s", len[0] > 1 ?
		    "," : "", smw_count_names[c].row);
		ok &= put(a[1], ARRAY_MAX, &len[1], "%s%lld", len[1] > 1 ?
		    "," : "", t.n[c]);
		ok &= put(a[2], ARRAY_MAX, &len[2], "%s%.6f", len[2] > 1 ?
		    "," : "", t.latest[c]);
	}
	qsort(t.tok, t.ntok, sizeof(t.tok[0]), by_fp);
	for (int i = 0; i < t.ntok; i++) {
		ok &= put(a[3], ARRAY_MAX, &len[3], "%s%s", i ? "," : "",
		    t.tok[i].fp);
		ok &= put(a[4], ARRAY_MAX, &len[4], "%s%lld", i ? "," : "",
		    t.tok[i].n);
		ok &= put(a[5], ARRAY_MAX, &len[5], "%s%.6f", i ? "," : "",
		    t.tok[i].first);
		ok &= put(a[6], ARRAY_MAX, &len[6], "%s%.6f", i ? "," : "",
		    t.tok[i].latest);
	}
	for (int i = 0; i < 7; i++)
		ok &= put(a[i], ARRAY_MAX, &len[i], "}");
	return ok;
}

void
smw_tally_write(struct smw_store *s, bool force)
{
	static char	 a[7][ARRAY_MAX];
	const char	*vals[7];
	PGresult	*r;
	struct smw_call	 c = { .st = &stmt_write, .vals = vals };
	double		 now = smw_now_ms(), received = s->received;
	enum smw_err	 err;

	if (!t.any || (!force && now - t.written < SMW_TALLY_EVERY_MS))
		return;
	log_quiet(t.written > 0 ? (now - t.written) / 1000 :
	    SMW_TALLY_EVERY_MS / 1000);
	t.written = now;
	if (smw_outage_known(s->cfg))
		return;
	/* Cannot happen: 14 counters and 8 fingerprints fit. */
	if (!arrays(a)) {
		smw_log(SMW_LOG_ERR, "counts: too long to write");
		return;
	}
	for (int i = 0; i < 7; i++)
		vals[i] = a[i];
	/* Not a delivery from the spool, whatever the store last did. */
	s->received = 0;
	err = smw_db_run(s, &c, &r);
	s->received = received;
	if (err != SMW_OK)
		return;
	PQclear(r);
	memset(t.n, 0, sizeof(t.n));
	memset(t.latest, 0, sizeof(t.latest));
	t.ntok = 0;
	t.any = false;
}

enum smw_err
smw_tally_read(struct smw_store *s, struct smw_tally_record *rec)
{
	struct smw_call		 c = { .st = &stmt_read };
	struct smw_tally_token	*k;
	PGresult		*r;
	const char		*name;

	memset(rec, 0, sizeof(*rec));
	if (smw_db_run(s, &c, &r) != SMW_OK)
		return SMW_EDB;
	for (int i = 0; i < PQntuples(r); i++) {
		name = PQgetvalue(r, i, 1);
		if (*PQgetvalue(r, i, 0) == 't') {
			if (rec->ntokens == SMW_TALLY_KEEP)
				continue;
			k = &rec->tokens[rec->ntokens++];
			snprintf(k->fingerprint, sizeof(k->fingerprint), "%s",
			    name);
			k->refused = strtoll(PQgetvalue(r, i, 2), NULL, 10);
			k->first = strtod(PQgetvalue(r, i, 3), NULL);
			k->latest = strtod(PQgetvalue(r, i, 4), NULL);
			continue;
		}
		/* A counter this program does not know is left out. */
		for (int n = 0; n < SMW_COUNT__MAX; n++)
			if (strcmp(name, smw_count_names[n].row) == 0) {
				rec->total[n] = strtoll(PQgetvalue(r, i, 2),
				    NULL, 10);
				rec->latest[n] = strtod(PQgetvalue(r, i, 4),
				    NULL);
			}
	}
	PQclear(r);
	return SMW_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * What an operator watches: "check" (in words, and an exit status),
 * "check --max-silence", "check --metrics" (Prometheus text), and the
 * spool's part of the health answer.  Reads the spool and the database;
 * changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "commands.h"
#include "log.h"
#include "outage.h"
#include "spool.h"
#include "tally.h"

/* How long ago a refusal still calls for a word in "check". */
#define RECENT_S	(24 * 3600)

/* Everything "check" reports, from the spool and the database. */
struct figures {
	struct smw_spool_figures	 spool;
	struct smw_store_figures	 db;
	struct smw_tally_record		 counts;
	int				 version;
	bool				 spool_ok, db_ok, counts_ok;
	bool				 can_take;	/* a delivery now */
	char				 cannot[160];	/* why not */
	double				 newest;	/* arrival; 0: none */
};

/*
 * The figures; of one source (its label; NULL: of all), the database's
 * are that source's and the spool's, which are not split by source, are
 * left out of the newest arrival.
 */
static void
gather(struct smw_store *store, const struct smw_config *cfg,
    const char *source, struct figures *f)
{
	memset(f, 0, sizeof(*f));
	f->spool_ok = cfg->spool != NULL &&
	    smw_spool_figures(cfg->spool, &f->spool) == SMW_OK;
	f->can_take = f->spool_ok && smw_spool_can_take(cfg->spool,
	    cfg->spool_max, f->cannot, sizeof(f->cannot));
	/* Not asked again when the call before found it away (check). */
	f->db_ok = !store->unreachable &&
	    smw_store_figures(store, source, &f->db) == SMW_OK;
	/* Counts need the schema's signals (023); a figure may be missing. */
	f->counts_ok = f->db_ok &&
	    smw_store_version(store, &f->version, NULL) == SMW_OK &&
	    f->version >= 23 && smw_tally_read(store, &f->counts) == SMW_OK;
	f->newest = source == NULL ? f->spool.newest : 0;
	if (f->db.newest_event > f->newest)
		f->newest = f->db.newest_event;
	if (f->db.newest_quarantine > f->newest)
		f->newest = f->db.newest_quarantine;
}

/* A time as UTC ISO 8601 and how long ago, into buf. */
static const char *
when(char *buf, size_t sz, double t, double now)
{
	struct tm	 tm;
	time_t		 s = (time_t)t;
	char		 iso[32];

	gmtime_r(&s, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, sz, "%s (%.1f h ago)", iso, (now - t) / 3600);
	return buf;
}

static void
metric(const char *name, const char *help, double v)
{
	printf("# HELP showmojo_%s %s\n# TYPE showmojo_%s gauge\n"
	    "showmojo_%s %.17g\n", name, help, name, name, v);
}

/* One family of counters (metric: deliveries, ...), a series a label. */
static void
counters(const struct smw_tally_record *r, const char *metric,
    const char *label, const char *help)
{
	printf("# HELP showmojo_%s_total %s\n# TYPE showmojo_%s_total "
	    "counter\n", metric, help, metric);
	for (int c = 0; c < SMW_COUNT__MAX; c++)
		if (strcmp(smw_count_names[c].metric, metric) == 0)
			printf("showmojo_%s_total{%s=\"%s\"} %lld\n", metric,
			    label, smw_count_names[c].label, r->total[c]);
}

#define LAST_REJECTED	"showmojo_rejected_last_timestamp_seconds"

/* The counts in the Prometheus text format. */
static void
count_metrics(const struct smw_tally_record *r)
{
	double	 unauthorized;

	counters(r, "deliveries", "outcome", "Requests answered, by outcome "
	    "(failed: answered 500).");
	counters(r, "spool_drained", "outcome", "Spooled deliveries stored "
	    "from the spool, by outcome.");
	counters(r, "rejected", "reason", "Requests refused before the "
	    "database, by reason (401: no_token, wrong_token; 405: method; "
	    "413: too_large; 400: bad_request; 503: misconfigured).");
	printf("# HELP %s When the latest request was refused, by reason "
	    "(0: never).\n# TYPE %s gauge\n", LAST_REJECTED, LAST_REJECTED);
	for (int c = SMW_COUNT_REFUSED_FIRST; c < SMW_COUNT__MAX; c++)
		printf("%s{reason=\"%s\"} %.17g\n", LAST_REJECTED,
		    smw_count_names[c].label, r->latest[c]);
	unauthorized = r->latest[SMW_COUNT_NO_TOKEN];
	if (r->latest[SMW_COUNT_WRONG_TOKEN] > unauthorized)
		unauthorized = r->latest[SMW_COUNT_WRONG_TOKEN];
	metric("last_unauthorized_timestamp_seconds", "When the latest "
	    "request was refused with 401, no token or a wrong one (0: never).",
	    unauthorized);
}

/* The figures in the Prometheus text exposition format (version 0.0.4). */
static void
metrics(const struct smw_config *cfg, const struct figures *f, double now)
{
	metric("database_up", "Whether the database answered.", f->db_ok);
	if (cfg->spool != NULL) {
		metric("spool_up", "Whether the spool directory could be read.",
		    f->spool_ok);
		metric("spool_entries", "Deliveries waiting in the spool.",
		    f->spool.entries);
		metric("spool_bytes", "Bytes the spool holds.",
		    (double)f->spool.bytes);
		metric("spool_max_bytes", "SHOWMOJO_SPOOL_MAX.",
		    (double)cfg->spool_max);
		metric("spool_oldest_age_seconds", "Age of the oldest spooled "
		    "delivery (0: none).", f->spool.entries ?
		    now - f->spool.oldest : 0);
		metric("spool_damaged_entries", "Spool entries set aside "
		    "(bad-*): damaged, odd, or failing on every try.",
		    f->spool.bad);
		metric("spool_can_take", "Whether the spool can take a "
		    "delivery now (writable, under SHOWMOJO_SPOOL_MAX).",
		    f->can_take);
	}
	if (f->db_ok)
		metric("schema_version", "The database's schema version.",
		    f->version);
	if (f->counts_ok)
		count_metrics(&f->counts);
	if (f->db_ok) {
		metric("quarantine_pending", "Quarantined deliveries not yet "
		    "replayed.", (double)f->db.quarantine_pending);
		metric("last_stored_timestamp_seconds", "When the newest "
		    "stored event was received (0: none).",
		    f->db.newest_event);
	}
	metric("last_delivery_timestamp_seconds", "When the newest delivery "
	    "arrived: stored, quarantined or spooled (0: none known).",
	    f->newest);
}

/* A time of day (UTC) for a sentence, into buf. */
static const char *
clock_of(char *buf, size_t sz, double t)
{
	struct tm	 tm;
	time_t		 s = (time_t)t;

	gmtime_r(&s, &tm);
	strftime(buf, sz, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

/*
 * What the refusals of the last RECENT_S say, in words, with what to do.
 * A refusal after which a delivery was stored no longer fails the check:
 * ShowMojo's token is accepted, so the refused ones came from elsewhere
 * or before a fix.  Returns 1 when one still calls for action.
 */
static int
explain(const struct figures *f, double now)
{
	static const struct {
		enum smw_count	 c;
		bool		 act;	/* a ShowMojo delivery may be lost */
		const char	*what, *todo;
	} words[] = {
		{ SMW_COUNT_NO_TOKEN, true, "without a token",
		    "is ShowMojo configured with an http:// URL? It sends the "
		    "token over HTTPS only; or the web server does not pass "
		    "the Authorization header on (doc/deployment.md)" },
		{ SMW_COUNT_TOO_LARGE, true, "larger than SHOWMOJO_MAX_BODY",
		    "raise SHOWMOJO_MAX_BODY, and the web server's own limit" },
		{ SMW_COUNT_MISCONFIGURED, true, "while nothing could be "
		    "accepted", "see the configuration line above" },
		{ SMW_COUNT_BAD_REQUEST, false, "with a malformed "
		    "Content-Length", "not from ShowMojo; nothing to do" },
		{ SMW_COUNT_METHOD, false, "with a method other than POST",
		    "not ShowMojo's deliveries (browsers, scanners); nothing "
		    "to do" },
	};
	const struct smw_tally_record	*r = &f->counts;
	const struct smw_tally_token	*k;
	char				 a[40], b[40];
	int				 rc = 0;
	bool				 stale;

	for (int i = 0; i < r->ntokens; i++) {
		k = &r->tokens[i];
		if (now - k->latest > RECENT_S)
			continue;
		stale = f->db.newest_event > k->latest;
		printf("refused: %lld deliver%s with an unknown token since %s "
		    "(fingerprint %s, latest %s): %s\n", k->refused,
		    k->refused == 1 ? "y" : "ies",
		    clock_of(a, sizeof(a), k->first), k->fingerprint,
		    clock_of(b, sizeof(b), k->latest), stale ?
		    "deliveries were stored since, so ShowMojo's token is "
		    "accepted; these came from elsewhere, or before a fix" :
		    "the token in ShowMojo was probably regenerated; add it "
		    "to SHOWMOJO_TOKENS or SHOWMOJO_TOKEN_FILE (a token's "
		    "fingerprint is the first 8 hex digits of its SHA-256: "
		    "printf %s TOKEN | sha256sum)");
		rc |= !stale;
	}
	if (r->total[SMW_COUNT_WRONG_TOKEN] > 0 && r->ntokens == 0)
		printf("refused: %lld with an unknown token in all\n",
		    r->total[SMW_COUNT_WRONG_TOKEN]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (r->latest[words[i].c] == 0 ||
		    now - r->latest[words[i].c] > RECENT_S)
			continue;
		stale = !words[i].act ||
		    f->db.newest_event > r->latest[words[i].c];
		printf("refused: %lld request%s %s in all, the latest %s: "
		    "%s%s\n", r->total[words[i].c], r->total[words[i].c] == 1 ?
		    "" : "s", words[i].what, clock_of(a, sizeof(a),
		    r->latest[words[i].c]), words[i].act && stale ?
		    "deliveries were stored since; if more come, " :
		    "", words[i].todo);
		rc |= !stale;
	}
	return rc;
}

int
check_figures(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct figures	 f;
	struct timespec	 ts;
	char		*end, buf[80];
	const char	*v, *source = NULL;
	double		 now, silence = -1;
	int		 rc = 0;
	bool		 prom = false;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--metrics") == 0)
			prom = true;
		else if ((v = cmd_option(argc, argv, &i, "--max-silence")) !=
		    NULL) {
			errno = 0;
			silence = strtod(v, &end);
			if (errno != 0 || *end != '\0' || end == v ||
			    !(silence > 0)) {
				fprintf(stderr, "check: --max-silence takes "
				    "a number of hours\n");
				return 2;
			}
		} else if ((v = cmd_option(argc, argv, &i, "--source")) !=
		    NULL) {
			if (!smw_config_label_valid(v, strlen(v))) {
				fprintf(stderr, "check: --source takes a "
				    "token's label ([A-Za-z0-9_.-], 1 to %d)\n",
				    SMW_LABEL_MAX);
				return 2;
			}
			source = v;
		} else {
			fprintf(stderr, "usage: showmojo-webhook check "
			    "[--max-silence HOURS] [--metrics] "
			    "[--source LABEL]\n");
			return 2;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	gather(store, cfg, source, &f);
	if (prom) {
		metrics(cfg, &f, now);
		return fflush(stdout) != 0;
	}
	if (cfg->spool == NULL)
		printf("spool: off (SHOWMOJO_SPOOL not set)\n");
	else if (!f.spool_ok) {
		printf("spool: %s cannot be read\n", cfg->spool);
		rc = 1;
	} else
		printf("spool: %s: %lu waiting (%llu bytes of %llu)%s%s; %lu "
		    "set aside as damaged\n", cfg->spool, f.spool.entries,
		    f.spool.bytes, cfg->spool_max, f.spool.entries ?
		    ", oldest received " : "", f.spool.entries ? when(buf,
		    sizeof(buf), f.spool.oldest, now) : "", f.spool.bad);
	if (cfg->spool != NULL && f.spool_ok && !f.can_take) {
		printf("spool: cannot take a delivery now: %s\n", f.cannot);
		rc = 1;
	}
	if (cfg->spool != NULL && smw_outage_known(cfg))
		printf("spool: an outage is known (%s/.unreachable): "
		    "deliveries are spooled at once until a probe finds the "
		    "database\n", cfg->spool);
	if (source != NULL)
		printf("source: %s (the figures below are its own; the "
		    "spool's are of every source)\n", source);
	if (f.db_ok) {
		printf("quarantine: %lld pending\n",
		    f.db.quarantine_pending);
		printf("newest stored delivery: %s\n", f.db.newest_event > 0 ?
		    when(buf, sizeof(buf), f.db.newest_event, now) : "none");
		if (f.counts_ok)
			rc |= explain(&f, now);
	} else
		rc = 1;
	if (silence > 0) {
		if (f.newest == 0 || now - f.newest > silence * 3600) {
			printf("silence: nothing arrived for more than %g h: "
			    "has ShowMojo disabled the webhook?\n", silence);
			rc = 1;
		} else
			printf("silence: last delivery %.1f h ago, within "
			    "%g h\n", (now - f.newest) / 3600, silence);
	}
	return rc;
}

void
drain_health(const struct smw_config *cfg, bool db_ok, char *body,
    size_t bodysz)
{
	struct smw_spool_usage	 u;
	size_t			 len = strlen(body);
	char			 why[160];

	if (cfg->spool == NULL || len == 0 || body[len - 1] != '}')
		return;
	/* What is kept, not a walk of the directory: constant cost. */
	if (!smw_spool_can_take(cfg->spool, cfg->spool_max, why,
	    sizeof(why))) {
		smw_log(SMW_LOG_ERR, "spool %s: cannot take a delivery: %s",
		    cfg->spool, why);
		snprintf(body + len - 1, bodysz - len + 1, ",\"spooling\":"
		    "false,\"spool\":\"cannot take deliveries\"}");
	} else if (smw_spool_usage(cfg->spool, &u) == SMW_OK)
		snprintf(body + len - 1, bodysz - len + 1, ",\"spooling\":%s,"
		    "\"spool_entries\":%lu}", db_ok ? "false" : "true",
		    u.entries);
}

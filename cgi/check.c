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

/* Everything "check" reports, from the spool and the database. */
struct figures {
	struct smw_spool_figures	 spool;
	struct smw_store_figures	 db;
	bool				 spool_ok, db_ok;
	bool				 can_take;	/* a delivery now */
	char				 cannot[160];	/* why not */
	double				 newest;	/* arrival; 0: none */
};

static void
gather(struct smw_store *store, const struct smw_config *cfg,
    struct figures *f)
{
	memset(f, 0, sizeof(*f));
	f->spool_ok = cfg->spool != NULL &&
	    smw_spool_figures(cfg->spool, &f->spool) == SMW_OK;
	f->can_take = f->spool_ok && smw_spool_can_take(cfg->spool,
	    cfg->spool_max, f->cannot, sizeof(f->cannot));
	/* Not asked again when the call before found it away (check). */
	f->db_ok = !store->unreachable &&
	    smw_store_figures(store, &f->db) == SMW_OK;
	f->newest = f->spool.newest;
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

int
check_figures(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct figures	 f;
	struct timespec	 ts;
	char		*end, buf[80];
	const char	*v;
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
		} else {
			fprintf(stderr, "usage: showmojo-webhook check "
			    "[--max-silence HOURS] [--metrics]\n");
			return 2;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	gather(store, cfg, &f);
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
	if (f.db_ok) {
		printf("quarantine: %lld pending\n",
		    f.db.quarantine_pending);
		printf("newest stored delivery: %s\n", f.db.newest_event > 0 ?
		    when(buf, sizeof(buf), f.db.newest_event, now) : "none");
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

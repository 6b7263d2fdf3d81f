/* SPDX-License-Identifier: MIT */
/*
 * Spooled deliveries back into the database, and the figures an operator
 * watches.  An entry goes through smw_delivery_finish like a live request
 * (stored, duplicate, or quarantined with its own metadata and time
 * received), and is removed only after that transaction committed; a
 * database failure leaves it and stops the drain, for the next one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "deliver.h"
#include "drain.h"
#include "log.h"
#include "outage.h"
#include "spool.h"

/* A worker's share of draining between two requests, milliseconds. */
#define TICK_MS 5.0

/*
 * An idle worker with entries waiting tries the database again after
 * these many milliseconds, doubled after each failure up to the most.
 */
#define RETRY_FIRST_MS 1000
#define RETRY_MOST_MS 30000

/*
 * A drained delivery that would wait for a lock gives up after this long
 * (a worker's, the drain command's), and is tried again later: a live
 * delivery holding the lock goes first.
 */
#define TICK_LOCK_MS 25
#define DRAIN_LOCK_MS 250

/*
 * An entry that fails for a reason of its own (a lock held, a statement
 * timeout), not the database's availability, is tried again after 2, 4,
 * 8, ... seconds, at most an hour apart, and set aside after this many
 * tries (about two hours in all).
 */
#define ENTRY_TRIES_MAX 12
#define ENTRY_RETRY_MOST_S 3600

struct drained {
	unsigned long	 n[SMW_OUT__MAX];
	unsigned long	 later;		/* not due, or failed: tried later */
	unsigned long	 aside;		/* set aside after their last try */
	bool		 down;		/* stopped: the database unavailable */
};

/* The entries taken: stored, duplicate or quarantined. */
static unsigned long
taken(const struct drained *c)
{
	return c->n[SMW_OUT_STORED] + c->n[SMW_OUT_DUPLICATE] +
	    c->n[SMW_OUT_QUARANTINED];
}

/*
 * Store one claimed entry, as it arrived: its time of arrival and request
 * metadata go with it.  SMW_OK when it may be removed.
 */
static enum smw_err
drain_one(struct smw_spool_entry *e, const char *name,
    struct smw_store *store, const struct smw_config *cfg,
    struct drained *c)
{
	struct smw_delivery	 d;
	char			 cid[80];
	enum smw_err		 err;

	if ((err = smw_delivery_init(&d, e->len + 1)) != SMW_OK)
		goto out;
	d.from_spool = true;
	if ((err = smw_delivery_feed(&d, e->body, e->len)) != SMW_OK)
		goto out;
	store->received = e->received;
	err = smw_delivery_finish(&d, store, cfg, &e->meta);
	store->received = 0;
	/* Quarantined in reject mode is as final as stored. */
	if (err == SMW_EINPUT && d.outcome == SMW_OUT_QUARANTINED)
		err = SMW_OK;
	if (err != SMW_OK)
		goto out;
	if ((err = smw_spool_done(e)) != SMW_OK)
		goto out;
	c->n[d.outcome]++;
	smw_log(d.outcome == SMW_OUT_QUARANTINED ? SMW_LOG_WARN :
	    SMW_LOG_INFO, "drain entry=%s event=%s outcome=%s%s%s", name,
	    smw_log_clip(cid, sizeof(cid), d.ev.ev[SMW_EV_ID].text,
	    d.ev.ev[SMW_EV_ID].len), smw_outcome_names[d.outcome],
	    d.why[0] ? " reason=" : "", d.why);
out:
	smw_delivery_free(&d);
	return err;
}

/*
 * A claimed entry failed, and not for the database's availability:
 * schedule its next try, or set it aside after its last.
 */
static void
failed_entry(const struct smw_config *cfg, struct smw_spool_entry *e,
    const char *name, const char *why, struct drained *c)
{
	char		 reason[640];
	long long	 wait = 1LL << (e->tries + 1 < 12 ? e->tries + 1 : 12);

	if (e->tries + 1 >= ENTRY_TRIES_MAX) {
		snprintf(reason, sizeof(reason), "failed %u times, last: %s",
		    e->tries + 1, why);
		smw_spool_release(e);
		smw_spool_set_aside(cfg->spool, name, reason);
		c->aside++;
		return;
	}
	if (wait > ENTRY_RETRY_MOST_S)
		wait = ENTRY_RETRY_MOST_S;
	if (smw_spool_retry(e, (long long)time(NULL) + wait) == SMW_OK)
		smw_log(SMW_LOG_WARN, "drain later entry=%s try=%u next_s=%lld "
		    "reason=%s", name, e->tries, wait, why);
	c->later++;
}

/*
 * Drain the entries of list l from *pos on that this process can claim
 * and that are due, oldest first, for at most budget_ms (at least one
 * entry; < 0: no limit), with a lock timeout of lock_ms.  An entry that
 * fails for a reason of its own keeps to its schedule and the others go
 * on; the database unavailable stops the drain (c->down).  *pos is where
 * the next call goes on.
 */
static void
drain_some(struct smw_store *store, const struct smw_config *cfg,
    const struct smw_spool_list *l, int *pos, double budget_ms,
    unsigned lock_ms, struct drained *c)
{
	struct smw_spool_entry	 e;
	enum smw_claim		 claim;
	double			 t0 = smw_now_ms();
	int			 i;

	store->lock_ms = lock_ms;
	for (i = *pos; i < l->n; i++) {
		if (budget_ms >= 0 && i > *pos && smw_now_ms() - t0 >
		    budget_ms)
			break;
		if (smw_spool_claim(cfg->spool, l->names[i], cfg->max_body,
		    &e, &claim) != SMW_OK) {
			c->down = true;		/* the spool itself */
			break;
		}
		if (claim == SMW_CLAIM_LATER)
			c->later++;
		if (claim != SMW_CLAIM_TAKEN)
			continue;
		store->unreachable = store->answered = false;
		if (drain_one(&e, l->names[i], store, cfg, c) != SMW_OK) {
			if (store->unreachable || !store->answered) {
				smw_spool_release(&e);
				c->down = true;
				break;
			}
			failed_entry(cfg, &e, l->names[i], store->why, c);
		}
		smw_spool_release(&e);
	}
	store->lock_ms = 0;
	*pos = i;
}

int
cmd_drain(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct smw_spool_list	 l;
	struct drained		 c;
	double			 t0 = smw_now_ms(), s;
	unsigned long		 n;
	int			 pos = 0;

	(void)argc;
	(void)argv;
	if (cfg->spool == NULL) {
		fprintf(stderr, "drain: SHOWMOJO_SPOOL is not set\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	if (smw_spool_list(cfg->spool, &l) == SMW_OK) {
		drain_some(store, cfg, &l, &pos, -1, DRAIN_LOCK_MS, &c);
		if (c.down)
			c.later += (unsigned long)(l.n - pos);
		smw_spool_list_free(&l);
	} else
		c.down = true;
	if (!c.down)
		smw_outage_end(cfg);
	s = (smw_now_ms() - t0) / 1000;
	n = taken(&c);
	printf("drain: %lu stored, %lu duplicate, %lu quarantined, %lu left"
	    ", %lu set aside%s; %.0f deliveries/s\n", c.n[SMW_OUT_STORED],
	    c.n[SMW_OUT_DUPLICATE], c.n[SMW_OUT_QUARANTINED], c.later,
	    c.aside, c.down ? " (stopped: database or spool unavailable)" :
	    "", s > 0 ? n / s : 0);
	return c.down;
}

/* Whether the directory's time st is more than a second before now. */
static bool
settled(const struct stat *st)
{
	struct timespec	 now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec - st->st_mtim.tv_sec > 1;
}

int
drain_tick(struct smw_store *store, const struct smw_config *cfg,
    int idle_fd)
{
	static struct timespec		 empty;	/* mtime when found empty */
	static struct smw_spool_list	 l;	/* what is left to go through */
	static int			 pos;
	static int			 retry;	/* the wait after a failure */
	static double			 listed;	/* when l was read */
	struct drained			 c;
	struct stat			 st;
	enum smw_err			 err = SMW_OK;
	double				 t0 = smw_now_ms();
	int				 fd;
	bool				 idle = idle_fd >= 0;

	if (cfg->spool == NULL || stat(cfg->spool, &st) != 0)
		return -1;
	/* After a request: only when the database answered it. */
	if (!idle && !store->answered)
		return retry > 0 ? retry : RETRY_FIRST_MS;
	if (smw_outage_known(cfg)) {
		if (!idle)
			return retry > 0 ? retry : RETRY_FIRST_MS;
		/* Idle: probe, if no other process does. */
		if ((fd = smw_outage_probe(cfg)) < 0)
			return SMW_OUTAGE_PROBE_MS;
		smw_store_free(store);
		err = smw_store_connect_yield(store, idle_fd);
		smw_outage_probed(cfg, fd, err == SMW_OK);
	}
	if (err == SMW_OK && pos >= l.n) {
		if (st.st_mtim.tv_sec == empty.tv_sec &&
		    st.st_mtim.tv_nsec == empty.tv_nsec)
			return -1;
		/* Read the directory again at most every second. */
		if (l.n > 0 && smw_now_ms() - listed < RETRY_FIRST_MS)
			return RETRY_FIRST_MS;
		listed = smw_now_ms();
		smw_spool_list_free(&l);
		pos = 0;
		if (smw_spool_list(cfg->spool, &l) != SMW_OK)
			return -1;
		if (l.n == 0) {
			/* Only a settled time: entries of this tick may follow. */
			if (settled(&st))
				empty = st.st_mtim;
			return settled(&st) ? -1 : RETRY_FIRST_MS;
		}
	}
	memset(&c, 0, sizeof(c));
	if (err == SMW_OK && !smw_store_connected(store))
		err = idle ? smw_store_connect_yield(store, idle_fd) : SMW_EDB;
	if (err == SMW_OK) {
		store->answered = false;
		drain_some(store, cfg, &l, &pos, TICK_MS, TICK_LOCK_MS, &c);
		if (c.down)
			err = SMW_EDB;
	} else if (err == SMW_EDB && store->unreachable)
		smw_outage_begin(cfg, store->why, smw_now_ms() - t0);
	/*
	 * A request came while connecting: it goes first, and the next try
	 * keeps to the schedule (another worker may have taken the request:
	 * no new try at every request that comes).
	 */
	if (err == SMW_EUNAVAIL)
		return retry > 0 ? retry : RETRY_FIRST_MS;
	/* The database did not answer: later, less often while it stays so. */
	if (err != SMW_OK) {
		if (idle || retry == 0)
			retry = retry == 0 ? RETRY_FIRST_MS :
			    retry < RETRY_MOST_MS / 2 ? retry * 2 :
			    RETRY_MOST_MS;
		return retry;
	}
	retry = 0;
	if (pos < l.n)
		return 0;
	/* Gone through: again later for entries not due or held elsewhere. */
	return c.later > 0 || taken(&c) == 0 ? RETRY_FIRST_MS : 0;
}

/* Everything "check" reports, from the spool and the database. */
struct figures {
	struct smw_spool_figures	 spool;
	struct smw_store_figures	 db;
	bool				 spool_ok, db_ok;
	double				 newest;	/* arrival; 0: none */
};

static void
gather(struct smw_store *store, const struct smw_config *cfg,
    struct figures *f)
{
	memset(f, 0, sizeof(*f));
	f->spool_ok = cfg->spool != NULL &&
	    smw_spool_figures(cfg->spool, &f->spool) == SMW_OK;
	f->db_ok = smw_store_figures(store, &f->db) == SMW_OK;
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
		metric("spool_damaged_entries", "Spool entries set aside as "
		    "damaged (bad-*).", f->spool.bad);
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
	double		 now, silence = -1;
	int		 rc = 0;
	bool		 prom = false;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--metrics") == 0)
			prom = true;
		else if (strcmp(argv[i], "--max-silence") == 0 &&
		    i + 1 < argc) {
			errno = 0;
			silence = strtod(argv[++i], &end);
			if (errno != 0 || *end != '\0' || end == argv[i] ||
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
	struct smw_spool_figures	 f;
	size_t				 len = strlen(body);

	if (cfg->spool == NULL || len == 0 || body[len - 1] != '}')
		return;
	if (smw_spool_figures(cfg->spool, &f) != SMW_OK)
		snprintf(body + len - 1, bodysz - len + 1, ",\"spooling\":"
		    "false,\"spool\":\"unreadable\"}");
	else
		snprintf(body + len - 1, bodysz - len + 1, ",\"spooling\":%s,"
		    "\"spool_entries\":%lu}", db_ok ? "false" : "true",
		    f.entries);
}

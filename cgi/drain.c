/* SPDX-License-Identifier: MIT */
/*
 * The drain policy: spooled deliveries back into the database, by the
 * "drain" command and by FastCGI workers between and without requests.
 * An entry goes through smw_delivery_finish like a live request (stored,
 * duplicate, or quarantined with its own metadata and time of arrival),
 * and is removed only after that transaction committed.  The database
 * unavailable stops a drain and leaves the entry; an entry that fails for
 * a reason of its own keeps to a retry schedule of its own, and is set
 * aside after its last try, while the others go on.
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
#include "tally.h"

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
 * 8, ... 2048 seconds (never more than an hour apart), and set aside at
 * its twelfth failure: about 70 minutes after the first.
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

	/* Its time of arrival also says: never spooled again. */
	store->received = e->received > 0 ? e->received : 1;
	err = smw_delivery_run(&d, e->body, e->len, store, cfg, &e->meta);
	store->received = 0;
	/* Quarantined in reject mode is as final as stored. */
	if (err == SMW_EINPUT && d.outcome == SMW_OUT_QUARANTINED)
		err = SMW_OK;
	if (err != SMW_OK)
		goto out;
	if ((err = smw_spool_done(e)) != SMW_OK)
		goto out;
	c->n[d.outcome]++;
	(void)smw_tally(d.outcome == SMW_OUT_STORED ? SMW_COUNT_DRAINED_STORED :
	    d.outcome == SMW_OUT_DUPLICATE ? SMW_COUNT_DRAINED_DUPLICATE :
	    SMW_COUNT_DRAINED_QUARANTINED, NULL);
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

/* Drain every entry that is due, in one pass; the counts into *c. */
static void
drain_all(struct smw_store *store, const struct smw_config *cfg,
    struct drained *c)
{
	struct smw_spool_list	 l;
	int			 pos = 0;

	memset(c, 0, sizeof(*c));
	if (smw_spool_list(cfg->spool, &l) == SMW_OK &&
	    smw_spool_recount(cfg->spool) == SMW_OK) {
		drain_some(store, cfg, &l, &pos, -1, DRAIN_LOCK_MS, c);
		if (c->down)
			c->later += (unsigned long)(l.n - pos);
		smw_spool_list_free(&l);
	} else
		c->down = true;
	if (!c->down)
		smw_outage_end(cfg);
}

bool
drain_spool(struct smw_store *store, const struct smw_config *cfg)
{
	struct drained	 c;

	drain_all(store, cfg, &c);
	return !c.down;
}

int
cmd_drain(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	struct drained		 c;
	double			 t0 = smw_now_ms(), s;
	unsigned long		 n;

	(void)argc;
	(void)argv;
	if (cfg->spool == NULL) {
		fprintf(stderr, "drain: SHOWMOJO_SPOOL is not set\n");
		return 2;
	}
	drain_all(store, cfg, &c);
	s = (smw_now_ms() - t0) / 1000;
	smw_tally_write(store, true);
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
	bool				 idle = idle_fd >= 0;

	if (cfg->spool == NULL || stat(cfg->spool, &st) != 0)
		return -1;
	/*
	 * After a request: only when the database answered it; when it did
	 * not, that was this worker's first failed try.
	 */
	if (!idle && (!store->answered || smw_outage_known(cfg))) {
		if (retry == 0)
			retry = RETRY_FIRST_MS;
		return retry;
	}
	if (smw_outage_known(cfg)) {
		/* Idle: probe, if no other process does. */
		if ((err = smw_outage_try(store, cfg, idle_fd, 0)) ==
		    SMW_EUNAVAIL)
			return SMW_OUTAGE_PROBE_MS;
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
			smw_spool_recount(cfg->spool);
			/* Only a settled time: more may come this tick. */
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
	if (err == SMW_EYIELD)
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

/* SPDX-License-Identifier: MIT */
/*
 * The outage marker: see outage.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "outage.h"
#include "util.h"

#define MARKER "/.unreachable"

static bool
marker(const struct smw_config *cfg, char *path, size_t sz)
{
	if (cfg->spool == NULL)
		return false;
	return (size_t)snprintf(path, sz, "%s" MARKER, cfg->spool) < sz;
}

bool
smw_outage_known(const struct smw_config *cfg)
{
	char	 path[4096];

	return marker(cfg, path, sizeof(path)) && access(path, F_OK) == 0;
}

void
smw_outage_begin(const struct smw_config *cfg, const char *why,
    double spent_ms)
{
	struct timespec	 now;
	char		 path[4096], tmp[4096], line[640];
	int		 fd, n;

	if (spent_ms < SMW_OUTAGE_PROBE_BUDGET_MS ||
	    !marker(cfg, path, sizeof(path)) || access(path, F_OK) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp-outage-%ld-%ld",
	    cfg->spool, (long)getpid(), now.tv_nsec) >= sizeof(tmp))
		return;
	n = snprintf(line, sizeof(line), "unreachable since %lld: %s\n",
	    (long long)now.tv_sec, why != NULL ? why : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return;
	if (write(fd, line, (size_t)n) != n || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		smw_log(SMW_LOG_ERR, "spool %s: outage marker: %s", cfg->spool,
		    strerror(errno));
		unlink(tmp);
		return;
	}
	smw_log(SMW_LOG_WARN, "database unreachable: deliveries are spooled "
	    "at once until a probe finds it back (every %d ms at most)",
	    SMW_OUTAGE_PROBE_MS);
}

void
smw_outage_end(const struct smw_config *cfg)
{
	char	 path[4096];

	if (marker(cfg, path, sizeof(path)) && unlink(path) == 0)
		smw_log(SMW_LOG_INFO, "database answers again: deliveries go "
		    "to it, the spool drains");
}

/*
 * The right to probe now: a descriptor holding the marker's lock when a
 * probe is due and no other process probes, else -1.
 */
static int
probe_lock(const struct smw_config *cfg)
{
	struct timespec	 now;
	struct stat	 st;
	char		 path[4096];
	double		 since;
	int		 fd;

	if (!marker(cfg, path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (fstat(fd, &st) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	since = (now.tv_sec - st.st_mtim.tv_sec) * 1000.0 +
	    (now.tv_nsec - st.st_mtim.tv_nsec) / 1e6;
	/* Due, or the clock went back. */
	if (st.st_nlink == 0 || (since < SMW_OUTAGE_PROBE_MS && since >= 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

enum smw_err
smw_outage_try(struct smw_store *s, const struct smw_config *cfg, int fd,
    unsigned budget_ms)
{
	enum smw_err	 err;
	int		 lock;

	if ((lock = probe_lock(cfg)) < 0)
		return SMW_EUNAVAIL;
	if ((err = smw_store_probe(s, fd, budget_ms)) == SMW_OK)
		smw_outage_end(cfg);
	else if (err != SMW_EYIELD)
		(void)futimens(lock, NULL);	/* a try: the next one later */
	close(lock);
	return err;
}

bool
smw_outage_holds(struct smw_store *s, const struct smw_config *cfg)
{
	return smw_outage_known(cfg) && smw_outage_try(s, cfg, -1,
	    SMW_OUTAGE_PROBE_BUDGET_MS) != SMW_OK;
}

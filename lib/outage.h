/* SPDX-License-Identifier: MIT */
/*
 * What the processes of one web host know of the database's
 * reachability, so that in an outage a delivery is spooled at once instead
 * of waiting on the network again: a marker, ".unreachable" in the spool
 * directory, says that a process found the database not answering.
 * FastCGI workers and CGI processes alike read it (one stat) before a
 * delivery.  While it is there, one process at a time (flock() on the
 * marker) probes the database, at most every SMW_OUTAGE_PROBE_MS; the
 * probe that finds it back removes the marker, and a failed one stamps
 * the marker's time.  The marker is written whole under a temporary name
 * and renamed into place.  Only with a spool: without one there is
 * nowhere to keep a delivery, and each tries the database.
 */
#ifndef SMW_OUTAGE_H
#define SMW_OUTAGE_H

#include <stdbool.h>

#include "config.h"
#include "store.h"

/* How often a probe may try the database while the marker is there. */
#define SMW_OUTAGE_PROBE_MS 2000

/* How long a probe in a request's path may take. */
#define SMW_OUTAGE_PROBE_BUDGET_MS 500

/* Whether the marker is there (false without a spool). */
bool smw_outage_known(const struct smw_config *);

/*
 * The database did not answer (why) and finding that out took spent_ms:
 * put the marker in place unless it is there, and say so in the log once.
 * A failure quicker than SMW_OUTAGE_PROBE_BUDGET_MS (a refused
 * connection, a server starting up) puts none: trying again costs no more
 * than a probe.
 */
void smw_outage_begin(const struct smw_config *, const char *why,
    double spent_ms);

/* The database answered: remove the marker, saying so, if it is there. */
void smw_outage_end(const struct smw_config *);

/*
 * Probe the database, when a probe is due and no other process probes:
 * smw_store_probe(s, fd, budget_ms).  SMW_OK: it answers, the marker is
 * removed; SMW_EDB: it does not, the marker's time is stamped; SMW_EYIELD:
 * the probe gave way to a request (no try counted); SMW_EUNAVAIL: no
 * probe now.
 */
enum smw_err smw_outage_try(struct smw_store *, const struct smw_config *,
    int fd, unsigned budget_ms);

/*
 * Whether an outage is known and holds: the marker is there, and this
 * process's probe, when one is due, did not find the database back within
 * SMW_OUTAGE_PROBE_BUDGET_MS on a new connection (one kept from before
 * may look alive on a silent network).  Costs one stat when no outage is
 * known.
 */
bool smw_outage_holds(struct smw_store *, const struct smw_config *);

#endif

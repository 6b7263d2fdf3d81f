/* SPDX-License-Identifier: MIT */
/*
 * The spool's consumers: the "drain" command and the FastCGI workers' own
 * draining between and without requests.
 */
#ifndef SMW_DRAIN_H
#define SMW_DRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

/*
 * "drain": store every spooled delivery this process can claim, through
 * the live path.  Prints the counts and the rate.  Returns the exit
 * status: 0 when nothing was left for a database failure.
 */
int cmd_drain(int argc, char *argv[], struct smw_store *,
    const struct smw_config *);

/*
 * Drain every entry of the spool that is due, quietly (the log says what
 * happened): false when the drain stopped, the database or the spool
 * unavailable.
 */
bool drain_spool(struct smw_store *, const struct smw_config *);

/*
 * A FastCGI worker's own draining: after a request (idle_fd -1) when the
 * database answered it (store->answered), and while no request comes
 * (idle_fd the descriptor a request would come on, after the wait this
 * returned), store the entries that are due for at most a few
 * milliseconds, each with a short lock timeout.  Idle, it connects first
 * (in a known outage: probes, if no other process does), and gives way as
 * soon as a request comes.  Does nothing (one stat) while the spool is
 * unchanged since it was last found empty, and reads the directory at
 * most once a second.  Returns
 * how long the worker may wait for a request before it calls again idle,
 * in milliseconds: -1 for as long as it takes (nothing waits, or no
 * spool), 0 when entries are left, longer while the database does not
 * answer (doubling from one to 30 seconds).
 */
int drain_tick(struct smw_store *, const struct smw_config *, int idle_fd);

#endif

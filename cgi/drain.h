/* SPDX-License-Identifier: MIT */
/*
 * The spool's consumers: the "drain" command, the FastCGI workers' own
 * draining between requests, and the figures an operator watches ("check",
 * "check --max-silence", "check --metrics", the health answer).
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
 * A FastCGI worker's own draining: after a request (idle_fd -1) when the
 * database answered it, and while no request comes (idle_fd the
 * descriptor a request would come on, after the wait this returned),
 * store entries for at most a few milliseconds.  Idle, it connects first,
 * and gives way as soon as a request comes.  Does nothing (one stat)
 * while the spool is unchanged since it was last found empty.  Returns
 * how long the worker may wait for a request before it calls again idle,
 * in milliseconds: -1 for as long as it takes (nothing waits, or no
 * spool), 0 when entries are left, longer while the database does not
 * answer (doubling from one to 30 seconds).
 */
int drain_tick(struct smw_store *, const struct smw_config *, int idle_fd);

/*
 * "check" with the arguments after it: none (print the spool, quarantine
 * and newest delivery figures), "--max-silence HOURS" (also: non-zero when
 * nothing arrived for that long) or "--metrics" (the figures in the
 * Prometheus text format, only them).  Returns the exit status.
 */
int check_figures(int argc, char *argv[], struct smw_store *,
    const struct smw_config *);

/*
 * Add the spool's state to the health answer's JSON object in body (size
 * bodysz): whether deliveries are being spooled (the database did not
 * answer: db_ok false) and how many wait.  Nothing when the spool is off.
 */
void drain_health(const struct smw_config *, bool db_ok, char *body,
    size_t bodysz);

#endif

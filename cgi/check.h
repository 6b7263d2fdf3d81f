/* SPDX-License-Identifier: MIT */
/*
 * What an operator watches: "check", its metrics, and the spool's part of
 * the health answer.
 */
#ifndef SMW_CHECK_H
#define SMW_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

/*
 * "check" with the arguments after it: none (print the spool, quarantine
 * and newest delivery figures), "--max-silence HOURS" (also: non-zero when
 * nothing arrived for that long) or "--metrics" (the figures in the
 * Prometheus text format, only them); "--source LABEL" makes the
 * database's figures (quarantine, newest delivery, silence) those of the
 * deliveries of that token's label.  Returns the exit status.
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

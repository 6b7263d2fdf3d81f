/* SPDX-License-Identifier: MIT */
/*
 * Log lines to stderr, which the web server turns into its error log.  One
 * line per call, prefixed with the program name, level and pid.
 */
#ifndef SMW_LOG_H
#define SMW_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum smw_log_level {
	SMW_LOG_ERR,
	SMW_LOG_WARN,
	SMW_LOG_INFO,
	SMW_LOG_DEBUG,
	SMW_LOG__MAX
};

/* Lines above this level are dropped.  Default SMW_LOG_INFO. */
extern enum smw_log_level smw_log_max;

/*
 * Set by a command while it says in its own words what went wrong (check):
 * no line is written, so that a reason is not printed twice.
 */
extern bool smw_log_quiet;

/*
 * Write one line.  Control characters in the formatted text are replaced
 * by '?', so that data from a delivery cannot forge log lines.
 */
void smw_log(enum smw_log_level, const char *, ...) SMW_PRINTF(2, 3);

/*
 * Copy at most len bytes of untrusted text into dst (size dstsz) for a log
 * line, cutting long values with "...".  Returns dst.
 */
const char *smw_log_clip(char *dst, size_t dstsz, const char *src,
    size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Confinement of a serving process with Landlock (Linux 5.13 and later):
 * once entered, the process can read files but create, write, truncate,
 * remove or execute none, bind no TCP port and (Landlock ABI 6 and later)
 * signal no process outside itself.  Files already open (stderr, the
 * FastCGI socket) and connections to PostgreSQL (TCP, a unix socket by
 * path or by abstract name) are unaffected.  It is
 * defence in depth under the service manager's own sandbox.
 */
#ifndef SMW_SANDBOX_H
#define SMW_SANDBOX_H

#include "util.h"

/*
 * Enter the sandbox; irreversible.  spool, when not NULL, is the one
 * directory inside which files may still be created, written, renamed
 * and removed (SHOWMOJO_SPOOL).  Returns the Landlock ABI version in force
 * (> 0), 0 when the kernel offers none (nothing changed, logged), or -1
 * when setting it up failed (logged).
 */
int smw_sandbox_enter(const char *spool);

#endif

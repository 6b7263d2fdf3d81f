/* SPDX-License-Identifier: MIT */
/* The personal-data commands: forget one person, prune old personal data. */
#ifndef SMW_PRIVACY_H
#define SMW_PRIVACY_H

#include "config.h"
#include "db.h"

/*
 * showmojo-webhook forget [--dry-run] [--source LABEL] --email ADDR |
 * --phone NUMBER | --showing UID ...: argv holds the arguments after
 * "forget".  With --source only the showings, events, quarantined bodies
 * and spool entries of that token's label are erased.  Prints the
 * rows changed per table.  Returns the exit status: 0 done (or nothing to
 * do), 1 the database failed (nothing changed), 2 wrong arguments.
 */
int cmd_forget(int argc, char *argv[], struct smw_store *,
    const struct smw_config *);

/*
 * showmojo-webhook prune --personal-older-than DAYS [--source LABEL]:
 * argv holds the arguments after "prune"; with --source only the
 * showings, quarantined bodies and spool entries of that label.
 * Prints the rows changed per table, the number of batches and the
 * longest; progress on stderr when it is a terminal.  Returns 0 done, 1
 * the database failed (the batches before stay done), 2 wrong arguments.
 */
int cmd_prune(int argc, char *argv[], struct smw_store *,
    const struct smw_config *);

#endif

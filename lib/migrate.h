/* SPDX-License-Identifier: MIT */
/* The schema's migrations: sql/NNN-name.sql, applied in order. */
#ifndef SMW_MIGRATE_H
#define SMW_MIGRATE_H

#include "db.h"

/*
 * Apply the numbered migrations of sqldir that the database lacks, in
 * order, each in its own transaction, under an advisory lock.  Refuses a
 * database whose encoding is not UTF8.  *applied counts the files applied.
 * Keeps the lock and the schema's search_path in its session: needs the
 * database directly or through session pooling, not transaction pooling.
 */
enum smw_err smw_store_migrate(struct smw_store *, const char *sqldir,
    int *applied) SMW_MUSTCHECK;

#endif

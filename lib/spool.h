/* SPDX-License-Identifier: MIT */
/*
 * The spool (SHOWMOJO_SPOOL): deliveries the database could not take,
 * kept durably on the web host's disk until a drain stores them.  One file
 * per delivery, "e-<received>-<pid>-<seq>": a short header (format
 * version; the entry's retry schedule, rewritten in place; time received,
 * request metadata, body length, an FNV-1a checksum of all of it but the
 * schedule) and the body.  An entry is written under a temporary name
 * ("tmp-…", created with O_EXCL and locked while written), fsync'd,
 * renamed into place and the directory fsync'd, so an entry name always
 * holds a complete entry.  Whoever processes an entry holds flock() on it
 * and checks that it is still linked: two drains, or a drain and the
 * workers, never take the same entry.  Knows no SQL and no HTTP.
 */
#ifndef SMW_SPOOL_H
#define SMW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"
#include "util.h"

/* Longest request metadata value kept in an entry (longer is cut). */
#define SMW_SPOOL_META_MAX 1024

/* One claimed entry, read and checked. */
struct smw_spool_entry {
	const char		*dir;		/* the spool's, as claimed */
	char			 path[4096];
	int			 fd;		/* holds the claim; -1: none */
	double			 received;	/* Unix time, seconds */
	unsigned		 tries;		/* failed tries so far */
	char			 meta_text[5][SMW_SPOOL_META_MAX];
	struct smw_request_meta	 meta;		/* points into meta_text */
	struct smw_buf		 file;		/* the whole entry */
	const char		*body;		/* inside file */
	size_t			 len;
};

/* What the spool holds now. */
struct smw_spool_figures {
	unsigned long		 entries;	/* waiting to be drained */
	unsigned long long	 bytes;		/* entries, temporary files */
	double			 oldest;	/* received, Unix s; 0: none */
	double			 newest;
	unsigned long		 bad;		/* set aside: checksum wrong */
};

/* The spool's usage as kept in its ".usage" file (see spool.c). */
struct smw_spool_usage {
	unsigned long long	 bytes;		/* every file */
	unsigned long		 entries;	/* waiting, or being written */
	unsigned long		 aside;		/* set aside (bad-*) */
};

/* The names of the entries waiting in a spool, oldest first. */
struct smw_spool_list {
	char		**names;
	int		 n;
};

/*
 * The header of an entry for body (len bytes) that arrived at now, with
 * request metadata m, appended to b: what precedes the body in the file.
 * SMW_ENOMEM, SMW_ETOOBIG (b's limit).
 */
enum smw_err smw_spool_header(struct smw_buf *b, const struct timespec *now,
    const struct smw_request_meta *m, const char *body, size_t len)
    SMW_MUSTCHECK;

/*
 * Keep one delivery in cfg->spool durably (see above): the body and the
 * request metadata m (values may be NULL).  SMW_ETOOBIG when the spool
 * would grow past cfg->spool_max, SMW_ESYS when it cannot be written
 * (missing, unwritable, disk full); then nothing is left behind.
 * Failures are logged.
 */
enum smw_err smw_spool_put(const struct smw_config *cfg, const char *body,
    size_t len, const struct smw_request_meta *m) SMW_MUSTCHECK;

/*
 * The entries of dir, oldest first, into *l (pair with
 * smw_spool_list_free).  Removes what dead writers left behind on the way
 * (temporary files no process holds).  SMW_ESYS (logged), SMW_ENOMEM.
 */
enum smw_err smw_spool_list(const char *dir, struct smw_spool_list *l)
    SMW_MUSTCHECK;

/* Release a list; accepts NULL, may be called twice. */
void smw_spool_list_free(struct smw_spool_list *);

/* What came of a claim. */
enum smw_claim {
	SMW_CLAIM_NONE,		/* taken by another process, or set aside */
	SMW_CLAIM_TAKEN,	/* read and checked: e holds it */
	SMW_CLAIM_LATER,	/* its next try is not due yet */
	SMW_CLAIM__MAX
};

/*
 * Claim entry name of dir and read it into e (pair with
 * smw_spool_release), unless its retry schedule says later.  Opening
 * never blocks.  An entry that cannot be opened, is not a regular file,
 * is not owned by the program's user, is larger than a body of max_body
 * and its header, or fails its check is set aside ("bad-…", logged),
 * never taken.  SMW_ESYS, SMW_ENOMEM.
 */
enum smw_err smw_spool_claim(const char *dir, const char *name,
    size_t max_body, struct smw_spool_entry *e, enum smw_claim *)
    SMW_MUSTCHECK;

/*
 * The claimed entry failed for a reason of its own: count the try and
 * keep its next one at next (Unix time, seconds) in the entry.  SMW_ESYS
 * (logged).
 */
enum smw_err smw_spool_retry(struct smw_spool_entry *, long long next)
    SMW_MUSTCHECK;

/*
 * Rename dir/name to "bad-name", out of the drain's way, for the
 * operator; one log line names it and why.
 */
void smw_spool_set_aside(const char *dir, const char *name, const char *why);

/*
 * The claimed entry is in the database: remove it.  SMW_ESYS (logged)
 * when it could not be removed.
 */
enum smw_err smw_spool_done(struct smw_spool_entry *) SMW_MUSTCHECK;

/* Give the claim up (the entry stays unless done); may be called twice. */
void smw_spool_release(struct smw_spool_entry *);

/*
 * The usage of dir as kept (counted from the directory the first time).
 * SMW_ESYS (logged).
 */
enum smw_err smw_spool_usage(const char *dir, struct smw_spool_usage *)
    SMW_MUSTCHECK;

/*
 * Count the usage of dir anew from the directory (after a crash, or
 * files removed by hand).  SMW_ESYS (logged).
 */
enum smw_err smw_spool_recount(const char *dir);

/*
 * Whether dir can take a delivery now: a file can be created there (the
 * directory exists, is writable, and the sandbox allows it) and the usage
 * is under max bytes.  When not, why says so.
 */
bool smw_spool_can_take(const char *dir, unsigned long long max,
    char *why, size_t whysz);

/*
 * Asked of each file of deliveries in the spool: whether it is to be
 * erased (*hit).  body is the delivery of a whole entry, or every byte of
 * a damaged or half-written file; received when it arrived (the file's
 * time for the latter); source the entry's source (NULL: none, or not a
 * whole entry).  A failure stops the walk.
 */
typedef enum smw_err (*smw_spool_match)(void *ctx, const char *name,
    const char *body, size_t len, double received, const char *source,
    bool *hit);

/*
 * Erase the files of dir that hold deliveries (waiting, set aside, or
 * left half-written) and that match says to, each under its lock (a drain
 * or writer holding one is waited for); files larger than a body of
 * max_body and its header are offered their first bytes.  With dry_run
 * nothing is removed.  *erased counts them.  The directory is synced
 * before it returns.  SMW_ESYS, SMW_ENOMEM, or match's failure.
 */
enum smw_err smw_spool_erase_if(const char *dir, size_t max_body,
    smw_spool_match match, void *ctx, bool dry_run, unsigned long *erased)
    SMW_MUSTCHECK;

/* Count what dir holds into *f.  SMW_ESYS (logged) when unreadable. */
enum smw_err smw_spool_figures(const char *dir, struct smw_spool_figures *f)
    SMW_MUSTCHECK;

#endif

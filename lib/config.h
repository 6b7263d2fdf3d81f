/* SPDX-License-Identifier: MIT */
/*
 * Configuration from the environment (set by the web server or service
 * manager) and from the token file it may name.  Knows no HTTP and no SQL.
 */
#ifndef SMW_CONFIG_H
#define SMW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define SMW_DEFAULT_MAX_BODY	1048576
/*
 * The largest SHOWMOJO_MAX_BODY: 16 MiB.  A body is sent to PostgreSQL
 * whole, as jsonb to store it or as bytea to quarantine it; PostgreSQL
 * refuses jsonb values past 256 MiB (a body of tiny values grows several
 * times as jsonb) and protocol messages of 1 GB, and storing 64 MiB took
 * about the default SHOWMOJO_TIMEOUT_MS on a busy 2-core machine: a body
 * near those sizes would fail on every retry.  16 MiB stays well below
 * all three, and far above any webhook delivery.
 */
#define SMW_MAX_BODY_CAP	16777216
#define SMW_DEFAULT_SCHEMA	"showmojo"
#define SMW_DEFAULT_TIMEOUT_MS	10000
#define SMW_MAX_TOKENS		16
/*
 * A token's label (the account it belongs to): "LABEL:TOKEN" where LABEL
 * is 1 to SMW_LABEL_MAX of [A-Za-z0-9_.-].  An entry whose part before
 * its first ':' is not such a label is a plain token, colon included.
 */
#define SMW_LABEL_MAX		64
#define SMW_DEFAULT_SPOOL_MAX	(1024ULL * 1024 * 1024)

enum smw_on_invalid {
	SMW_ON_INVALID_QUARANTINE,	/* 200, kept in the quarantine table */
	SMW_ON_INVALID_REJECT,		/* 400, kept in the quarantine table */
	SMW_ON_INVALID__MAX
};

struct smw_config {
	char			*db;		/* libpq conninfo; NULL: PG* */
	char			*tokens[SMW_MAX_TOKENS];
	/* tokens[i]'s label (its source); NULL: unlabelled */
	char			*labels[SMW_MAX_TOKENS];
	size_t			 ntokens;
	bool			 auth_none;	/* SHOWMOJO_AUTH=none */
	size_t			 max_body;
	enum smw_on_invalid	 on_invalid;
	char			*schema;
	unsigned		 timeout_ms;	/* statement and lock timeout */
	char			*sqldir;	/* migrations; NULL: built-in */
	char			*spool;		/* SHOWMOJO_SPOOL; NULL: off */
	unsigned long long	 spool_max;	/* SHOWMOJO_SPOOL_MAX, bytes */
	bool			 strict;	/* SHOWMOJO_STRICT=1 */
	char			 why[320];	/* what is invalid, if so */
	char			 warning[320];	/* what is unsafe, if so */
};

/* Defaults, nothing allocated.  Pair with smw_config_free. */
void smw_config_init(struct smw_config *);

/*
 * Read SHOWMOJO_* from the environment, and the tokens of
 * SHOWMOJO_TOKEN_FILE.  SMW_ECONFIG (logged, naming the variable, and
 * kept in why) for a value that cannot be used, SMW_ENOMEM.  A missing
 * credential is not an error here: see smw_config_accepts.
 */
enum smw_err smw_config_load(struct smw_config *) SMW_MUSTCHECK;

/*
 * Whether deliveries can be accepted at all: tokens configured or
 * SHOWMOJO_AUTH=none.  When not, *why says what to configure.
 */
bool smw_config_accepts(const struct smw_config *, const char **why);

/*
 * Why spool directory dir cannot be trusted, into buf (size sz): a
 * symbolic link, not a directory, owned by another user, or writable by
 * its group or every user (another user could forge or remove entries).
 * NULL when it can, or when it does not exist (then spooling fails).
 */
const char *smw_config_spool_untrusted(const char *dir, char *buf,
    size_t sz);

/*
 * Whether s (len bytes) is a valid label: 1 to SMW_LABEL_MAX characters
 * of [A-Za-z0-9_.-].
 */
bool smw_config_label_valid(const char *s, size_t len);

/* Release everything; accepts NULL, may be called twice. */
void smw_config_free(struct smw_config *);

#endif

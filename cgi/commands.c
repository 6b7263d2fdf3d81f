/* SPDX-License-Identifier: MIT */
/*
 * The operator's subcommands.  Each is a function and a line of the
 * commands table below, which drives both the dispatch and the usage
 * text: adding a command is writing its function and adding its line.
 * Commands go through the same delivery and store code as a request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "deliver.h"
#include "drain.h"
#include "log.h"
#include "migrate.h"
#include "privacy.h"
#include "sha256.h"
#include "store.h"

#ifndef SMW_SQLDIR
#define SMW_SQLDIR "/usr/local/share/showmojo-webhook/sql"
#endif

const char *
cmd_option(int argc, char *argv[], int *i, const char *opt)
{
	size_t		 n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Read a saved delivery and store it; 0 when stored or already there. */
static int
ingest_file(const char *path, struct smw_store *store,
    const struct smw_config *cfg)
{
	struct smw_delivery	 d;
	struct smw_buf		 body;
	FILE			*f;
	char			 chunk[16384];
	size_t			 n;
	enum smw_err		 err = SMW_OK;
	int			 rc = 1;

	memset(&d, 0, sizeof(d));
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	smw_buf_init(&body, cfg->max_body);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((err = smw_buf_append(&body, chunk, n)) != SMW_OK)
			goto out;
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	err = smw_delivery_run(&d, body.data != NULL ? body.data : "",
	    body.len, store, cfg, NULL);
	if (err == SMW_OK) {
		printf("%s: %s %s\n", path, smw_outcome_names[d.outcome],
		    d.ev.ev[SMW_EV_ID].text);
		rc = 0;
	}
out:
	if (err == SMW_EINPUT)
		fprintf(stderr, "%s: invalid: %s\n", path, d.why);
	else if (err != SMW_OK)
		fprintf(stderr, "%s: not stored: %s\n", path,
		    smw_err_name(err));
	smw_delivery_free(&d);
	smw_buf_free(&body);
	if (f != stdin)
		fclose(f);
	return rc;
}

/*
 * Re-process the quarantined deliveries not yet replayed, oldest first,
 * of source only (NULL: of every source), through the same path as a
 * request, each with the source it was quarantined with.  Stored ones are
 * marked replayed; ones still invalid keep their place with the new
 * reason.  Returns 0 when none is left pending.
 */
static int
replay(struct smw_store *store, const struct smw_config *cfg,
    const char *only)
{
	struct smw_delivery	 d;
	struct smw_buf		 body;
	char			 result[600], source[SMW_LABEL_MAX + 1];
	long long		 id = 0;
	unsigned long		 n[SMW_OUT__MAX] = { 0 };
	enum smw_err		 err = SMW_OK;
	bool			 found;

	/* The largest body any SHOWMOJO_MAX_BODY lets in. */
	smw_buf_init(&body, SMW_MAX_BODY_CAP);
	for (;;) {
		if ((err = smw_store_quarantine_next(store, id, only, &id,
		    &body, source, &found)) != SMW_OK || !found)
			break;
		store->source = source[0] != '\0' ? source : NULL;
		err = smw_delivery_run(&d, body.data != NULL ? body.data : "",
		    body.len, store, cfg, NULL);
		store->source = NULL;
		if (err == SMW_OK)
			snprintf(result, sizeof(result), "%s",
			    smw_outcome_names[d.outcome]);
		else
			snprintf(result, sizeof(result), "invalid: %s", d.why);
		if (err == SMW_OK || err == SMW_EINPUT) {
			n[err == SMW_OK ? d.outcome : SMW_OUT_INVALID]++;
			printf("quarantine %lld: %s\n", id, result);
			err = smw_store_quarantine_mark(store, id, result,
			    err == SMW_OK);
		}
		smw_delivery_free(&d);
		if (err != SMW_OK)
			break;
	}
	smw_buf_free(&body);
	printf("replay: %lu stored, %lu duplicate, %lu still invalid%s\n",
	    n[SMW_OUT_STORED], n[SMW_OUT_DUPLICATE], n[SMW_OUT_INVALID],
	    err != SMW_OK ? "; stopped: database unavailable" : "");
	return err != SMW_OK || n[SMW_OUT_INVALID] > 0;
}

/* migrate [SQLDIR]: apply the migrations not yet applied. */
static int
cmd_migrate(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	const char	*dir;
	int		 n = 0, version = 0;

	dir = argc == 1 ? argv[0] : cfg->sqldir ? cfg->sqldir : SMW_SQLDIR;
	/* Not installed yet (a build tree): say how to name sql/. */
	if (access(dir, R_OK | X_OK) != 0) {
		smw_log(SMW_LOG_ERR, "migrations directory %s: %s; name the "
		    "sql/ directory of the source tree: SHOWMOJO_SQLDIR=DIR "
		    "showmojo-webhook migrate, or showmojo-webhook migrate DIR",
		    dir, strerror(errno));
		return 1;
	}
	if (smw_store_migrate(store, dir, &n) != SMW_OK ||
	    smw_store_version(store, &version, NULL) != SMW_OK)
		return 1;
	printf("migrate: %d applied, schema %s at version %d\n", n,
	    cfg->schema, version);
	return 0;
}

/*
 * check: the configuration, the database and its schema version, then the
 * spool's and the database's figures; with options (--max-silence,
 * --metrics) the figures only (check_figures()).
 */
static int
cmd_check(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	const char	*why;
	char		 fp[SMW_FINGERPRINT_LEN + 1];
	int		 rc = 0, version = 0;
	bool		 read_only = false;

	if (argc > 0)
		return check_figures(argc, argv, store, cfg);
	printf("showmojo-webhook %s\n", PACKAGE_VERSION);
	if (!smw_config_accepts(cfg, &why)) {
		printf("configuration: %s\n", why);
		rc = 1;
	} else
		printf("configuration: ok (%s, %zu token(s), max body %zu "
		    "bytes, invalid deliveries: %s)\n",
		    cfg->auth_none ? "no authentication" : "bearer token",
		    cfg->ntokens, cfg->max_body,
		    cfg->on_invalid == SMW_ON_INVALID_REJECT ? "reject" :
		    "quarantine");
	/* To compare with a refused token's, which check reports below. */
	for (size_t i = 0; i < cfg->ntokens; i++) {
		smw_fingerprint(cfg->tokens[i], strlen(cfg->tokens[i]), fp);
		printf("%s%s%s%s%s%s", i ? ", " : "configuration: tokens' "
		    "fingerprints: ", fp, cfg->labels[i] ? " (" : "",
		    cfg->labels[i] ? cfg->labels[i] : "",
		    cfg->labels[i] ? ")" : "",
		    i + 1 == cfg->ntokens ? "\n" : "");
	}
	if (cfg->warning[0] != '\0') {
		printf("configuration: %s\n", cfg->warning);
		rc = 1;
	}
	/* Each reason once: in these lines, not in the log as well. */
	smw_log_quiet = true;
	if (smw_store_version(store, &version, &read_only) != SMW_OK) {
		printf("database: unreachable (%s)\n", store->why);
		rc = 1;
	} else if (read_only) {
		printf("database: %s\n", SMW_READ_ONLY_WHY);
		rc = 1;
	} else if (version < SMW_SCHEMA_VERSION) {
		printf("database: schema %s at version %d, needs %d: run "
		    "\"showmojo-webhook migrate\"\n", cfg->schema, version,
		    SMW_SCHEMA_VERSION);
		rc = 1;
	} else
		printf("database: ok, schema %s at version %d\n", cfg->schema,
		    version);
	rc |= check_figures(argc, argv, store, cfg);
	smw_log_quiet = false;
	return rc;
}

/*
 * ingest [--source LABEL] FILE...: store saved deliveries, with that
 * source (none without it); 0 when all are stored.
 */
static int
cmd_ingest(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	const char	*source = NULL;
	int		 i = 0, rc = 0;

	if ((rc = cmd_source("ingest", argc, argv, &i, &source)) == 2)
		return 2;
	if (rc == 0 && ++i >= argc) {
		fprintf(stderr, "usage: showmojo-webhook ingest "
		    "[--source LABEL] FILE...\n");
		return 2;
	}
	rc = 0;
	store->source = source;
	for (; i < argc; i++)
		rc |= ingest_file(argv[i], store, cfg);
	store->source = NULL;
	return rc;
}

/*
 * The value of "--source LABEL" at argv[*i] into *source; 0 when it is
 * one, 2 (said) when it is wrong, 1 when argv[*i] is another argument.
 */
int
cmd_source(const char *cmd, int argc, char *argv[], int *i,
    const char **source)
{
	const char	*v;

	if (strncmp(argv[*i], "--source", 8) != 0)
		return 1;
	if ((v = cmd_option(argc, argv, i, "--source")) == NULL ||
	    !smw_config_label_valid(v, strlen(v))) {
		fprintf(stderr, "%s: --source takes a token's label "
		    "([A-Za-z0-9_.-], 1 to %d characters)\n", cmd,
		    SMW_LABEL_MAX);
		return 2;
	}
	*source = v;
	return 0;
}

/* replay [--source LABEL]: re-process the quarantined deliveries. */
static int
cmd_replay(int argc, char *argv[], struct smw_store *store,
    const struct smw_config *cfg)
{
	const char	*source = NULL;
	int		 i = 0;

	if (argc > 0 && (cmd_source("replay", argc, argv, &i, &source) != 0 ||
	    i != argc - 1)) {
		fprintf(stderr, "usage: showmojo-webhook replay "
		    "[--source LABEL]\n");
		return 2;
	}
	return replay(store, cfg, source);
}

/*
 * The commands: name, arguments as the usage shows them, how many
 * arguments it takes (max -1: no limit), the function, which gets the
 * arguments after the name, and its help line.
 */
static const struct {
	const char	*name;
	const char	*args;
	int		 min, max;
	int		(*run)(int, char *[], struct smw_store *,
			    const struct smw_config *);
	const char	*help;
} commands[] = {
	{ "migrate", "[SQLDIR]", 0, 1, cmd_migrate,
	    "create or upgrade the schema (harmless twice)" },
	{ "check", "[--max-silence HOURS] [--metrics] [--source LABEL]", 0,
	    5, cmd_check,
	    "configuration, database, schema, spool; monitoring" },
	{ "ingest", "[--source LABEL] FILE...", 1, -1, cmd_ingest,
	    "store saved deliveries (backfill)" },
	{ "replay", "[--source LABEL]", 0, 2, cmd_replay,
	    "re-process quarantined deliveries" },
	{ "drain", "", 0, 0, cmd_drain,
	    "store what the spool holds" },
	{ "forget", "[--dry-run] [--source LABEL] --email ADDR | "
	    "--phone NUMBER | --showing UID...", 1, -1, cmd_forget,
	    "erase one person's personal data everywhere" },
	{ "prune", "--personal-older-than DAYS [--source LABEL]", 1, 4,
	    cmd_prune,
	    "erase personal data older than DAYS, in batches" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
usage(void)
{
	char	 line[120];

	for (size_t i = 0; i < NCOMMANDS; i++) {
		snprintf(line, sizeof(line), "%s %s", commands[i].name,
		    commands[i].args);
		/* A long synopsis has its help on the next line. */
		fprintf(stderr, "%s showmojo-webhook %-18s%s%s\n",
		    i == 0 ? "usage:" : "      ", line,
		    strlen(line) > 18 ? "\n                                    "
		    "     " : " ", commands[i].help);
	}
	fputs("       showmojo-webhook --version\n"
	    "Run by a web server (CGI or FastCGI) it serves deliveries.\n",
	    stderr);
	return 2;
}

int
command(int argc, char *argv[], const struct smw_config *cfg,
    enum smw_err cfg_err)
{
	struct smw_store	 store;
	size_t			 i;
	int			 n = argc - 2, rc;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("showmojo-webhook %s (schema version %d)\n",
		    PACKAGE_VERSION, SMW_SCHEMA_VERSION);
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS) {
		fprintf(stderr, "showmojo-webhook: unknown command '%s'\n",
		    argv[1]);
		return usage();
	}
	if (n < commands[i].min ||
	    (commands[i].max >= 0 && n > commands[i].max)) {
		fprintf(stderr, "showmojo-webhook %s: wrong arguments\n",
		    commands[i].name);
		return usage();
	}
	if (cfg_err != SMW_OK) {
		fprintf(stderr, "configuration is invalid: %s\n",
		    cfg->why[0] ? cfg->why : smw_err_name(cfg_err));
		return 2;
	}
	smw_store_init(&store, cfg);
	rc = commands[i].run(n, argv + 2, &store, cfg);
	smw_store_free(&store);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * One request: method, credential, body, delivery, response, with one
 * log line saying what happened.  And the subcommands an operator runs
 * from a shell, which go through the same delivery code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "deliver.h"
#include "log.h"
#include "privacy.h"
#include "serve.h"

#ifndef SMW_SQLDIR
#define SMW_SQLDIR "/usr/local/share/showmojo-webhook/sql"
#endif

/* Feeds the body reader's chunks into the delivery. */
static enum smw_err
sink(void *ctx, const char *data, size_t len)
{
	return smw_delivery_feed(ctx, data, len);
}

/* GET/HEAD: 200 when the database answers with the current schema. */
static enum smw_err
health(struct smw_store *store, const struct smw_config *cfg,
    enum smw_err cfg_err, char *body, size_t bodysz)
{
	int	 version = 0;

	(void)cfg;
	if (cfg_err != SMW_OK) {
		snprintf(body, bodysz, "{\"status\":\"misconfigured\"}");
		return SMW_ECONFIG;
	}
	if (smw_store_version(store, &version) != SMW_OK) {
		snprintf(body, bodysz, "{\"status\":\"database unavailable\"}");
		return SMW_ECONFIG;
	}
	if (version < SMW_SCHEMA_VERSION) {
		smw_log(SMW_LOG_ERR, "schema version %d, this program needs "
		    "%d: run \"showmojo-webhook migrate\"", version,
		    SMW_SCHEMA_VERSION);
		snprintf(body, bodysz, "{\"status\":\"schema out of date\","
		    "\"schema_version\":%d}", version);
		return SMW_ECONFIG;
	}
	snprintf(body, bodysz, "{\"status\":\"ok\",\"schema_version\":%d}",
	    version);
	return SMW_OK;
}

/* Short JSON body for the outcome of a delivery. */
static void
delivery_body(struct smw_buf *b, const struct smw_delivery *d,
    enum smw_err err)
{
	const struct smw_value	*id = &d->ev.ev[SMW_EV_ID];
	char			 num[64];
	enum smw_err		 e = SMW_OK;

	if (err != SMW_OK && d->outcome != SMW_OUT_QUARANTINED) {
		e = smw_buf_append(b, "{\"error\":\"", 10);
		if (e == SMW_OK)
			e = smw_buf_append(b, smw_err_name(err),
			    strlen(smw_err_name(err)));
		if (e == SMW_OK)
			e = smw_buf_append(b, "\"}", 2);
		return;
	}
	e = smw_buf_append(b, "{\"status\":\"", 11);
	if (e == SMW_OK)
		e = smw_buf_append(b, smw_outcome_names[d->outcome],
		    strlen(smw_outcome_names[d->outcome]));
	if (e == SMW_OK && id->state == SMW_VALUE) {
		if ((e = smw_buf_append(b, "\",\"event_id\":\"", 14)) ==
		    SMW_OK)
			e = smw_http_json_escape(b, id->text, id->len);
	}
	if (e == SMW_OK && d->outcome == SMW_OUT_QUARANTINED) {
		snprintf(num, sizeof(num), "\",\"quarantine_id\":%lld}",
		    d->quarantine_id);
		e = smw_buf_append(b, num, strlen(num));
	} else if (e == SMW_OK)
		e = smw_buf_append(b, "\"}", 2);
	if (e != SMW_OK)
		smw_buf_reset(b);
}

void
serve(struct smw_http *h, const struct smw_config *cfg,
    enum smw_err cfg_err, struct smw_store *store)
{
	const char		*method = smw_http_env(h, "REQUEST_METHOD");
	const char		*why = NULL, *hdr = NULL;
	struct smw_request_meta	 meta;
	struct smw_delivery	 d;
	struct smw_buf		 body;
	char			 small[160], cid[80], cact[80];
	double			 t0 = smw_now_ms();
	enum smw_err		 err;
	bool			 have_d = false;

	smw_buf_init(&body, 4096);
	if (method == NULL)
		method = "";
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		err = health(store, cfg, cfg_err, small, sizeof(small));
		smw_http_respond(h, err, NULL, small);
		goto out;
	}
	if (strcmp(method, "POST") != 0) {
		err = SMW_EMETHOD;
		hdr = "Allow: GET, HEAD, POST\r\n";
		why = "method not allowed";
		goto respond;
	}
	if (cfg_err != SMW_OK) {
		err = SMW_ECONFIG;
		why = "configuration is invalid (see the log at start)";
		goto respond;
	}
	if ((err = smw_auth_check(cfg, smw_http_env(h,
	    "HTTP_AUTHORIZATION"))) != SMW_OK) {
		if (err == SMW_EAUTH) {
			hdr = "WWW-Authenticate: Bearer "
			    "realm=\"showmojo-webhook\"\r\n";
			why = "missing or wrong bearer token";
		} else
			(void)smw_config_accepts(cfg, &why);
		goto respond;
	}
	if ((err = smw_delivery_init(&d, cfg->max_body)) != SMW_OK)
		goto respond;
	have_d = true;
	if ((err = smw_http_read_body(h, cfg->max_body, sink, &d)) != SMW_OK) {
		why = err == SMW_ETOOBIG ?
		    "body larger than SHOWMOJO_MAX_BODY" : "body not read";
		goto respond;
	}
	meta.remote_addr = smw_http_env(h, "REMOTE_ADDR");
	meta.content_type = smw_http_env(h, "CONTENT_TYPE");
	meta.user_agent = smw_http_env(h, "HTTP_USER_AGENT");
	meta.request_uri = smw_http_env(h, "REQUEST_URI");
	err = smw_delivery_finish(&d, store, cfg, &meta);
	delivery_body(&body, &d, err);
	smw_http_respond(h, err, NULL, body.len ? body.data : NULL);
	smw_log(d.outcome == SMW_OUT_QUARANTINED ? SMW_LOG_WARN :
	    err == SMW_OK ? SMW_LOG_INFO : SMW_LOG_ERR,
	    "delivery event=%s action=%s outcome=%s status=%d ms=%.1f%s%s",
	    smw_log_clip(cid, sizeof(cid), d.ev.ev[SMW_EV_ID].text,
	    d.ev.ev[SMW_EV_ID].len),
	    smw_log_clip(cact, sizeof(cact), d.ev.ev[SMW_EV_ACTION].text,
	    d.ev.ev[SMW_EV_ACTION].len),
	    smw_outcome_names[d.outcome], smw_http_status(err),
	    smw_now_ms() - t0, d.why[0] ? " reason=" : "", d.why);
	goto out;
respond:
	snprintf(small, sizeof(small), "{\"error\":\"%s\"}", smw_err_name(err));
	smw_http_respond(h, err, hdr, small);
	smw_log(err == SMW_ECONFIG ? SMW_LOG_ERR : SMW_LOG_WARN,
	    "request method=%s status=%d ms=%.1f reason=%s",
	    smw_log_clip(cact, sizeof(cact), method, strlen(method)),
	    smw_http_status(err), smw_now_ms() - t0,
	    why != NULL ? why : smw_err_name(err));
out:
	if (have_d)
		smw_delivery_free(&d);
	smw_buf_free(&body);
}

/* Read a saved delivery and store it; 0 when stored or already there. */
static int
ingest_file(const char *path, struct smw_store *store,
    const struct smw_config *cfg)
{
	struct smw_delivery	 d;
	FILE			*f;
	char			 chunk[16384];
	size_t			 n;
	enum smw_err		 err;
	int			 rc = 1;

	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	if ((err = smw_delivery_init(&d, cfg->max_body)) != SMW_OK)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((err = smw_delivery_feed(&d, chunk, n)) != SMW_OK)
			goto out;
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	err = smw_delivery_finish(&d, store, cfg, NULL);
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
	if (f != stdin)
		fclose(f);
	return rc;
}

/*
 * Re-process the quarantined deliveries not yet replayed, oldest first,
 * through the same path as a request.  Stored ones are marked replayed;
 * ones still invalid keep their place with the new reason.  Returns 0 when
 * none is left pending.
 */
static int
replay(struct smw_store *store, const struct smw_config *cfg)
{
	struct smw_delivery	 d;
	struct smw_buf		 body;
	char			 result[600];
	long long		 id = 0;
	unsigned long		 n[SMW_OUT__MAX] = { 0 };
	enum smw_err		 err = SMW_OK;
	bool			 found;

	smw_buf_init(&body, (size_t)1 << 30);
	for (;;) {
		if ((err = smw_store_quarantine_next(store, id, &id, &body,
		    &found)) != SMW_OK || !found)
			break;
		if ((err = smw_delivery_init(&d, body.len)) == SMW_OK &&
		    (err = smw_delivery_feed(&d, body.data, body.len)) ==
		    SMW_OK)
			err = smw_delivery_finish(&d, store, cfg, NULL);
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

static int
usage(void)
{
	fputs("usage: showmojo-webhook migrate [SQLDIR]\n"
	    "       showmojo-webhook check\n"
	    "       showmojo-webhook ingest FILE...\n"
	    "       showmojo-webhook replay\n"
	    "       showmojo-webhook forget [--dry-run] --email ADDR | "
	    "--phone NUMBER | --showing UID ...\n"
	    "       showmojo-webhook prune --personal-older-than DAYS\n"
	    "Run by a web server (CGI or FastCGI) it serves deliveries.\n",
	    stderr);
	return 2;
}

int
command(int argc, char *argv[], const struct smw_config *cfg,
    enum smw_err cfg_err)
{
	struct smw_store	 store;
	const char		*dir, *why;
	int			 rc = 0, n = 0, version = 0;

	if (argc < 2)
		return usage();
	if (cfg_err != SMW_OK) {
		fprintf(stderr, "configuration is invalid: %s\n",
		    smw_err_name(cfg_err));
		return 2;
	}
	smw_store_init(&store, cfg);
	if (strcmp(argv[1], "migrate") == 0 && argc <= 3) {
		dir = argc == 3 ? argv[2] : cfg->sqldir ? cfg->sqldir :
		    SMW_SQLDIR;
		/* Not installed yet (a build tree): say how to name sql/. */
		if (access(dir, R_OK | X_OK) != 0) {
			smw_log(SMW_LOG_ERR, "migrations directory %s: %s; "
			    "name the sql/ directory of the source tree: "
			    "SHOWMOJO_SQLDIR=DIR showmojo-webhook migrate, "
			    "or showmojo-webhook migrate DIR", dir,
			    strerror(errno));
			rc = 1;
		} else if (smw_store_migrate(&store, dir, &n) != SMW_OK ||
		    smw_store_version(&store, &version) != SMW_OK)
			rc = 1;
		else
			printf("migrate: %d applied, schema %s at version "
			    "%d\n", n, cfg->schema, version);
	} else if (strcmp(argv[1], "check") == 0 && argc == 2) {
		if (!smw_config_accepts(cfg, &why)) {
			printf("configuration: %s\n", why);
			rc = 1;
		} else
			printf("configuration: ok (%s, %zu token(s), max body "
			    "%zu bytes, invalid deliveries: %s)\n",
			    cfg->auth_none ? "no authentication" :
			    "bearer token",
			    cfg->ntokens, cfg->max_body,
			    cfg->on_invalid == SMW_ON_INVALID_REJECT ?
			    "reject" : "quarantine");
		if (smw_store_version(&store, &version) != SMW_OK) {
			printf("database: unreachable (%s)\n", store.why);
			rc = 1;
		} else if (version < SMW_SCHEMA_VERSION) {
			printf("database: schema %s at version %d, needs %d: "
			    "run \"showmojo-webhook migrate\"\n", cfg->schema,
			    version, SMW_SCHEMA_VERSION);
			rc = 1;
		} else
			printf("database: ok, schema %s at version %d\n",
			    cfg->schema, version);
	} else if (strcmp(argv[1], "ingest") == 0 && argc >= 3) {
		for (int i = 2; i < argc; i++)
			rc |= ingest_file(argv[i], &store, cfg);
	} else if (strcmp(argv[1], "replay") == 0 && argc == 2) {
		rc = replay(&store, cfg);
	} else if (strcmp(argv[1], "forget") == 0) {
		rc = forget(argc - 1, argv + 1, &store);
	} else if (strcmp(argv[1], "prune") == 0) {
		rc = prune(argc - 1, argv + 1, &store);
	} else
		rc = usage();
	smw_store_free(&store);
	return rc;
}

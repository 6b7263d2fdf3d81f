/* SPDX-License-Identifier: MIT */
/*
 * One request: method, credential, body, delivery, response, with one
 * log line saying what happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "deliver.h"
#include "log.h"
#include "outage.h"
#include "serve.h"
#include "tally.h"

/* Feeds the body reader's chunks into the delivery. */
static enum smw_err
sink(void *ctx, const char *data, size_t len)
{
	return smw_delivery_feed(ctx, data, len);
}

/*
 * GET/HEAD: 200 when the database answers with the current schema;
 * SMW_ECONFIG when the configuration is invalid, SMW_EUNAVAIL when the
 * database is unreachable, cannot write (a standby) or its schema is out
 * of date.
 */
static enum smw_err
health(struct smw_store *store, const struct smw_config *cfg,
    enum smw_err cfg_err, char *body, size_t bodysz)
{
	double	 t0 = smw_now_ms();
	int	 version = 0;
	bool	 read_only = false;

	if (cfg_err != SMW_OK) {
		snprintf(body, bodysz, "{\"status\":\"misconfigured\"}");
		return SMW_ECONFIG;
	}
	if (smw_outage_holds(store, cfg) ||
	    smw_store_version(store, &version, &read_only) != SMW_OK) {
		if (store->unreachable)
			smw_outage_begin(cfg, store->why, smw_now_ms() - t0);
		snprintf(body, bodysz, "{\"status\":\"database unavailable\"}");
		drain_health(cfg, false, body, bodysz);
		return SMW_EUNAVAIL;
	}
	if (version < SMW_SCHEMA_VERSION) {
		smw_log(SMW_LOG_ERR, "schema version %d, this program needs "
		    "%d: run \"showmojo-webhook migrate\"", version,
		    SMW_SCHEMA_VERSION);
		snprintf(body, bodysz, "{\"status\":\"schema out of date\","
		    "\"schema_version\":%d}", version);
		return SMW_EUNAVAIL;
	}
	if (read_only) {
		smw_log(SMW_LOG_ERR, "%s", SMW_READ_ONLY_WHY);
		snprintf(body, bodysz, "{\"status\":\"database read-only\"}");
		drain_health(cfg, false, body, bodysz);
		return SMW_EUNAVAIL;
	}
	snprintf(body, bodysz, "{\"status\":\"ok\",\"schema_version\":%d}",
	    version);
	drain_health(cfg, true, body, bodysz);
	return SMW_OK;
}

/*
 * Short JSON body for the outcome of a delivery; left empty when it does
 * not fit or memory runs out.
 */
static void
delivery_body(struct smw_buf *b, const struct smw_delivery *d,
    enum smw_err err)
{
	const struct smw_value	*id = &d->ev.ev[SMW_EV_ID];
	char			 num[64];

	if (err != SMW_OK && d->outcome != SMW_OUT_QUARANTINED) {
		smw_buf_puts(b, "{\"error\":\"");
		smw_buf_puts(b, smw_err_name(err));
		smw_buf_puts(b, "\"}");
	} else {
		smw_buf_puts(b, "{\"status\":\"");
		smw_buf_puts(b, smw_outcome_names[d->outcome]);
		if (id->state == SMW_VALUE) {
			smw_buf_puts(b, "\",\"event_id\":\"");
			smw_http_json_escape(b, id->text, id->len);
		}
		if (d->outcome == SMW_OUT_QUARANTINED) {
			snprintf(num, sizeof(num), "\",\"quarantine_id\":%lld}",
			    d->quarantine_id);
			smw_buf_puts(b, num);
		} else
			smw_buf_puts(b, "\"}");
	}
	if (smw_buf_err(b) != SMW_OK)
		smw_buf_reset(b);
}

/* The count for a delivery's outcome. */
static enum smw_count
outcome_count(const struct smw_delivery *d)
{
	switch (d->outcome) {
	case SMW_OUT_STORED:
		return SMW_COUNT_STORED;
	case SMW_OUT_DUPLICATE:
		return SMW_COUNT_DUPLICATE;
	case SMW_OUT_QUARANTINED:
		return SMW_COUNT_QUARANTINED;
	case SMW_OUT_SPOOLED:
		return SMW_COUNT_SPOOLED;
	default:
		return SMW_COUNT_FAILED;	/* answered 500 */
	}
}

/* The count for a request refused before a delivery; __MAX: none. */
static enum smw_count
refusal_count(enum smw_err err, const struct smw_auth_refusal *a,
    bool method)
{
	if (method)
		return SMW_COUNT_METHOD;
	switch (err) {
	case SMW_EAUTH:
		return a->offered ? SMW_COUNT_WRONG_TOKEN : SMW_COUNT_NO_TOKEN;
	case SMW_ECONFIG:
		return SMW_COUNT_MISCONFIGURED;
	case SMW_ETOOBIG:
		return SMW_COUNT_TOO_LARGE;
	case SMW_EINPUT:
		return SMW_COUNT_BAD_REQUEST;
	default:
		return SMW_COUNT__MAX;	/* the client went away; no memory */
	}
}

/*
 * The delivery's log line; with the label of its token (source, NULL:
 * none, then nothing is said), never the token.
 */
static void
log_delivery(const struct smw_delivery *d, enum smw_err err, int status,
    double ms, const char *source)
{
	char	 cid[80], cact[80];

	smw_log(d->outcome == SMW_OUT_QUARANTINED ? SMW_LOG_WARN :
	    err == SMW_OK ? SMW_LOG_INFO : SMW_LOG_ERR,
	    "delivery event=%s action=%s outcome=%s status=%d ms=%.1f%s%s"
	    "%s%s",
	    smw_log_clip(cid, sizeof(cid), d->ev.ev[SMW_EV_ID].text,
	    d->ev.ev[SMW_EV_ID].len),
	    smw_log_clip(cact, sizeof(cact), d->ev.ev[SMW_EV_ACTION].text,
	    d->ev.ev[SMW_EV_ACTION].len),
	    smw_outcome_names[d->outcome], status, ms,
	    source != NULL ? " source=" : "", source != NULL ? source : "",
	    d->why[0] ? " reason=" : "", d->why);
}

void
serve(struct smw_http *h, const struct smw_config *cfg,
    enum smw_err cfg_err, struct smw_store *store)
{
	const char		*method = smw_http_env(h, "REQUEST_METHOD");
	const char		*why = NULL, *hdr = NULL;
	struct smw_auth_refusal	 a = { 0 };
	struct smw_request_meta	 meta;
	struct smw_delivery	 d;
	struct smw_buf		 body;
	char			 small[160], cmeth[80], fp[40];
	enum smw_count		 n;
	double			 t0 = smw_now_ms();
	enum smw_err		 err = SMW_OK;
	bool			 have_d = false, refused = true;
	bool			 method_no = false;

	smw_buf_init(&body, 4096);
	if (method == NULL)
		method = "";
	switch (smw_http_method(h)) {
	case SMW_HTTP_HEALTH:
		err = health(store, cfg, cfg_err, small, sizeof(small));
		smw_http_respond(h, err, NULL, small);
		refused = false;
		goto out;
	case SMW_HTTP_POST:
		break;
	default:
		smw_http_refuse_method(h);
		why = "method not allowed";
		method_no = true;
		goto out;
	}
	if (cfg_err != SMW_OK) {
		err = SMW_ECONFIG;
		why = "configuration is invalid (see the log at start)";
		goto out;
	}
	if ((err = smw_auth_check(cfg, smw_http_env(h,
	    "HTTP_AUTHORIZATION"), &a)) != SMW_OK) {
		if (err == SMW_EAUTH) {
			hdr = "WWW-Authenticate: Bearer "
			    "realm=\"showmojo-webhook\"\r\n";
			why = a.offered ? "wrong bearer token" :
			    "no bearer token";
		} else
			(void)smw_config_accepts(cfg, &why);
		goto out;
	}
	if ((err = smw_delivery_init(&d, cfg->max_body)) != SMW_OK)
		goto out;
	have_d = true;
	if ((err = smw_http_read_body(h, cfg->max_body, sink, &d)) != SMW_OK) {
		why = err == SMW_ETOOBIG ?
		    "body larger than SHOWMOJO_MAX_BODY" : "body not read";
		goto out;
	}
	meta.remote_addr = smw_http_env(h, "REMOTE_ADDR");
	meta.content_type = smw_http_env(h, "CONTENT_TYPE");
	meta.user_agent = smw_http_env(h, "HTTP_USER_AGENT");
	meta.request_uri = smw_http_env(h, "REQUEST_URI");
	meta.source = a.source;
	err = smw_delivery_finish(&d, store, cfg, &meta);
	delivery_body(&body, &d, err);
	smw_http_respond(h, err, NULL, body.len ? body.data : NULL);
	log_delivery(&d, err, smw_http_status(err), smw_now_ms() - t0,
	    meta.source);
	(void)smw_tally(outcome_count(&d), NULL);
	refused = false;
out:
	/*
	 * Refused before a delivery: the error answer, its count and its log
	 * line, the first of its kind in a while only (lib/tally.h).
	 */
	if (refused) {
		snprintf(small, sizeof(small), "{\"error\":\"%s\"}",
		    smw_err_name(err));
		smw_http_respond(h, err, hdr, small);
		n = refusal_count(err, &a, method_no);
		fp[0] = '\0';
		if (a.offered)
			snprintf(fp, sizeof(fp), " fingerprint=%s",
			    a.fingerprint);
		if (n == SMW_COUNT__MAX || smw_tally(n, a.offered ?
		    a.fingerprint : NULL))
			smw_log(err == SMW_ECONFIG ? SMW_LOG_ERR : SMW_LOG_WARN,
			    "request method=%s status=%d ms=%.1f reason=%s%s",
			    smw_log_clip(cmeth, sizeof(cmeth), method,
			    strlen(method)), h->status, smw_now_ms() - t0,
			    why != NULL ? why : smw_err_name(err), fp);
	}
	if (have_d)
		smw_delivery_free(&d);
	smw_buf_free(&body);
}

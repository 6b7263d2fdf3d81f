/* SPDX-License-Identifier: MIT */
/*
 * The delivery pipeline: body → parser → store, or → quarantine.  The
 * decision between "invalid" (never retried) and "transient" (500, let the
 * sender retry) is made from the parser's verdict and the store's SQLSTATE
 * classification, nowhere else.
 */
#include <stdio.h>
#include <string.h>

#include "deliver.h"
#include "log.h"
#include "outage.h"
#include "spool.h"

const char *const smw_outcome_names[SMW_OUT__MAX] = {
	[SMW_OUT_NONE] = "error",
	[SMW_OUT_STORED] = "stored",
	[SMW_OUT_DUPLICATE] = "duplicate",
	[SMW_OUT_QUARANTINED] = "quarantined",
	[SMW_OUT_INVALID] = "invalid",
	[SMW_OUT_SPOOLED] = "spooled",
};

enum smw_err
smw_delivery_init(struct smw_delivery *d, size_t max_body)
{
	memset(d, 0, sizeof(*d));
	smw_event_init(&d->ev);
	smw_buf_init(&d->body, max_body);
	return smw_parse_init(&d->parse, &d->ev);
}

void
smw_delivery_free(struct smw_delivery *d)
{
	if (d == NULL)
		return;
	smw_parse_free(&d->parse);
	smw_event_free(&d->ev);
	smw_buf_free(&d->body);
}

enum smw_err
smw_delivery_feed(struct smw_delivery *d, const char *data, size_t len)
{
	enum smw_err	 err;

	if ((err = smw_buf_append(&d->body, data, len)) != SMW_OK)
		return err;
	/* An invalid body is still read whole, for the quarantine. */
	if (smw_parse_feed(&d->parse, data, len) == SMW_ENOMEM)
		return SMW_ENOMEM;
	return SMW_OK;
}

enum smw_err
smw_delivery_run(struct smw_delivery *d, const char *body, size_t len,
    struct smw_store *s, const struct smw_config *cfg,
    const struct smw_request_meta *meta)
{
	enum smw_err	 err;

	if ((err = smw_delivery_init(d, len + 1)) != SMW_OK ||
	    (err = smw_delivery_feed(d, body, len)) != SMW_OK)
		return err;
	return smw_delivery_finish(d, s, cfg, meta);
}

/* Keep an invalid delivery, or say it is invalid; see the header. */
static enum smw_err
invalid(struct smw_delivery *d, struct smw_store *s,
    const struct smw_config *cfg, const struct smw_request_meta *meta)
{
	const struct smw_value	*id = &d->ev.ev[SMW_EV_ID];
	enum smw_err		 err;

	if (meta == NULL) {
		d->outcome = SMW_OUT_INVALID;
		return SMW_EINPUT;
	}
	err = smw_store_quarantine(s, d->body.data, d->body.len, d->why,
	    id->state == SMW_VALUE ? id->text : NULL, meta, &d->quarantine_id);
	if (err != SMW_OK)
		return err;
	d->outcome = SMW_OUT_QUARANTINED;
	return cfg->on_invalid == SMW_ON_INVALID_REJECT ? SMW_EINPUT : SMW_OK;
}

/* The delivery's outcome from the parser and the database alone. */
static enum smw_err
finish(struct smw_delivery *d, struct smw_store *s,
    const struct smw_config *cfg, const struct smw_request_meta *meta)
{
	enum smw_store_outcome	 so;
	enum smw_err		 err;

	d->outcome = SMW_OUT_NONE;
	smw_parse_strict(&d->parse, cfg->strict);
	if ((err = smw_parse_finish(&d->parse)) == SMW_ENOMEM)
		return err;
	if (err != SMW_OK) {
		snprintf(d->why, sizeof(d->why), "%s",
		    smw_parse_why(&d->parse));
		return invalid(d, s, cfg, meta);
	}
	err = smw_store_event(s, d->body.data, d->body.len, &so);
	if (err == SMW_EINPUT) {
		/* The store's reason, cut to fit if need be. */
		snprintf(d->why, sizeof(d->why), "database refused: %.*s",
		    (int)(sizeof(d->why) - 20), s->why);
		return invalid(d, s, cfg, meta);
	}
	if (err != SMW_OK)
		return err;
	d->outcome = so == SMW_STORE_DUPLICATE ? SMW_OUT_DUPLICATE :
	    SMW_OUT_STORED;
	return SMW_OK;
}

/*
 * The one place a retryable failure becomes a 200 (doc/design.md,
 * "Spool"): only a request that passed authentication and the size limit
 * gets here, and only a database failure is spooled, never an invalid
 * delivery (that one is quarantined, or spooled when the quarantine
 * itself is unavailable).
 */
enum smw_err
smw_delivery_finish(struct smw_delivery *d, struct smw_store *s,
    const struct smw_config *cfg, const struct smw_request_meta *meta)
{
	/* One from the spool (its arrival known) is never spooled again. */
	bool		 spool = cfg->spool != NULL && meta != NULL &&
	    s->received == 0;
	double		 t0 = smw_now_ms();
	const char	*source = s->source;
	enum smw_err	 err;

	/* The request's source, for this delivery only (store.h). */
	if (meta != NULL)
		s->source = meta->source;
	/*
	 * In a known outage, the delivery is spooled without waiting on the
	 * network, unless this process's probe finds the database back.
	 */
	if (spool && smw_outage_holds(s, cfg)) {
		snprintf(d->why, sizeof(d->why), "database unreachable "
		    "(outage known, probing)");
		err = SMW_EDB;
	} else {
		s->unreachable = false;
		err = finish(d, s, cfg, meta);
		if (err == SMW_EDB && s->unreachable)
			smw_outage_begin(cfg, s->why, smw_now_ms() - t0);
	}
	s->source = source;
	if (err != SMW_EDB || !spool)
		return err;
	if (smw_spool_put(cfg, d->body.data, d->body.len, meta) != SMW_OK)
		return err;
	d->outcome = SMW_OUT_SPOOLED;
	return SMW_OK;
}

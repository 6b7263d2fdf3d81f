-- SPDX-License-Identifier: MIT
-- Several ShowMojo accounts on one endpoint.  A token may carry a label
-- (SHOWMOJO_TOKENS=north:TOKEN1,south:TOKEN2; doc/deployment.md,
-- "Several accounts on one endpoint"), and every delivery is stored with
-- the label of the token that brought it, its source:
--
--   events.source      the source of the delivery;
--   showings.source    the source of the event whose snapshot the row
--                      holds (its last event by the ordering rule), as
--                      last_event_id;
--   quarantine.source  the source of the body (of its latest delivery,
--                      as its other request metadata);
--   erasures.source    the source a forget or prune was limited to.
--
-- NULL: a token without a label (or SHOWMOJO_AUTH=none), and every row
-- stored before this migration.  The columns are nullable and have no
-- default, so adding them rewrites no table.  The program gives ingest()
-- the source as a setting of the delivery's transaction, showmojo.source
-- (set_config(..., true), as showmojo.received_at in 020): nothing is
-- kept in the session.  The row-level views gain source as their last
-- column; the aggregated ones (listing_funnel, events_daily,
-- upcoming_by_listing, quarantine_summary) stay summed over sources.
-- forget, prune and their spool record take an optional source (a
-- parameter with a default: a call without it means every source).
BEGIN;

ALTER TABLE events ADD COLUMN source text;
ALTER TABLE showings ADD COLUMN source text;
ALTER TABLE quarantine ADD COLUMN source text;
ALTER TABLE erasures ADD COLUMN source text;
COMMENT ON COLUMN events.source IS
    'The label of the token that brought the delivery; NULL: unlabelled, or stored before 024.';
COMMENT ON COLUMN showings.source IS
    'The source of the event whose snapshot the row holds (last_event_id).';
COMMENT ON COLUMN quarantine.source IS
    'The label of the token that brought the body; NULL: unlabelled.';
COMMENT ON COLUMN erasures.source IS
    'The source forget or prune was limited to; NULL: every source.';

-- Store one delivery, as in 022, with its source.
CREATE OR REPLACE FUNCTION ingest(p_payload jsonb,
    p_lock_timeout_ms integer DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET timezone TO 'UTC'
AS $fn$
DECLARE
	ev	jsonb := p_payload->'event';
	sh	jsonb := ev->'showing';
	v_id	text := ev->>'id';
	v_num	numeric;
	v_at	timestamptz := nullif(ev->>'created_at', '')::timestamptz;
	v_when	timestamptz;	-- created_at, else received_at
	v_uid	text;
	v_whole	boolean;	-- sh carries every field of showing_fields
	merged	jsonb;		-- set when an older event forces a merge
	-- the label of the delivery's token (the program sets it, 024)
	v_src	text := nullif(current_setting('showmojo.source', true), '');
BEGIN
	-- The transaction's settings (see 019).
	IF p_lock_timeout_ms IS NOT NULL THEN
		PERFORM set_config('lock_timeout', p_lock_timeout_ms::text, true);
	END IF;
	IF current_setting('synchronous_commit') IN ('off', 'local') THEN
		PERFORM set_config('synchronous_commit', 'on', true);
	END IF;

	IF v_id ~ '^[0-9]+$' THEN
		v_num := v_id::numeric;
	END IF;
	IF jsonb_typeof(sh) = 'object' THEN
		v_uid := sh->>'uid';
	END IF;

	INSERT INTO events (id, action, actor, team_member_name,
	    team_member_uid, created_at, showing_uid, payload, ord_num,
	    source)
	VALUES (v_id, ev->>'action', ev->>'actor', ev->>'team_member_name',
	    ev->>'team_member_uid', v_at, v_uid, p_payload, v_num, v_src)
	ON CONFLICT (id) DO NOTHING
	RETURNING coalesce(created_at, received_at) INTO v_when;
	IF NOT FOUND THEN
		-- Lock the stored event: the lock is written to the WAL, so this
		-- commit waits for a synchronous standby as a first delivery's
		-- does.  That first delivery may have been answered 500 with its
		-- commit on the primary only; "duplicate" is then as durable as
		-- "stored".
		PERFORM FROM events WHERE id = v_id FOR KEY SHARE;
		RETURN 'duplicate';
	END IF;
	INSERT INTO event_days VALUES ((v_when AT TIME ZONE 'UTC')::date)
	ON CONFLICT (day) DO NOTHING;
	IF v_uid IS NULL THEN
		RETURN 'stored';
	END IF;
	v_whole := sh ?& ARRAY['uid', 'created_at', 'showtime',
	    'showing_time_zone', 'showing_time_zone_utc_offset', 'name',
	    'phone', 'email', 'notes', 'listing_uid', 'listing_full_address',
	    'is_self_show', 'confirmed_at', 'canceled_at',
	    'self_show_code_distributed_at'];

	LOOP
		IF v_whole AND merged IS NULL THEN
			-- The common case: the merged snapshot's fields are the
			-- object's, which the proposed row holds already; an
			-- event newer than the row's is not its first.
			INSERT INTO showings AS s (uid, created_at, showtime,
			    showing_time_zone, showing_time_zone_utc_offset,
			    name, phone, email, notes, listing_uid,
			    listing_full_address, is_self_show, confirmed_at,
			    canceled_at, self_show_code_distributed_at,
			    snapshot, last_event_id, last_ord_num,
			    last_event_created_at, zone, first_ord_num,
			    first_event_created_at, first_event_id,
			    first_event_at, source)
			SELECT f.*, sh, v_id, v_num, v_at,
			    coalesce((SELECT t.zone FROM time_zones t
				WHERE t.name = f.showing_time_zone),
				showing_zone(f.showing_time_zone)),
			    v_num, v_at, v_id, v_when, v_src
			FROM showing_record(sh) f	-- (a join would hash time_zones)
			ON CONFLICT (uid) DO UPDATE SET
			    (uid, created_at, showtime, showing_time_zone,
			    showing_time_zone_utc_offset, name, phone, email,
			    notes, listing_uid, listing_full_address,
			    is_self_show, confirmed_at, canceled_at,
			    self_show_code_distributed_at, snapshot,
			    last_event_id, last_ord_num, last_event_created_at,
			    last_seen_at, zone, source) =
			    (excluded.uid, excluded.created_at,
			    excluded.showtime, excluded.showing_time_zone,
			    excluded.showing_time_zone_utc_offset,
			    excluded.name, excluded.phone, excluded.email,
			    excluded.notes, excluded.listing_uid,
			    excluded.listing_full_address,
			    excluded.is_self_show, excluded.confirmed_at,
			    excluded.canceled_at,
			    excluded.self_show_code_distributed_at,
			    s.snapshot || excluded.snapshot,
			    excluded.last_event_id, excluded.last_ord_num,
			    excluded.last_event_created_at, now(),
			    excluded.zone, excluded.source)
			WHERE event_key(excluded.last_ord_num,
			    excluded.last_event_created_at,
			    excluded.last_event_id)
			    > event_key(s.last_ord_num, s.last_event_created_at,
			    s.last_event_id);
		ELSE
			-- The proposed row reads the event's own fields even
			-- when a newer event hides them; the row takes the
			-- merged ones, and this event as its first when it is
			-- older than the row's first.
			INSERT INTO showings AS s (uid, created_at, showtime,
			    showing_time_zone, showing_time_zone_utc_offset,
			    name, phone, email, notes, listing_uid,
			    listing_full_address, is_self_show, confirmed_at,
			    canceled_at, self_show_code_distributed_at,
			    snapshot, last_event_id, last_ord_num,
			    last_event_created_at, zone, first_ord_num,
			    first_event_created_at, first_event_id,
			    first_event_at, source)
			SELECT f.*, sh, v_id, v_num, v_at,
			    showing_zone(f.showing_time_zone),
			    v_num, v_at, v_id, v_when, v_src
			FROM showing_record(sh) f
			ON CONFLICT (uid) DO UPDATE SET
			    (uid, created_at, showtime, showing_time_zone,
			    showing_time_zone_utc_offset, name, phone, email,
			    notes, listing_uid, listing_full_address,
			    is_self_show, confirmed_at, canceled_at,
			    self_show_code_distributed_at, snapshot,
			    last_event_id, last_ord_num, last_event_created_at,
			    last_seen_at, zone, first_ord_num,
			    first_event_created_at, first_event_id,
			    first_event_at, source) =
			    (SELECT f.*, m.snap,
				CASE WHEN merged IS NULL
				    THEN excluded.last_event_id
				    ELSE s.last_event_id END,
				CASE WHEN merged IS NULL
				    THEN excluded.last_ord_num
				    ELSE s.last_ord_num END,
				CASE WHEN merged IS NULL
				    THEN excluded.last_event_created_at
				    ELSE s.last_event_created_at END,
				now(),
				showing_zone(f.showing_time_zone),
				CASE WHEN o.older THEN excluded.first_ord_num
				    ELSE s.first_ord_num END,
				CASE WHEN o.older
				    THEN excluded.first_event_created_at
				    ELSE s.first_event_created_at END,
				CASE WHEN o.older THEN excluded.first_event_id
				    ELSE s.first_event_id END,
				CASE WHEN o.older THEN excluded.first_event_at
				    ELSE s.first_event_at END,
				CASE WHEN merged IS NULL
				    THEN excluded.source
				    ELSE s.source END
			    FROM (SELECT coalesce(merged,
				s.snapshot || excluded.snapshot) AS snap
				OFFSET 0) m,	-- merged once, not per field
				showing_record(m.snap) f,
				(SELECT s.first_event_id IS NULL
				    OR event_key(excluded.first_ord_num,
					excluded.first_event_created_at,
					excluded.first_event_id)
				    < event_key(s.first_ord_num,
					s.first_event_created_at,
					s.first_event_id) AS older) o)
			WHERE merged IS NOT NULL
			    OR event_key(excluded.last_ord_num,
				excluded.last_event_created_at,
				excluded.last_event_id)
			    > event_key(s.last_ord_num, s.last_event_created_at,
				s.last_event_id);
		END IF;
		EXIT WHEN FOUND;

		-- An older event arrived late: each field comes from the
		-- greatest stored event that carried it.
		SELECT coalesce(jsonb_object_agg(key, value), '{}')
		INTO merged
		FROM (SELECT DISTINCT ON (k.key) k.key, k.value
		    FROM events e,
			jsonb_each(e.payload->'event'->'showing') k
		    WHERE e.showing_uid = v_uid
			AND jsonb_typeof(e.payload->'event'->'showing') = 'object'
		    ORDER BY k.key,
			event_key(e.ord_num, e.created_at, e.id) DESC) x;
	END LOOP;

	-- An outcome event: the showing's outcome from all of them (the row
	-- is locked, so this sees every one stored before).
	IF showing_outcome(ev->>'action') IS NOT NULL THEN
		UPDATE showings SET (no_show, showed) = (SELECT
			coalesce((array_agg(showing_outcome(e.action)
			    ORDER BY event_key(e.ord_num, e.created_at, e.id)
			    DESC) FILTER (WHERE showing_outcome(e.action)
			    <> 'showed'))[1] = 'no-show', false),
			coalesce(bool_or(showing_outcome(e.action) = 'showed'),
			    false)
		    FROM events e
		    WHERE e.showing_uid = v_uid
			AND showing_outcome(e.action) IS NOT NULL)
		WHERE uid = v_uid;
	END IF;
	RETURN 'stored';
END
$fn$;

CREATE OR REPLACE VIEW showings_local AS
SELECT
	s.uid AS showing_uid,
	s.listing_uid,
	s.listing_full_address,
	s.name,
	s.email,
	s.phone,
	prospect_key(s.email, s.phone, s.uid) AS prospect,
	s.showing_time_zone,
	s.zone,
	s.showtime,
	s.showtime AT TIME ZONE s.zone AS showtime_local,
	(s.showtime AT TIME ZONE s.zone) - (s.showtime AT TIME ZONE 'UTC')
	    AS utc_offset,
	s.is_self_show,
	s.confirmed_at,
	s.canceled_at,
	s.no_show,
	showing_status(s.canceled_at IS NOT NULL, s.no_show, s.showed,
	    s.showtime, s.confirmed_at IS NOT NULL, n.now) AS status,
	s.created_at,
	s.last_event_id,
	s.first_seen_at,
	s.last_seen_at,
	s.source
FROM (SELECT as_of() AS now OFFSET 0) n,	-- read once, not per row
    showings s;

CREATE OR REPLACE VIEW upcoming_showings AS
SELECT
	listing_uid,
	listing_full_address,
	showtime_local,
	zone,
	status,
	name,
	email,
	phone,
	is_self_show,
	showing_uid,
	showtime,
	source
FROM showings_local
WHERE showtime > as_of() AND status IN ('requested', 'confirmed');

-- The source of each event (not of its showing's row).
CREATE OR REPLACE VIEW prospect_timeline AS
SELECT
	lower(s.email) AS email,
	phone_key(s.phone) AS phone_key,
	s.name,
	e.ord_num,
	e.created_at,
	e.created_at AT TIME ZONE coalesce(s.zone, 'UTC') AS created_local,
	e.id COLLATE "C" AS event_id,
	e.action,
	coalesce(a.category, 'unknown') AS category,
	a.meaning,
	e.actor,
	e.team_member_name,
	e.showing_uid,
	s.listing_uid,
	s.listing_full_address,
	utc_time(e.payload #>> '{event,showing,showtime}')
	    AT TIME ZONE coalesce(s.zone, 'UTC') AS showtime_local,
	coalesce(s.zone, 'UTC') AS zone,
	e.source
FROM events e
JOIN showings s ON s.uid = e.showing_uid
LEFT JOIN actions a ON a.action = e.action;

-- forget, prune and the spool's record, limited to one source when it is
-- given (015, 021); without it, as before.  A showing belongs to a source
-- by its row; a person's values are then erased only from the events and
-- quarantined bodies of that source.
DROP FUNCTION forget(text[], text[], text[], boolean);
DROP FUNCTION prune_showings(integer, jsonb, integer, integer);
DROP FUNCTION prune_quarantine(integer, integer);
DROP FUNCTION prune_record(integer, integer, integer, integer);
DROP FUNCTION spool_erasure(bigint, text, integer, text[], text[], text[],
    integer);

-- Forget a person, as in 015; with p_source, only in that source.
CREATE FUNCTION forget(p_emails text[], p_phones text[], p_uids text[],
    p_dry_run boolean, p_source text DEFAULT NULL, OUT showings integer,
    OUT events integer,
    OUT quarantine integer, OUT erasure bigint)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	emails	text[];
	phones	text[];
	uids	text[];
	names	text[] := '{}';
	found_	text[];
	u	text;
	r	record;
	n	integer;
BEGIN
	showings := 0;
	events := 0;
	quarantine := 0;
	-- What could match too much is left out: an address without "@",
	-- a number of fewer than 7 digits (the program refuses them).
	emails := ARRAY(SELECT DISTINCT lower(btrim(x)) FROM unnest(p_emails) x
	    WHERE x LIKE '%_@_%');
	phones := ARRAY(SELECT DISTINCT phone_tail(x) FROM unnest(p_phones) x
	    WHERE length(phone_tail(x)) >= 7);
	uids := ARRAY(SELECT DISTINCT x FROM unnest(p_uids) x WHERE x <> '');

	BEGIN
		-- The person's showings.
		found_ := ARRAY(
		    SELECT s.uid FROM showings s WHERE s.uid = ANY (uids)
			AND (p_source IS NULL OR s.source = p_source)
		    UNION
		    SELECT e.showing_uid FROM events e
		    WHERE e.showing_uid IS NOT NULL AND (
			lower(e.payload #>> '{event,showing,email}') =
			    ANY (emails)
			OR phone_tail(e.payload #>> '{event,showing,phone}') =
			    ANY (phones))
			AND (p_source IS NULL OR e.source = p_source));
		-- Their values, to be found everywhere else.
		FOREACH u IN ARRAY found_ LOOP
			SELECT * INTO r FROM showing_values(u);
			emails := emails || r.emails;
			phones := phones || r.phones;
			names := names || r.names;
		END LOOP;
		emails := ARRAY(SELECT DISTINCT x FROM unnest(emails) x);
		phones := ARRAY(SELECT DISTINCT x FROM unnest(phones) x);
		names := ARRAY(SELECT DISTINCT x FROM unnest(names) x);

		FOREACH u IN ARRAY ARRAY(SELECT x FROM unnest(found_) x
		    ORDER BY x) LOOP
			SELECT * INTO r FROM erase_showing(u, emails, phones,
			    names);
			showings := showings + r.showing_changed::integer;
			events := events + r.events_changed;
		END LOOP;

		-- Other events whose delivery holds one of the values.
		UPDATE events e SET payload = x.p
		FROM (SELECT id, erase_payload(payload, false, emails, phones,
			names) AS p
		    FROM events
		    WHERE (showing_uid IS NULL OR showing_uid <> ALL (found_))
			AND (p_source IS NULL OR source = p_source)
			AND holds_value(payload::text, emails, phones, names)) x
		WHERE e.id = x.id AND e.payload IS DISTINCT FROM x.p;
		GET DIAGNOSTICS n = ROW_COUNT;
		events := events + n;

		-- Quarantined deliveries that hold one of the values (the
		-- name as a JSON string, any case) or a showing's uid.
		UPDATE quarantine q SET body = '\x'::bytea, erased_at = now(),
		    reason = CASE WHEN personal_value(q.reason, emails, phones,
			'{}') THEN 'erased' ELSE q.reason END,
		    request_uri = CASE WHEN personal_value(q.request_uri,
			emails, phones, '{}') THEN NULL ELSE q.request_uri END,
		    replay_result = CASE WHEN q.replayed_at IS NULL
			THEN 'erased' ELSE q.replay_result END,
		    replayed_at = coalesce(q.replayed_at, now())
		WHERE length(q.body) > 0
		    AND (p_source IS NULL OR q.source = p_source) AND EXISTS (
		    SELECT FROM (SELECT body_text(q.body) AS t) b
		    WHERE holds_value(b.t, emails, phones, names)
			OR EXISTS (SELECT FROM unnest(found_) x
			    WHERE strpos(b.t, '"' || x || '"') > 0));
		GET DIAGNOSTICS quarantine = ROW_COUNT;

		IF showings + events + quarantine > 0 AND NOT p_dry_run THEN
			INSERT INTO erasures (command, selector_hashes,
			    showings, events, quarantine, source)
			VALUES ('forget', ARRAY(
			    SELECT encode(sha256(convert_to(x, 'UTF8')), 'hex')
			    FROM (SELECT 'email:' || lower(btrim(y))
				FROM unnest(p_emails) y
				UNION SELECT 'phone:' || phone_key(y)
				FROM unnest(p_phones) y
				UNION SELECT 'showing:' || y
				FROM unnest(p_uids) y) s(x)
			    WHERE x IS NOT NULL ORDER BY 1),
			    showings, events, quarantine, p_source)
			RETURNING id INTO erasure;
		END IF;
		IF p_dry_run THEN
			RAISE EXCEPTION USING ERRCODE = 'SMW01',
			    MESSAGE = 'dry run';
		END IF;
	EXCEPTION WHEN SQLSTATE 'SMW01' THEN
		NULL;	/* a dry run: rolled back, nothing changed */
	END;
END
$fn$;

-- One batch of prune, as in 015; with p_source, only in that source.
CREATE FUNCTION prune_showings(p_days integer, p_cursor jsonb,
    p_limit integer, p_budget_ms integer, p_source text DEFAULT NULL,
    OUT showings integer, OUT events integer, OUT next_cursor jsonb)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	r	record;
	e	record;
	n	integer := 0;
	t0	timestamptz := clock_timestamp();
BEGIN
	showings := 0;
	events := 0;
	next_cursor := NULL;
	FOR r IN SELECT s.uid, s.last_seen_at FROM showings s
	    WHERE (s.erased_at IS NULL OR s.name IS NOT NULL
		OR s.phone IS NOT NULL OR s.email IS NOT NULL
		OR s.notes IS NOT NULL)
		AND s.last_seen_at < now() - p_days * interval '1 day'
		AND (p_source IS NULL OR s.source = p_source)
		AND (s.last_seen_at, s.uid) >
		    (coalesce((p_cursor->>'seen')::timestamptz, '-infinity'),
		    coalesce(p_cursor->>'uid', ''))
	    ORDER BY s.last_seen_at, s.uid
	    LIMIT p_limit
	    FOR UPDATE SKIP LOCKED
	LOOP
		SELECT * INTO e FROM erase_showing(r.uid, '{}', '{}', '{}');
		showings := showings + e.showing_changed::integer;
		events := events + e.events_changed;
		n := n + 1;
		next_cursor := jsonb_build_object('seen', r.last_seen_at,
		    'uid', r.uid);
		IF clock_timestamp() - t0 >
		    p_budget_ms * interval '1 millisecond' THEN
			RETURN;	/* next_cursor: more may follow */
		END IF;
	END LOOP;
	IF n < p_limit THEN
		next_cursor := NULL;
	END IF;
END
$fn$;

-- One batch of prune in the quarantine: delete up to p_limit rows that
-- were replayed (the delivery is in events) or arrived more than p_days
-- days ago.  Rows forget() emptied stay until they are that old.
CREATE FUNCTION prune_quarantine(p_days integer, p_limit integer,
    p_source text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	n	integer;
BEGIN
	DELETE FROM quarantine WHERE id IN (
	    SELECT id FROM quarantine
	    WHERE (received_at < now() - p_days * interval '1 day'
		OR (replayed_at IS NOT NULL AND erased_at IS NULL))
		AND (p_source IS NULL OR source = p_source)
	    ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$fn$;

-- Record a prune run that changed something; returns the erasure's id.
CREATE FUNCTION prune_record(p_days integer, p_showings integer,
    p_events integer, p_quarantine integer, p_source text DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
SET search_path FROM CURRENT
AS $fn$
	INSERT INTO erasures (command, older_than_days, showings, events,
	    quarantine, source)
	SELECT 'prune', p_days, p_showings, p_events, p_quarantine, p_source
	WHERE p_showings + p_events + p_quarantine > 0
	RETURNING id
$fn$;

-- Count spool files in an erasure's record, as in 021.
CREATE FUNCTION spool_erasure(p_erasure bigint, p_command text,
    p_days integer, p_emails text[], p_phones text[], p_uids text[],
    p_spool integer, p_source text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	id_	bigint := nullif(p_erasure, 0);
BEGIN
	IF p_spool <= 0 THEN
		RETURN id_;
	END IF;
	IF id_ IS NOT NULL THEN
		UPDATE erasures SET spool = spool + p_spool WHERE id = id_;
		RETURN id_;
	END IF;
	INSERT INTO erasures (command, selector_hashes, older_than_days,
	    showings, events, quarantine, spool, source)
	VALUES (p_command, CASE WHEN p_command = 'forget' THEN ARRAY(
	    SELECT encode(sha256(convert_to(x, 'UTF8')), 'hex')
	    FROM (SELECT 'email:' || lower(btrim(y)) FROM unnest(p_emails) y
		UNION SELECT 'phone:' || phone_key(y) FROM unnest(p_phones) y
		UNION SELECT 'showing:' || y FROM unnest(p_uids) y) s(x)
	    WHERE x IS NOT NULL ORDER BY 1) END,
	    p_days, 0, 0, 0, p_spool, p_source)
	RETURNING id INTO id_;
	RETURN id_;
END
$fn$;

-- Only the schema owner erases.

-- Only the schema owner erases.
REVOKE ALL ON FUNCTION
    forget(text[], text[], text[], boolean, text),
    prune_showings(integer, jsonb, integer, integer, text),
    prune_quarantine(integer, integer, text),
    prune_record(integer, integer, integer, integer, text),
    spool_erasure(bigint, text, integer, text[], text[], text[], integer,
    text)
    FROM PUBLIC;

DO $roles$
BEGIN
	-- The writer inserts and updates whole rows (002): nothing to add.
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_analyst')
	THEN
		-- A label is no personal data.
		GRANT SELECT (source) ON events, showings, quarantine,
		    showings_local, upcoming_showings, prospect_timeline
		    TO showmojo_analyst;
	END IF;
END
$roles$;

INSERT INTO schema_migrations (version, name)
    VALUES (24, '024-sources');
COMMIT;

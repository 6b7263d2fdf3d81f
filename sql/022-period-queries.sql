-- SPDX-License-Identifier: MIT
-- Questions about a period read that period, not the whole history
-- (doc/performance.md, "Queries over years of history").  The funnel
-- found each prospect's first event per listing with a DISTINCT ON over
-- every event, and events_daily grouped every event, so that "the last
-- 90 days" cost as much as all of it.  Now each showing row keeps what
-- the views need of its events, and the views read periods through
-- indexes on it.
--
-- A showing row keeps, besides its snapshot:
--   zone             the IANA zone of showing_time_zone (showing_zone():
--                    NULL when unknown);
--   first_*          its first event by the ordering rule (ord_num,
--                    created_at, id) and when that event happened
--                    (created_at, else received_at): where a lead starts;
--   no_show, showed  what its outcome events say (showing_outcome()):
--                    the latest no-show mark is a no-show; an event says
--                    the showing took place.
-- ingest() keeps them in the delivery's transaction: the zone and the
-- first event in its upsert of the showing, the outcome with one more
-- statement for an outcome event.  forget and prune change neither an
-- event's action nor its order nor its time, so none of these.  A later
-- migration that changes time_zones sets zone again.
--
-- The funnel reads two narrow tables, which a trigger on showings keeps,
-- whoever changes a row (ingest(), and forget and prune, which erase the
-- email and phone that make the prospect: the showing then leads alone,
-- as "showing UID"):
--   funnel_showings  per showing, what its funnel row needs: listing,
--                    local day, showtime, confirmed, canceled, no-show,
--                    showed; written when one of those changes;
--   funnel_leads     per listing and prospect, the lead: the showing
--                    whose first event comes first, and the local day of
--                    that event.
-- A question about a period reads that period of them through an index
-- on the day, rows of a few dozen bytes, instead of the wide showing
-- rows (which every delivery rewrites, so that a period's rows lie all
-- over the table).
--
-- event_days holds each UTC day that has events: events_daily reads a
-- day's events through events_day_idx, day by day.
--
-- The views keep their columns and meaning:
--   showings_local  reads zone and the outcome from the row;
--   listing_funnel  leads from funnel_leads, showings from
--                   funnel_showings;
--   events_daily    per day of event_days, that day's events.
-- funnel_leads.grp holds the prospect (an email or phone digits), which
-- is personal data; the other new columns and tables hold none.
--
-- The migration fills the new columns from the events (a minute or two
-- for ten million events, holding the tables; deliveries meanwhile wait
-- or are spooled).
BEGIN;

ALTER TABLE showings
    ADD COLUMN zone text,
    ADD COLUMN first_ord_num numeric,
    ADD COLUMN first_event_created_at timestamptz,
    ADD COLUMN first_event_id text,
    ADD COLUMN first_event_at timestamptz,
    ADD COLUMN no_show boolean NOT NULL DEFAULT false,
    ADD COLUMN showed boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN showings.zone IS
    'IANA zone of showing_time_zone (showing_zone()), NULL when unknown.';
COMMENT ON COLUMN showings.first_event_id IS
    'The showing''s first event by the ordering rule (with first_ord_num, first_event_created_at).';
COMMENT ON COLUMN showings.first_event_at IS
    'When the first event happened: its created_at, else its received_at.';
COMMENT ON COLUMN showings.no_show IS
    'The latest no-show mark of its events is a no-show (not undone).';
COMMENT ON COLUMN showings.showed IS
    'One of its events says the showing took place.';

-- A day in a zone (UTC when the zone is unknown).
CREATE FUNCTION local_day(p_at timestamptz, p_zone text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (p_at AT TIME ZONE coalesce(p_zone, 'UTC'))::date;
COMMENT ON FUNCTION local_day(timestamptz, text) IS
    'The date of a time in an IANA zone, UTC when the zone is NULL.';

-- Who a showing's prospect is: the email (any case), else the phone
-- digits, else the showing itself.
CREATE FUNCTION prospect_key(p_email text, p_phone text, p_uid text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(lower(p_email), phone_key(p_phone), 'showing ' || p_uid);
COMMENT ON FUNCTION prospect_key(text, text, text) IS
    'A showing''s prospect: lowercased email, else phone digits, else "showing UID".';

-- The status of showings_local (see 011), at p_now (the views pass
-- as_of(), read once per query).
CREATE FUNCTION showing_status(p_canceled boolean, p_no_show boolean,
    p_showed boolean, p_showtime timestamptz, p_confirmed boolean,
    p_now timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN p_canceled THEN 'canceled'
	WHEN p_no_show THEN 'no-show'
	WHEN p_showed THEN 'completed'
	WHEN p_showtime <= p_now AND p_confirmed THEN 'completed'
	WHEN p_showtime <= p_now THEN 'expired'
	WHEN p_confirmed THEN 'confirmed'
	ELSE 'requested'
	END;
COMMENT ON FUNCTION showing_status(boolean, boolean, boolean, timestamptz,
    boolean, timestamptz) IS
    'A showing''s status at a time: canceled, no-show, completed, expired, confirmed, requested.';

-- Fill the new columns from the events.
UPDATE showings s
SET (zone, first_ord_num, first_event_created_at, first_event_id,
    first_event_at, no_show, showed) =
    (coalesce(tz.zone, showing_zone(s.showing_time_zone)), f.ord_num,
    f.created_at, f.id, f.at, coalesce(o.no_show, false),
    coalesce(o.showed, false))
FROM showings s0
LEFT JOIN time_zones tz ON tz.name = s0.showing_time_zone
LEFT JOIN (SELECT DISTINCT ON (showing_uid) showing_uid, ord_num,
	created_at, id, coalesce(created_at, received_at) AS at
    FROM events WHERE showing_uid IS NOT NULL
    ORDER BY showing_uid, event_key(ord_num, created_at, id)) f
    ON f.showing_uid = s0.uid
LEFT JOIN (SELECT showing_uid,
	(array_agg(showing_outcome(action)
	    ORDER BY event_key(ord_num, created_at, id) DESC)
	    FILTER (WHERE showing_outcome(action) <> 'showed'))[1]
	    = 'no-show' AS no_show,
	bool_or(showing_outcome(action) = 'showed') AS showed
    FROM events WHERE showing_outcome(action) IS NOT NULL
    GROUP BY showing_uid) o ON o.showing_uid = s0.uid
WHERE s0.uid = s.uid;

-- Each showing's funnel row.
CREATE TABLE funnel_showings (
	uid			text PRIMARY KEY,
	listing_uid		text,
	listing_full_address	text,
	day			date,	-- of the showtime, else of created_at
	showtime		timestamptz,
	confirmed		boolean NOT NULL,
	canceled		boolean NOT NULL,
	no_show			boolean NOT NULL,
	showed			boolean NOT NULL
) WITH (fillfactor = 90);	-- room for a status change on its page
COMMENT ON TABLE funnel_showings IS
    'Per showing, what listing_funnel needs of it; kept by a trigger on showings.';
-- A showing's funnel row (one row: SETOF, so that it is inlined).
CREATE FUNCTION funnel_showing(s showings) RETURNS SETOF funnel_showings
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
	SELECT s.uid, s.listing_uid, s.listing_full_address,
	    local_day(coalesce(s.showtime, s.created_at), s.zone), s.showtime,
	    s.confirmed_at IS NOT NULL, s.canceled_at IS NOT NULL, s.no_show,
	    s.showed;
END;
INSERT INTO funnel_showings
SELECT f.* FROM showings s, funnel_showing(s) f
ORDER BY f.day;	-- a period's rows together, as the trigger will add them
CREATE INDEX funnel_showings_day_idx ON funnel_showings (day);
CREATE INDEX funnel_showings_listing_idx ON funnel_showings (listing_uid, day);

-- The lead of each listing and prospect.
CREATE TABLE funnel_leads (
	grp			jsonb PRIMARY KEY,	-- [listing_uid, prospect]
	listing_uid		text,
	listing_full_address	text,
	day			date NOT NULL,
	showing_uid		text NOT NULL,
	first_ord_num		numeric,
	first_event_created_at	timestamptz,
	first_event_id		text NOT NULL
);
COMMENT ON TABLE funnel_leads IS
    'Per listing and prospect (grp): the showing whose first event comes first, and that event''s local day; kept by a trigger on showings.';
-- A showing's lead group: its listing and its prospect.
CREATE FUNCTION funnel_group(s showings) RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN jsonb_build_array(s.listing_uid,
    prospect_key(s.email, s.phone, s.uid));

-- The row of group g with showing s as its lead (one row, inlined).
CREATE FUNCTION funnel_lead(s showings, g jsonb) RETURNS SETOF funnel_leads
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
	SELECT g, s.listing_uid, s.listing_full_address,
	    local_day(s.first_event_at, s.zone), s.uid, s.first_ord_num,
	    s.first_event_created_at, s.first_event_id;
END;

INSERT INTO funnel_leads
SELECT * FROM (SELECT DISTINCT ON (l.grp) l.*
    FROM showings s, funnel_lead(s, funnel_group(s)) l
    WHERE s.first_event_id IS NOT NULL
    ORDER BY l.grp, event_key(l.first_ord_num, l.first_event_created_at,
	l.first_event_id)) l
ORDER BY day;	-- a period's rows together, as the trigger will add them
CREATE INDEX funnel_leads_day_idx ON funnel_leads (day)
    INCLUDE (listing_uid, listing_full_address);
CREATE INDEX funnel_leads_listing_idx ON funnel_leads (listing_uid, day);

-- Showing s as the lead of its group, when its first event comes before
-- the lead's (or it is the lead, whose day or address changed).  Takes
-- the group's row lock only when it changes the row: a showing that
-- does not lead costs an index lookup.  A row deleted meanwhile (the
-- group's last showing left) is inserted again.
CREATE FUNCTION funnel_lead_offer(s showings, g jsonb) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	r	funnel_leads;
BEGIN
	SELECT * INTO r FROM funnel_lead(s, g);
	LOOP
		INSERT INTO funnel_leads VALUES (r.*)
		ON CONFLICT (grp) DO NOTHING;
		EXIT WHEN FOUND;
		UPDATE funnel_leads l SET (listing_full_address, day, showing_uid,
		    first_ord_num, first_event_created_at, first_event_id) =
		    (r.listing_full_address, r.day, r.showing_uid,
		    r.first_ord_num, r.first_event_created_at, r.first_event_id)
		WHERE l.grp = g AND (l.showing_uid = s.uid
		    OR event_key(s.first_ord_num, s.first_event_created_at,
			s.first_event_id)
		    < event_key(l.first_ord_num, l.first_event_created_at,
			l.first_event_id));
		EXIT WHEN FOUND;
		PERFORM FROM funnel_leads WHERE grp = g;
		EXIT WHEN FOUND;	-- an earlier showing leads
	END LOOP;
END
$fn$;

-- Showing p_uid left group g: when it led, the next showing of the group
-- leads, or the group's row goes.  The row is locked first, so that the
-- showings are read as committed after every change before.
CREATE FUNCTION funnel_lead_withdraw(g jsonb, p_uid text) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	v_lead	text;
	p	text := g->>1;
	n	showings%ROWTYPE;
	r	funnel_leads;
BEGIN
	SELECT showing_uid INTO v_lead FROM funnel_leads WHERE grp = g
	FOR UPDATE;
	IF v_lead IS DISTINCT FROM p_uid THEN
		RETURN;
	END IF;
	SELECT * INTO n FROM showings s
	WHERE (lower(s.email) = p OR phone_key(s.phone) = p
		OR s.uid = CASE WHEN p LIKE 'showing %' THEN substr(p, 9) END)
	    AND prospect_key(s.email, s.phone, s.uid) = p
	    AND s.listing_uid IS NOT DISTINCT FROM g->>0
	    AND s.first_event_id IS NOT NULL
	ORDER BY event_key(s.first_ord_num, s.first_event_created_at,
	    s.first_event_id)
	LIMIT 1;
	IF FOUND THEN
		SELECT * INTO r FROM funnel_lead(n, g);
		UPDATE funnel_leads SET (listing_full_address, day, showing_uid,
		    first_ord_num, first_event_created_at, first_event_id) =
		    (r.listing_full_address, r.day, r.showing_uid,
		    r.first_ord_num, r.first_event_created_at, r.first_event_id)
		WHERE grp = g;
	ELSE
		DELETE FROM funnel_leads WHERE grp = g;
	END IF;
END
$fn$;

-- The trigger: the showing's funnel row is written again; a showing that
-- changes group leaves the old one and is offered to the new one, the
-- two groups' rows in one order (jsonb's), so that two showings crossing
-- over wait for each other, not deadlock.
CREATE FUNCTION funnel_sync() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path FROM CURRENT
AS $fn$
DECLARE
	g_old	jsonb;
	g_new	jsonb;
BEGIN
	IF TG_OP = 'DELETE' THEN
		DELETE FROM funnel_showings WHERE uid = OLD.uid;
	ELSE
		INSERT INTO funnel_showings AS f SELECT * FROM funnel_showing(NEW)
		ON CONFLICT (uid) DO UPDATE SET (listing_uid,
		    listing_full_address, day, showtime, confirmed, canceled,
		    no_show, showed) = (excluded.listing_uid,
		    excluded.listing_full_address, excluded.day,
		    excluded.showtime, excluded.confirmed, excluded.canceled,
		    excluded.no_show, excluded.showed)
		WHERE f IS DISTINCT FROM excluded;
	END IF;
	IF TG_OP = 'UPDATE' AND (OLD.listing_uid, OLD.listing_full_address,
	    OLD.email, OLD.phone, OLD.first_event_id, OLD.first_event_at,
	    OLD.zone) IS NOT DISTINCT FROM (NEW.listing_uid,
	    NEW.listing_full_address, NEW.email, NEW.phone,
	    NEW.first_event_id, NEW.first_event_at, NEW.zone) THEN
		RETURN NULL;	/* nothing a lead depends on */
	END IF;
	IF TG_OP <> 'INSERT' THEN
		g_old := funnel_group(OLD);
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.first_event_id IS NOT NULL THEN
		g_new := funnel_group(NEW);
	END IF;
	IF g_old IS DISTINCT FROM g_new AND g_old IS NOT NULL
	    AND (g_new IS NULL OR g_old < g_new) THEN
		PERFORM funnel_lead_withdraw(g_old, OLD.uid);
		g_old := NULL;
	END IF;
	IF g_new IS NOT NULL THEN
		PERFORM funnel_lead_offer(NEW, g_new);
	END IF;
	IF g_old IS DISTINCT FROM g_new AND g_old IS NOT NULL THEN
		PERFORM funnel_lead_withdraw(g_old, OLD.uid);
	END IF;
	RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION funnel_lead_offer(showings, jsonb),
    funnel_lead_withdraw(jsonb, text), funnel_sync() FROM PUBLIC;

-- An update fires it only when what the funnel reads changed: most
-- deliveries change none of it.
CREATE TRIGGER funnel_insert AFTER INSERT ON showings
FOR EACH ROW EXECUTE FUNCTION funnel_sync();
CREATE TRIGGER funnel_update AFTER UPDATE ON showings
FOR EACH ROW WHEN (OLD.listing_uid IS DISTINCT FROM NEW.listing_uid
    OR OLD.listing_full_address IS DISTINCT FROM NEW.listing_full_address
    OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.phone IS DISTINCT FROM NEW.phone
    OR OLD.first_event_id IS DISTINCT FROM NEW.first_event_id
    OR OLD.first_event_at IS DISTINCT FROM NEW.first_event_at
    OR OLD.zone IS DISTINCT FROM NEW.zone
    OR OLD.showtime IS DISTINCT FROM NEW.showtime
    OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR (OLD.confirmed_at IS NULL) <> (NEW.confirmed_at IS NULL)
    OR (OLD.canceled_at IS NULL) <> (NEW.canceled_at IS NULL)
    OR OLD.no_show <> NEW.no_show
    OR OLD.showed <> NEW.showed)
EXECUTE FUNCTION funnel_sync();
CREATE TRIGGER funnel_delete AFTER DELETE ON showings
FOR EACH ROW EXECUTE FUNCTION funnel_sync();

-- A day's events, read from the index alone: events are only appended,
-- so their pages are all-visible once vacuumed (replaces 004's index on
-- the day).
DROP INDEX events_day_idx;
CREATE INDEX events_day_idx ON events
    (((coalesce(created_at, received_at) AT TIME ZONE 'UTC')::date), action)
    INCLUDE (showing_uid, created_at, received_at);

CREATE TABLE event_days (
	day	date PRIMARY KEY
);
COMMENT ON TABLE event_days IS
    'Each UTC day (of created_at, else received_at) that has events; ingest() adds them.';
INSERT INTO event_days
SELECT DISTINCT (coalesce(created_at, received_at) AT TIME ZONE 'UTC')::date
FROM events;

-- Store one delivery, as in 019, keeping the columns above.
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
	    team_member_uid, created_at, showing_uid, payload, ord_num)
	VALUES (v_id, ev->>'action', ev->>'actor', ev->>'team_member_name',
	    ev->>'team_member_uid', v_at, v_uid, p_payload, v_num)
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
			    first_event_at)
			SELECT f.*, sh, v_id, v_num, v_at,
			    coalesce((SELECT t.zone FROM time_zones t
				WHERE t.name = f.showing_time_zone),
				showing_zone(f.showing_time_zone)),
			    v_num, v_at, v_id, v_when
			FROM showing_record(sh) f	-- (a join would hash time_zones)
			ON CONFLICT (uid) DO UPDATE SET
			    (uid, created_at, showtime, showing_time_zone,
			    showing_time_zone_utc_offset, name, phone, email,
			    notes, listing_uid, listing_full_address,
			    is_self_show, confirmed_at, canceled_at,
			    self_show_code_distributed_at, snapshot,
			    last_event_id, last_ord_num, last_event_created_at,
			    last_seen_at, zone) =
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
			    excluded.zone)
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
			    first_event_at)
			SELECT f.*, sh, v_id, v_num, v_at,
			    showing_zone(f.showing_time_zone),
			    v_num, v_at, v_id, v_when
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
			    first_event_at) =
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
				    ELSE s.first_event_at END
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
	s.last_seen_at
FROM (SELECT as_of() AS now OFFSET 0) n,	-- read once, not per row
    showings s;

-- The funnel per listing and local day, as in 010 and 011.  A day filter
-- reaches both branches, and each reads it through its index.
CREATE OR REPLACE VIEW listing_funnel AS
SELECT
	listing_uid,
	day,
	max(listing_full_address) AS listing_full_address,
	sum(lead)::integer AS leads,
	sum(showing)::integer AS showings,
	sum(confirmed)::integer AS confirmed,
	sum(showed)::integer AS showed,
	sum(no_show)::integer AS no_shows,
	sum(canceled)::integer AS canceled
FROM (
	SELECT
		listing_uid,
		listing_full_address,
		day,
		1 AS lead, 0 AS showing, 0 AS confirmed, 0 AS showed,
		0 AS no_show, 0 AS canceled
	FROM funnel_leads
	UNION ALL
	SELECT
		f.listing_uid,
		f.listing_full_address,
		f.day,
		0, 1,
		f.confirmed::integer,
		(st.status = 'completed')::integer,
		(st.status = 'no-show')::integer,
		(st.status = 'canceled')::integer
	FROM (SELECT as_of() AS now OFFSET 0) n,
	    funnel_showings f
	CROSS JOIN LATERAL (SELECT showing_status(f.canceled, f.no_show,
	    f.showed, f.showtime, f.confirmed, n.now) AS status) st
) f
GROUP BY listing_uid, day;

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
	coalesce(s.zone, 'UTC') AS zone
FROM events e
JOIN showings s ON s.uid = e.showing_uid
LEFT JOIN actions a ON a.action = e.action;

-- Events per UTC day, action and category, as in 010: each day's events
-- read through events_day_idx.
CREATE OR REPLACE VIEW events_daily AS
SELECT
	d.day,
	x.category,
	x.action,
	x.events,
	x.showings
FROM event_days d
CROSS JOIN LATERAL (
	SELECT
		coalesce(a.category, 'unknown') AS category,
		e.action,
		count(*) AS events,
		count(DISTINCT e.showing_uid) AS showings
	FROM events e
	LEFT JOIN actions a ON a.action = e.action
	WHERE (coalesce(e.created_at, e.received_at) AT TIME ZONE 'UTC')::date
	    = d.day
	GROUP BY 1, 2) x;

DO $roles$
BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_writer') THEN
		-- ingest() resolves zones now.
		GRANT SELECT, INSERT ON event_days TO showmojo_writer;
		GRANT SELECT ON time_zones TO showmojo_writer;
	END IF;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_analyst')
	THEN
		GRANT SELECT ON event_days TO showmojo_analyst;
		GRANT SELECT (listing_uid, listing_full_address, day,
		    showing_uid, first_ord_num, first_event_created_at,
		    first_event_id) ON funnel_leads TO showmojo_analyst;
		GRANT SELECT ON funnel_showings TO showmojo_analyst;
		GRANT SELECT (zone, first_ord_num, first_event_created_at,
		    first_event_id, first_event_at, no_show, showed)
		    ON showings TO showmojo_analyst;
	END IF;
END
$roles$;

INSERT INTO schema_migrations (version, name)
    VALUES (22, '022-period-queries');
COMMIT;

-- SPDX-License-Identifier: MIT
-- One definition each of what 001, 004 and 010 wrote out several times:
-- the order of events (event_key), the typed fields of a showing object
-- (showing_record, over the showing_fields type) and the time rule
-- (utc_time: a timestamp without an offset is UTC), and what an action
-- says of a showing's outcome (showing_outcome).  ingest() is redefined
-- on them, with a fast path for the common case and the forms a Rails
-- sender uses read as the document means them; the views that read
-- outcomes, order events or parse timestamps are redefined on them too,
-- and a past showing never confirmed is "expired", not "completed".
BEGIN;

-- The order of events (doc/design.md, "Ordering rule"): event.id as a number
-- when it is all digits, then created_at, then the id byte by byte; a
-- missing number or time sorts first.  Compare keys with < and >, sort
-- with ORDER BY event_key(...).
--
-- The functions that name objects of the schema have SQL-standard bodies
-- (RETURN ...): the names are resolved when they are created, so that a
-- reader who qualifies the views' names instead of setting search_path
-- can use them, and the planner still inlines them.
CREATE TYPE event_key AS (
	num	numeric,
	at	timestamptz,
	id	text COLLATE "C"
);

CREATE FUNCTION event_key(p_num numeric, p_at timestamptz, p_id text)
RETURNS event_key
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ROW(coalesce(p_num, -1), coalesce(p_at, '-infinity'),
    p_id)::event_key;
COMMENT ON FUNCTION event_key(numeric, timestamptz, text) IS
    'The ordering key of an event, from events (ord_num, created_at, id).';

-- A timestamp as the program reads it: with its offset when it has one,
-- else in UTC; an empty string is NULL.  The same whatever the reader's
-- TimeZone setting.
CREATE FUNCTION utc_time(p text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
SET timezone TO 'UTC'
AS $fn$
	SELECT nullif(p, '')::timestamptz
$fn$;
COMMENT ON FUNCTION utc_time(text) IS
    'A timestamp text read as ingest() reads it: no offset means UTC; empty means NULL.';

-- The typed fields of a showing object.  Read as null: an empty string
-- where a timestamp or the UTC offset belongs.  Read as a boolean:
-- is_self_show as "true"/"false" or 0/1; another string there is refused
-- (22P02).  Numbers where text belongs (ids) become their decimal text,
-- the offset as a string of an integer its number.  Timestamps without
-- an offset are read in the session's time zone: ingest() runs in UTC.
-- showing_normalised rewrites the first two forms; showing_record types
-- the fields.
CREATE FUNCTION showing_normalised(p jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
BEGIN
	RETURN p - array_remove(ARRAY[
		CASE WHEN p->>'created_at' = '' THEN 'created_at' END,
		CASE WHEN p->>'showtime' = '' THEN 'showtime' END,
		CASE WHEN p->>'confirmed_at' = '' THEN 'confirmed_at' END,
		CASE WHEN p->>'canceled_at' = '' THEN 'canceled_at' END,
		CASE WHEN p->>'self_show_code_distributed_at' = ''
		    THEN 'self_show_code_distributed_at' END,
		CASE WHEN p->>'showing_time_zone_utc_offset' = ''
		    THEN 'showing_time_zone_utc_offset' END], NULL)
	    || CASE
		WHEN p->'is_self_show' IN ('"true"', '1')
		    THEN '{"is_self_show": true}'::jsonb
		WHEN p->'is_self_show' IN ('"false"', '0')
		    THEN '{"is_self_show": false}'::jsonb
		WHEN jsonb_typeof(p->'is_self_show') = 'string'
		    THEN jsonb_build_object('is_self_show',
			'not a boolean: ' || (p->>'is_self_show'))
		ELSE '{}'::jsonb
		END;
END
$fn$;
COMMENT ON FUNCTION showing_normalised(jsonb) IS
    'A showing object with the forms a Rails sender uses read as the document means them.';

-- showing_normalised runs only for an object that needs it (an empty
-- string, a string or number for is_self_show): the common object goes
-- straight to jsonb_populate_record.
CREATE FUNCTION showing_record(p jsonb) RETURNS showing_fields
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_populate_record(NULL::showing_fields,
    CASE WHEN p @? '$.* ? (@ == "")' OR p @?
	'$.is_self_show ? (@.type() == "string" || @.type() == "number")'
    THEN showing_normalised(p) ELSE p END);
COMMENT ON FUNCTION showing_record(jsonb) IS
    'The showing_fields of a showing object (run in UTC, as ingest() does).';

-- Store one delivery: append the event, bring its showing up to date.
-- Returns 'stored', or 'duplicate' when the event id is already stored.
-- Runs in the caller's transaction; one call is the whole delivery.
--
-- The showing is written by one upsert.  The first event of a showing
-- inserts the row; an event greater than the row's (the common case)
-- patches the row's snapshot with its showing object.  An older event
-- leaves the row alone but locks it (ON CONFLICT locks the row even when
-- its WHERE is false); the loop then merges every stored event of the
-- showing, field by field, and writes that through the same upsert.  The
-- merge runs in a statement that starts after the lock is held, so it
-- sees every event whose transaction held the lock before.
CREATE OR REPLACE FUNCTION ingest(p_payload jsonb) RETURNS text
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
	v_uid	text;
	merged	jsonb;		-- set when an older event forces a merge
BEGIN
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
	ON CONFLICT (id) DO NOTHING;
	IF NOT FOUND THEN
		-- Lock the stored event: the lock is written to the WAL, so this
		-- commit waits for a synchronous standby as a first delivery's
		-- does.  That first delivery may have been answered 500 with its
		-- commit on the primary only; "duplicate" is then as durable as
		-- "stored".
		PERFORM FROM events WHERE id = v_id FOR KEY SHARE;
		RETURN 'duplicate';
	END IF;
	IF v_uid IS NULL THEN
		RETURN 'stored';
	END IF;

	LOOP
		-- The columns of showings up to snapshot are showing_fields,
		-- in order (001): f.* fills them.  The proposed row reads the
		-- event's own fields even when a newer event hides them.
		INSERT INTO showings AS s
		SELECT f.*, sh, v_id, v_num, v_at FROM showing_record(sh) f
		ON CONFLICT (uid) DO UPDATE SET
		    (uid, created_at, showtime, showing_time_zone,
		    showing_time_zone_utc_offset, name, phone, email, notes,
		    listing_uid, listing_full_address, is_self_show,
		    confirmed_at, canceled_at, self_show_code_distributed_at,
		    snapshot, last_event_id, last_ord_num,
		    last_event_created_at, last_seen_at) =
		    (SELECT f.*, m.snap,
			CASE WHEN merged IS NULL THEN excluded.last_event_id
			    ELSE s.last_event_id END,
			CASE WHEN merged IS NULL THEN excluded.last_ord_num
			    ELSE s.last_ord_num END,
			CASE WHEN merged IS NULL
			    THEN excluded.last_event_created_at
			    ELSE s.last_event_created_at END,
			now()
		    FROM (SELECT coalesce(merged,
			s.snapshot || excluded.snapshot) AS snap
			OFFSET 0) m,	-- merged once, not in each field
			showing_record(m.snap) f)
		WHERE merged IS NOT NULL
		    OR event_key(excluded.last_ord_num,
			excluded.last_event_created_at, excluded.last_event_id)
		    > event_key(s.last_ord_num, s.last_event_created_at,
			s.last_event_id);
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
	RETURN 'stored';
END
$fn$;

-- What an action says about how a showing went: 'no-show', 'no-show
-- undone', 'showed' (the showing took place: the prospect started a
-- lockbox self-showing, or feedback on the showing came in), else NULL.
-- The one list of these actions, for the status in showings_local and
-- for the index below.
CREATE FUNCTION showing_outcome(p_action text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT CASE p_action
	WHEN 'set_no_show' THEN 'no-show'
	WHEN 'confirm_lockbox_outcome_no_show' THEN 'no-show'
	WHEN 'undo_no_show' THEN 'no-show undone'
	WHEN 'lockbox_showing_started' THEN 'showed'
	WHEN 'showing_feedback' THEN 'showed'
	WHEN 'showing_agent_feedback' THEN 'showed'
	END
$fn$;
COMMENT ON FUNCTION showing_outcome(text) IS
    'What an action says of a showing''s outcome: no-show, no-show undone, showed; NULL for the others.';

-- The outcome events of a showing (replaces 004's events_no_show_idx).
DROP INDEX events_no_show_idx;
CREATE INDEX events_outcome_idx ON events (showing_uid)
    WHERE showing_outcome(action) IS NOT NULL;

-- "Now" of the views: a showmojo.as_of without an offset is UTC, like
-- every timestamp here.
CREATE OR REPLACE FUNCTION as_of() RETURNS timestamptz
LANGUAGE sql STABLE
RETURN coalesce(utc_time(current_setting('showmojo.as_of', true)), now());

-- One row per showing, in the showing's local time, with a derived status.
-- Status, first rule that holds:
--   canceled   canceled_at is set (an "uncancel" clears it);
--   no-show    the latest no-show mark (showing_outcome) is a no-show;
--   completed  an event says the showing took place (showing_outcome
--              'showed'), or the showtime has passed and it was confirmed;
--   expired    the showtime has passed and it was never confirmed;
--   confirmed  confirmed_at is set;
--   requested  otherwise.
CREATE OR REPLACE VIEW showings_local AS
SELECT
	s.uid AS showing_uid,
	s.listing_uid,
	s.listing_full_address,
	s.name,
	s.email,
	s.phone,
	coalesce(lower(s.email), phone_key(s.phone), 'showing ' || s.uid)
	    AS prospect,
	s.showing_time_zone,
	z.zone,
	s.showtime,
	s.showtime AT TIME ZONE z.zone AS showtime_local,
	(s.showtime AT TIME ZONE z.zone) - (s.showtime AT TIME ZONE 'UTC')
	    AS utc_offset,
	s.is_self_show,
	s.confirmed_at,
	s.canceled_at,
	coalesce(o.no_show = 'no-show', false) AS no_show,
	CASE
	WHEN s.canceled_at IS NOT NULL THEN 'canceled'
	WHEN o.no_show = 'no-show' THEN 'no-show'
	WHEN o.showed THEN 'completed'
	WHEN s.showtime <= as_of() AND s.confirmed_at IS NOT NULL
	    THEN 'completed'
	WHEN s.showtime <= as_of() THEN 'expired'
	WHEN s.confirmed_at IS NOT NULL THEN 'confirmed'
	ELSE 'requested'
	END AS status,
	s.created_at,
	s.last_event_id,
	s.first_seen_at,
	s.last_seen_at
FROM showings s
LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
CROSS JOIN LATERAL (SELECT coalesce(tz.zone,
    showing_zone(s.showing_time_zone)) AS zone) z
CROSS JOIN LATERAL (
	SELECT (array_agg(showing_outcome(e.action)
		ORDER BY event_key(e.ord_num, e.created_at, e.id) DESC)
		FILTER (WHERE showing_outcome(e.action) <> 'showed'))[1]
		AS no_show,
	    coalesce(bool_or(showing_outcome(e.action) = 'showed'), false)
		AS showed
	FROM events e
	WHERE e.showing_uid = s.uid
	    AND showing_outcome(e.action) IS NOT NULL) o;
COMMENT ON VIEW showings_local IS
    'One row per showing: local showtime through the IANA zone, and status (requested, confirmed, canceled, no-show, completed, expired).';

-- The funnel per listing and local day, as in 010; "showed" counts the
-- showings whose status is completed.
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
	(SELECT DISTINCT ON (s.listing_uid, prospect)
		s.listing_uid,
		s.listing_full_address,
		(coalesce(e.created_at, e.received_at) AT TIME ZONE
		    coalesce(tz.zone, showing_zone(s.showing_time_zone),
		    'UTC'))::date AS day,
		coalesce(lower(s.email), phone_key(s.phone),
		    'showing ' || s.uid) AS prospect,
		1 AS lead, 0 AS showing, 0 AS confirmed, 0 AS showed,
		0 AS no_show, 0 AS canceled
	FROM events e
	JOIN showings s ON s.uid = e.showing_uid
	LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
	ORDER BY s.listing_uid, prospect,
	    event_key(e.ord_num, e.created_at, e.id))
	UNION ALL
	SELECT
		listing_uid,
		listing_full_address,
		(coalesce(showtime, created_at) AT TIME ZONE
		    coalesce(zone, 'UTC'))::date,
		prospect,
		0, 1,
		(confirmed_at IS NOT NULL)::integer,
		(status = 'completed')::integer,
		(status = 'no-show')::integer,
		(status = 'canceled')::integer
	FROM showings_local
) f
GROUP BY listing_uid, day;

-- As in 010; the showtime each event carried is read as ingest() reads
-- it (no offset: UTC), whatever the reader's TimeZone.
CREATE OR REPLACE VIEW prospect_timeline AS
SELECT
	lower(s.email) AS email,
	phone_key(s.phone) AS phone_key,
	s.name,
	e.ord_num,
	e.created_at,
	e.created_at AT TIME ZONE z.zone AS created_local,
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
	    AT TIME ZONE z.zone AS showtime_local,
	z.zone
FROM events e
JOIN showings s ON s.uid = e.showing_uid
LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
CROSS JOIN LATERAL (SELECT coalesce(tz.zone,
    showing_zone(s.showing_time_zone), 'UTC') AS zone) z
LEFT JOIN actions a ON a.action = e.action;

INSERT INTO schema_migrations (version, name) VALUES (11, '011-ingest-and-views');
COMMIT;

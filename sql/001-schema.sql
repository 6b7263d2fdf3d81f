-- SPDX-License-Identifier: MIT
-- The event log, the showings it keeps current, and the quarantine.
-- Applied by "showmojo-webhook migrate", which creates the schema
-- (SHOWMOJO_SCHEMA, default showmojo), puts it first on search_path and
-- keeps the record of applied files in schema_migrations.
BEGIN;

-- One row per event id, whatever its arrival order: the log.
CREATE TABLE events (
	id			text PRIMARY KEY,
	action			text,
	actor			text,
	team_member_name	text,
	team_member_uid		text,
	created_at		timestamptz,
	showing_uid		text,
	payload			jsonb NOT NULL,
	received_at		timestamptz NOT NULL DEFAULT now(),
	-- The id as a number when it is all digits: the order of events.
	ord_num			numeric
);
COMMENT ON TABLE events IS
    'One row per ShowMojo event id; payload is the delivery as received.';
COMMENT ON COLUMN events.ord_num IS
    'event.id as a number when all digits; events order by (ord_num, created_at, id).';

CREATE INDEX events_showing_idx ON events (showing_uid);
CREATE INDEX events_received_at_idx ON events (received_at);

-- One row per showing uid: the snapshot of the greatest event seen for
-- it, field by field (a field the greatest event left out keeps what the
-- greatest event that carried it said).
CREATE TABLE showings (
	uid				text PRIMARY KEY,
	created_at			timestamptz,
	showtime			timestamptz,
	showing_time_zone		text,
	showing_time_zone_utc_offset	integer,
	name				text,
	phone				text,
	email				text,
	notes				text,
	listing_uid			text,
	listing_full_address		text,
	is_self_show			boolean,
	confirmed_at			timestamptz,
	canceled_at			timestamptz,
	self_show_code_distributed_at	timestamptz,
	-- The merged showing object, unknown keys included.
	snapshot			jsonb NOT NULL,
	-- The greatest event applied, and its ordering key.
	last_event_id			text NOT NULL,
	last_ord_num			numeric,
	last_event_created_at		timestamptz,
	first_seen_at			timestamptz NOT NULL DEFAULT now(),
	last_seen_at			timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE showings IS
    'One row per showing uid, as the greatest event (by event.id) left it.';

-- Exactly the showing fields of a delivery, for jsonb_populate_record.
CREATE TYPE showing_fields AS (
	uid				text,
	created_at			timestamptz,
	showtime			timestamptz,
	showing_time_zone		text,
	showing_time_zone_utc_offset	integer,
	name				text,
	phone				text,
	email				text,
	notes				text,
	listing_uid			text,
	listing_full_address		text,
	is_self_show			boolean,
	confirmed_at			timestamptz,
	canceled_at			timestamptz,
	self_show_code_distributed_at	timestamptz
);

-- Deliveries that could not be stored, kept whole for replay.
CREATE TABLE quarantine (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_at	timestamptz NOT NULL DEFAULT now(),
	reason		text NOT NULL,
	body		bytea NOT NULL,
	event_id	text,
	remote_addr	text,
	content_type	text,
	user_agent	text,
	request_uri	text,
	replayed_at	timestamptz,
	replay_result	text
);
COMMENT ON TABLE quarantine IS
    'Deliveries that failed the same way every time; body is the raw request body.';

CREATE INDEX quarantine_pending_idx ON quarantine (id) WHERE replayed_at IS NULL;

-- Store one delivery: append the event, bring its showing up to date.
-- Returns 'stored', or 'duplicate' when the event id is already stored.
-- Runs in the caller's transaction; one call is the whole delivery.
CREATE FUNCTION ingest(p_payload jsonb) RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
SET timezone TO 'UTC'
AS $fn$
DECLARE
	ev	jsonb := p_payload->'event';
	sh	jsonb := ev->'showing';
	v_id	text := ev->>'id';
	v_num	numeric;
	v_at	timestamptz := (ev->>'created_at')::timestamptz;
	v_uid	text;
	cur	showings%ROWTYPE;
	snap	jsonb;
	f	showing_fields;
	newer	boolean;
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
		RETURN 'duplicate';
	END IF;
	IF v_uid IS NULL THEN
		RETURN 'stored';
	END IF;

	-- The first event of a showing creates its row; a concurrent first
	-- event waits here for that one to commit and then merges into it.
	f := jsonb_populate_record(NULL::showing_fields, sh);
	INSERT INTO showings (uid, created_at, showtime, showing_time_zone,
	    showing_time_zone_utc_offset, name, phone, email, notes,
	    listing_uid, listing_full_address, is_self_show, confirmed_at,
	    canceled_at, self_show_code_distributed_at, snapshot,
	    last_event_id, last_ord_num, last_event_created_at)
	VALUES (v_uid, f.created_at, f.showtime, f.showing_time_zone,
	    f.showing_time_zone_utc_offset, f.name, f.phone, f.email, f.notes,
	    f.listing_uid, f.listing_full_address, f.is_self_show,
	    f.confirmed_at, f.canceled_at, f.self_show_code_distributed_at,
	    sh, v_id, v_num, v_at)
	ON CONFLICT (uid) DO NOTHING;
	IF FOUND THEN
		RETURN 'stored';
	END IF;

	SELECT * INTO cur FROM showings WHERE uid = v_uid FOR UPDATE;
	newer := (coalesce(v_num, -1), coalesce(v_at, '-infinity'),
	    v_id COLLATE "C") >
	    (coalesce(cur.last_ord_num, -1),
	    coalesce(cur.last_event_created_at, '-infinity'),
	    cur.last_event_id COLLATE "C");
	IF newer THEN
		snap := cur.snapshot || sh;
	ELSE
		-- An older event arrived late: each field comes from the
		-- greatest stored event that carried it.
		SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO snap
		FROM (SELECT DISTINCT ON (k.key) k.key, k.value
		    FROM events e,
			jsonb_each(e.payload->'event'->'showing') k
		    WHERE e.showing_uid = v_uid
			AND jsonb_typeof(e.payload->'event'->'showing') = 'object'
		    ORDER BY k.key, coalesce(e.ord_num, -1) DESC,
			coalesce(e.created_at, '-infinity') DESC,
			e.id COLLATE "C" DESC) s;
	END IF;

	f := jsonb_populate_record(NULL::showing_fields, snap);
	UPDATE showings SET
	    created_at = f.created_at,
	    showtime = f.showtime,
	    showing_time_zone = f.showing_time_zone,
	    showing_time_zone_utc_offset = f.showing_time_zone_utc_offset,
	    name = f.name,
	    phone = f.phone,
	    email = f.email,
	    notes = f.notes,
	    listing_uid = f.listing_uid,
	    listing_full_address = f.listing_full_address,
	    is_self_show = f.is_self_show,
	    confirmed_at = f.confirmed_at,
	    canceled_at = f.canceled_at,
	    self_show_code_distributed_at = f.self_show_code_distributed_at,
	    snapshot = snap,
	    last_event_id = CASE WHEN newer THEN v_id ELSE last_event_id END,
	    last_ord_num = CASE WHEN newer THEN v_num ELSE last_ord_num END,
	    last_event_created_at =
		CASE WHEN newer THEN v_at ELSE last_event_created_at END,
	    last_seen_at = now()
	WHERE uid = v_uid;
	RETURN 'stored';
END
$fn$;

INSERT INTO schema_migrations (version, name) VALUES (1, '001-schema');
COMMIT;

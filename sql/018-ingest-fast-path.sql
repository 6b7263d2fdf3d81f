-- SPDX-License-Identifier: MIT
-- A cheaper common case for ingest(): a newer event whose showing object
-- carries every field of showing_fields (ShowMojo's always does) writes
-- the row's columns straight from the proposed row, instead of reading
-- them again from the merged snapshot.  What is stored is the same: the
-- object's own values win over the snapshot's in the merge, so with
-- every field present the merged snapshot's fields are the object's.  An
-- object that lacks a field, and the late older event, take the path of
-- 011 unchanged.
BEGIN;

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
	v_whole	boolean;	-- sh carries every field of showing_fields
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
	v_whole := sh ?& ARRAY['uid', 'created_at', 'showtime',
	    'showing_time_zone', 'showing_time_zone_utc_offset', 'name',
	    'phone', 'email', 'notes', 'listing_uid', 'listing_full_address',
	    'is_self_show', 'confirmed_at', 'canceled_at',
	    'self_show_code_distributed_at'];

	LOOP
		IF v_whole AND merged IS NULL THEN
			-- The common case: the merged snapshot's fields are the
			-- object's, which the proposed row holds already.
			INSERT INTO showings AS s
			SELECT f.*, sh, v_id, v_num, v_at
			FROM showing_record(sh) f
			ON CONFLICT (uid) DO UPDATE SET
			    (uid, created_at, showtime, showing_time_zone,
			    showing_time_zone_utc_offset, name, phone, email,
			    notes, listing_uid, listing_full_address,
			    is_self_show, confirmed_at, canceled_at,
			    self_show_code_distributed_at, snapshot,
			    last_event_id, last_ord_num, last_event_created_at,
			    last_seen_at) =
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
			    excluded.last_event_created_at, now())
			WHERE event_key(excluded.last_ord_num,
			    excluded.last_event_created_at,
			    excluded.last_event_id)
			    > event_key(s.last_ord_num, s.last_event_created_at,
			    s.last_event_id);
		ELSE
			-- The columns of showings up to snapshot are
			-- showing_fields, in order (001): f.* fills them.  The
			-- proposed row reads the event's own fields even when a
			-- newer event hides them.
			INSERT INTO showings AS s
			SELECT f.*, sh, v_id, v_num, v_at
			FROM showing_record(sh) f
			ON CONFLICT (uid) DO UPDATE SET
			    (uid, created_at, showtime, showing_time_zone,
			    showing_time_zone_utc_offset, name, phone, email,
			    notes, listing_uid, listing_full_address,
			    is_self_show, confirmed_at, canceled_at,
			    self_show_code_distributed_at, snapshot,
			    last_event_id, last_ord_num, last_event_created_at,
			    last_seen_at) =
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
				now()
			    FROM (SELECT coalesce(merged,
				s.snapshot || excluded.snapshot) AS snap
				OFFSET 0) m,	-- merged once, not per field
				showing_record(m.snap) f)
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
	RETURN 'stored';
END
$fn$;

INSERT INTO schema_migrations (version, name)
    VALUES (18, '018-ingest-fast-path');
COMMIT;

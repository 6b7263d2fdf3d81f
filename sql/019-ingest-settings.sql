-- SPDX-License-Identifier: MIT
-- ingest() takes the transaction's settings itself.  A delivery was a
-- pipeline of two statements, one that set the statement timeout, the
-- lock timeout and synchronous_commit for the transaction and the call;
-- the server parsed and planned the first (three set_config() calls and
-- the CASE that keeps synchronous_commit from off) on every delivery, at
-- about a fifth of what the whole delivery cost it.  Now the first
-- statement sets only the statement timeout, which must be in force
-- before the call starts, and the call sets the rest at its start:
--
--   p_lock_timeout_ms  lock_timeout for the rest of the transaction
--                      (set_config(..., true)); NULL leaves it alone;
--   synchronous_commit raised to on for the transaction when it is off
--                      or local, so that the commit is durable (and
--                      waits for a synchronous standby) whatever the
--                      role or database says.
--
-- Both hold until the transaction ends: the function's own SET clauses
-- name other settings, so the values outlive the call and hold for the
-- commit.  ingest(jsonb) as before is ingest(jsonb, NULL): a caller that
-- passes only the delivery (an older program, psql) is served the same.
--
-- showing_record() finds the objects that need showing_normalised() with
-- plain field reads instead of two JSON path queries; what it returns is
-- the same.
BEGIN;

-- Two functions named ingest() that both take one jsonb would make a
-- call ambiguous: the old one goes, in this transaction.
DROP FUNCTION ingest(jsonb);

CREATE OR REPLACE FUNCTION showing_record(p jsonb) RETURNS showing_fields
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_populate_record(NULL::showing_fields,
    CASE WHEN jsonb_typeof(p->'is_self_show') IN ('string', 'number')
	OR '' IN (p->>'created_at', p->>'showtime', p->>'confirmed_at',
	    p->>'canceled_at', p->>'self_show_code_distributed_at',
	    p->>'showing_time_zone_utc_offset')
    THEN showing_normalised(p) ELSE p END);

CREATE FUNCTION ingest(p_payload jsonb, p_lock_timeout_ms integer DEFAULT NULL)
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
	v_uid	text;
	v_whole	boolean;	-- sh carries every field of showing_fields
	merged	jsonb;		-- set when an older event forces a merge
BEGIN
	-- The transaction's settings (see the head of this file).
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

COMMENT ON FUNCTION ingest(jsonb, integer) IS
    'Store one delivery: append the event, bring its showing up to date; sets lock_timeout (ms, unless NULL) and a durable synchronous_commit for the transaction.';

DO $grant$
BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_writer') THEN
		GRANT EXECUTE ON FUNCTION ingest(jsonb, integer)
		    TO showmojo_writer;
	END IF;
END
$grant$;

INSERT INTO schema_migrations (version, name)
    VALUES (19, '019-ingest-settings');
COMMIT;

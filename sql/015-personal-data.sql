-- SPDX-License-Identifier: MIT
-- Personal data: forget() erases one person's personal fields everywhere
-- (showings, every event's payload, quarantined bodies) and records that
-- it did in erasures, without the data; prune_showings() and
-- prune_quarantine() apply a retention period in short batches.  The
-- showmojo_analyst role sees the views without personal columns.
--
-- Personal fields are the showing's name, phone, email and notes, and the
-- same values wherever else they appear (unknown keys of the showing, of
-- the event, of the delivery).  They become JSON null where the delivery
-- had them, so a late older event of an erased showing cannot bring an
-- older value back (ingest() takes each field from the greatest event
-- that carried it).  Everything else stays: ids, actions, actors, times,
-- listing, ordering keys.
--
-- These functions are owned by the schema owner and executable by no one
-- else (EXECUTE revoked from PUBLIC): the writer role cannot erase.
BEGIN;

-- When forget() or prune erased the showing; NULL: never.  A showing with
-- a personal field set again (a later event carried it) is a candidate
-- for prune again.
ALTER TABLE showings ADD COLUMN erased_at timestamptz;
-- When forget() erased the body (then empty) of a quarantined delivery.
ALTER TABLE quarantine ADD COLUMN erased_at timestamptz;

-- The showings prune may have to erase, in the order it walks them.
CREATE INDEX showings_personal_idx ON showings (last_seen_at, uid)
    WHERE erased_at IS NULL OR name IS NOT NULL OR phone IS NOT NULL
	OR email IS NOT NULL OR notes IS NOT NULL;

-- One row per erasure: what was asked (hashes of the selectors, never the
-- values) and how many rows changed.
CREATE TABLE erasures (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	erased_at		timestamptz NOT NULL DEFAULT now(),
	command			text NOT NULL,
	-- sha256 (hex) of 'email:' || lower(address), 'phone:' || digits,
	-- 'showing:' || uid: answers "was this one erased?" by hashing again.
	selector_hashes		text[],
	older_than_days		integer,
	showings		integer NOT NULL,
	events			integer NOT NULL,
	quarantine		integer NOT NULL
);
COMMENT ON TABLE erasures IS
    'Each forget or prune that changed something: when, hashes of the selectors, rows changed per table; never the data.';

-- The digits that identify a phone number: its last ten when it has more
-- (a country code is left out), else all of them.
CREATE FUNCTION phone_tail(p_phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT right(phone_key(p_phone), 10)
$fn$;

-- A regular expression that finds the digits p_digits inside any text,
-- whatever separates them (up to three characters between two digits),
-- not as part of a longer number; ten digits may follow a country code.
CREATE FUNCTION phone_pattern(p_digits text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT '(^|[^0-9])' || CASE WHEN length(p_digits) = 10
	    THEN '([0-9]{1,3}[^0-9]{0,3})?' ELSE '' END ||
	    array_to_string(regexp_split_to_array(p_digits, ''),
	    '[^0-9]{0,3}') || '([^0-9]|$)'
$fn$;

-- A regular expression that finds the (lowercased) address p_email inside
-- lowercased text as a whole address: not inside a longer one
-- (xjo@example.com, jo@example.community), whatever is around it.
CREATE FUNCTION email_pattern(p_email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT '(?<![a-z0-9._%+-])' ||
	    regexp_replace(p_email, '([]$.+*?^(){}|[\\])', '\\\1', 'g') ||
	    '(?![a-z0-9-]|\.[a-z0-9])'
$fn$;

-- What people put between the digits of a phone number; the regular
-- expressions run only where the digits appear once these are removed.
CREATE FUNCTION phone_separators() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT E' \t()-.+/_\u2010\u2011\u2012\u2013\u2014\u00a0'
$fn$;

-- True when the text t (a whole delivery, a quarantined body) holds one
-- of a person's values: an email address (any case, as a whole address),
-- a phone number (any formatting; the regular expressions run only where
-- its last four digits are written together), or the name as a JSON
-- string (any case).  p_emails are lowercased, p_phones are
-- phone_tail()s, p_names lowercased.
CREATE FUNCTION holds_value(t text, p_emails text[], p_phones text[],
    p_names text[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
	x	text;
	lt	text;
	digits	text;
BEGIN
	IF t IS NULL THEN
		RETURN false;
	END IF;
	lt := lower(t);
	-- strpos first: the regular expressions only where it may match.
	FOREACH x IN ARRAY coalesce(p_emails, '{}') LOOP
		IF strpos(lt, x) > 0 AND lt ~ email_pattern(x) THEN
			RETURN true;
		END IF;
	END LOOP;
	FOREACH x IN ARRAY coalesce(p_phones, '{}') LOOP
		IF strpos(t, right(x, 4)) > 0 THEN
			digits := coalesce(digits,
			    translate(t, phone_separators(), ''));
			IF strpos(digits, x) > 0 AND t ~ phone_pattern(x) THEN
				RETURN true;
			END IF;
		END IF;
	END LOOP;
	FOREACH x IN ARRAY coalesce(p_names, '{}') LOOP
		IF strpos(lt, '"' || x || '"') > 0 THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$fn$;

-- True when the text v (a value inside a delivery) is or holds one of a
-- person's values: an address or a number as holds_value() finds them,
-- or exactly the name (any case, spaces around ignored).
CREATE FUNCTION personal_value(v text, p_emails text[], p_phones text[],
    p_names text[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
BEGIN
	RETURN holds_value(v, p_emails, p_phones, '{}')
	    OR lower(btrim(v)) = ANY (coalesce(p_names, '{}'));
END
$fn$;

-- j with every string or number that is one of the person's values
-- replaced by null, at any depth.
CREATE FUNCTION redact(j jsonb, p_emails text[], p_phones text[],
    p_names text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
BEGIN
	CASE jsonb_typeof(j)
	WHEN 'string', 'number' THEN
		IF personal_value(j #>> '{}', p_emails, p_phones, p_names) THEN
			RETURN 'null'::jsonb;
		END IF;
		RETURN j;
	WHEN 'object' THEN
		RETURN (SELECT coalesce(jsonb_object_agg(key,
		    redact(value, p_emails, p_phones, p_names)), '{}')
		    FROM jsonb_each(j));
	WHEN 'array' THEN
		RETURN (SELECT coalesce(jsonb_agg(redact(value, p_emails,
		    p_phones, p_names) ORDER BY n), '[]')
		    FROM jsonb_array_elements(j) WITH ORDINALITY AS a(value, n));
	ELSE
		RETURN j;
	END CASE;
END
$fn$;

-- A showing object as a delivery carries it, erased: with p_whole (this
-- is the person's showing) name, phone, email and notes become null where
-- present; the facts (uid, times, zone, listing, flags) stay; every other
-- key is redacted.  (jsonb operators, not a walk over every key: prune
-- runs this on every event of every old showing.)
CREATE FUNCTION erase_showing_object(sh jsonb, p_whole boolean,
    p_emails text[], p_phones text[], p_names text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
	res	jsonb := sh;
	other	jsonb;
	k	text;
BEGIN
	IF jsonb_typeof(sh) IS DISTINCT FROM 'object' THEN
		RETURN sh;
	END IF;
	IF p_whole THEN
		FOREACH k IN ARRAY ARRAY['name', 'phone', 'email', 'notes'] LOOP
			IF sh ? k THEN
				res := jsonb_set(res, ARRAY[k], 'null');
			END IF;
		END LOOP;
	END IF;
	other := sh - ARRAY['name', 'phone', 'email', 'notes', 'uid',
	    'created_at', 'showtime', 'showing_time_zone',
	    'showing_time_zone_utc_offset', 'listing_uid',
	    'listing_full_address', 'is_self_show', 'confirmed_at',
	    'canceled_at', 'self_show_code_distributed_at'];
	IF other <> '{}' THEN
		res := res || redact(other, p_emails, p_phones, p_names);
	END IF;
	RETURN res;
END
$fn$;

-- A delivery (events.payload) erased: the event's own facts stay, its
-- showing goes through erase_showing_object(), every other key is
-- redacted.
CREATE FUNCTION erase_payload(p jsonb, p_whole boolean, p_emails text[],
    p_phones text[], p_names text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
	res	jsonb := p;
	ev	jsonb;
	other	jsonb;
BEGIN
	IF jsonb_typeof(p) IS DISTINCT FROM 'object' THEN
		RETURN p;
	END IF;
	other := p - 'event';
	IF other <> '{}' THEN
		res := res || redact(other, p_emails, p_phones, p_names);
	END IF;
	ev := p->'event';
	IF jsonb_typeof(ev) IS DISTINCT FROM 'object' THEN
		RETURN res;
	END IF;
	IF ev ? 'showing' THEN
		ev := jsonb_set(ev, '{showing}', erase_showing_object(
		    ev->'showing', p_whole, p_emails, p_phones, p_names));
	END IF;
	other := ev - ARRAY['id', 'action', 'actor', 'team_member_name',
	    'team_member_uid', 'created_at', 'showing'];
	IF other <> '{}' THEN
		ev := ev || redact(other, p_emails, p_phones, p_names);
	END IF;
	RETURN jsonb_set(res, '{event}', ev);
END
$fn$;

-- The personal values a showing holds, in its row and in the showing
-- objects of its events: names and emails lowercased, phones as
-- phone_tail().
CREATE FUNCTION showing_values(p_uid text, OUT emails text[],
    OUT phones text[], OUT names text[])
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $fn$
BEGIN
	SELECT coalesce(array_agg(DISTINCT v.email)
		FILTER (WHERE v.email LIKE '_%@_%'), '{}'),
	    coalesce(array_agg(DISTINCT v.phone)
		FILTER (WHERE length(v.phone) >= 7), '{}'),
	    coalesce(array_agg(DISTINCT v.name) FILTER (WHERE v.name <> ''),
		'{}')
	INTO emails, phones, names
	FROM (SELECT lower(btrim(o->>'email')) AS email,
		phone_tail(o->>'phone') AS phone,
		lower(btrim(o->>'name')) AS name
	    FROM (SELECT snapshot AS o FROM showings WHERE uid = p_uid
		UNION ALL
		SELECT payload->'event'->'showing' FROM events
		WHERE showing_uid = p_uid
		UNION ALL
		SELECT jsonb_build_object('name', name, 'phone', phone,
		    'email', email) FROM showings WHERE uid = p_uid) sh
	    WHERE jsonb_typeof(o) = 'object') v;
END
$fn$;

-- Erase one showing and its events (the caller holds or takes its row
-- lock); extra values (the selectors of forget) are erased too.  Returns
-- whether the showing changed and how many of its events changed; an
-- erased showing is left alone (nothing changes twice).
CREATE FUNCTION erase_showing(p_uid text, p_emails text[], p_phones text[],
    p_names text[], OUT showing_changed boolean, OUT events_changed integer)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	v	record;
	s	showings%ROWTYPE;
	snap	jsonb;
	emails	text[];
	phones	text[];
	names	text[];
BEGIN
	showing_changed := false;
	events_changed := 0;
	SELECT * INTO s FROM showings WHERE uid = p_uid FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO v FROM showing_values(p_uid);
	emails := v.emails || p_emails;
	phones := v.phones || p_phones;
	names := v.names || p_names;
	snap := erase_showing_object(s.snapshot, true, emails, phones, names);
	showing_changed := num_nonnulls(s.name, s.phone, s.email, s.notes) > 0
	    OR snap IS DISTINCT FROM s.snapshot;
	IF showing_changed OR s.erased_at IS NULL THEN
		UPDATE showings SET name = NULL, phone = NULL, email = NULL,
		    notes = NULL, snapshot = snap, erased_at = now()
		WHERE uid = p_uid;
	END IF;
	UPDATE events e SET payload = x.p
	FROM (SELECT id, erase_payload(payload, true, emails, phones,
		names) AS p
	    FROM events WHERE showing_uid = p_uid) x
	WHERE e.id = x.id AND e.payload IS DISTINCT FROM x.p;
	GET DIAGNOSTICS events_changed = ROW_COUNT;
END
$fn$;

-- A quarantined body as text to search: the body itself when it is
-- UTF-8, plus its JSON form when it is JSON (escapes resolved); else its
-- bytes with the ones that are not printable ASCII as \ooo.
CREATE FUNCTION body_text(b bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
	t	text;
BEGIN
	BEGIN
		t := convert_from(b, 'UTF8');
	EXCEPTION WHEN OTHERS THEN
		RETURN encode(b, 'escape');
	END;
	BEGIN
		RETURN t || E'\n' || t::jsonb::text;
	EXCEPTION WHEN OTHERS THEN
		RETURN t;
	END;
END
$fn$;

-- Forget a person: every showing that carries one of the emails (any
-- case) or phone numbers (by digits), in its row or in any of its events,
-- and the showings named by uid, are erased with their events; the
-- values found there (and the selectors) are erased from every other
-- event's payload (outside the personal fields of other showings) and
-- from the quarantine (a body holding one is emptied, the row kept as a
-- record that something arrived, and no longer pending).  One call, one
-- transaction.  With p_dry_run nothing changes: the counts say what
-- would.  Records the erasure when something changed; erasure is its id.
CREATE FUNCTION forget(p_emails text[], p_phones text[], p_uids text[],
    p_dry_run boolean, OUT showings integer, OUT events integer,
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
		    UNION
		    SELECT e.showing_uid FROM events e
		    WHERE e.showing_uid IS NOT NULL AND (
			lower(e.payload #>> '{event,showing,email}') =
			    ANY (emails)
			OR phone_tail(e.payload #>> '{event,showing,phone}') =
			    ANY (phones)));
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
		WHERE length(q.body) > 0 AND EXISTS (
		    SELECT FROM (SELECT body_text(q.body) AS t) b
		    WHERE holds_value(b.t, emails, phones, names)
			OR EXISTS (SELECT FROM unnest(found_) x
			    WHERE strpos(b.t, '"' || x || '"') > 0));
		GET DIAGNOSTICS quarantine = ROW_COUNT;

		IF showings + events + quarantine > 0 AND NOT p_dry_run THEN
			INSERT INTO erasures (command, selector_hashes,
			    showings, events, quarantine)
			VALUES ('forget', ARRAY(
			    SELECT encode(sha256(convert_to(x, 'UTF8')), 'hex')
			    FROM (SELECT 'email:' || lower(btrim(y))
				FROM unnest(p_emails) y
				UNION SELECT 'phone:' || phone_key(y)
				FROM unnest(p_phones) y
				UNION SELECT 'showing:' || y
				FROM unnest(p_uids) y) s(x)
			    WHERE x IS NOT NULL ORDER BY 1),
			    showings, events, quarantine)
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

-- One batch of prune: erase, oldest first, up to p_limit showings whose
-- last delivery arrived more than p_days days ago and that hold personal
-- data (or were never erased), with their events; stop early once the
-- batch has held its rows p_budget_ms (a delivery for one of them waits
-- that long at most, and the commit).  Showings a delivery holds right
-- now are skipped (they are not old).  p_cursor is NULL to start, then
-- the cursor the previous batch returned; a NULL cursor back means done.
CREATE FUNCTION prune_showings(p_days integer, p_cursor jsonb,
    p_limit integer, p_budget_ms integer, OUT showings integer,
    OUT events integer, OUT next_cursor jsonb)
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
CREATE FUNCTION prune_quarantine(p_days integer, p_limit integer)
RETURNS integer
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	n	integer;
BEGIN
	DELETE FROM quarantine WHERE id IN (
	    SELECT id FROM quarantine
	    WHERE received_at < now() - p_days * interval '1 day'
		OR (replayed_at IS NOT NULL AND erased_at IS NULL)
	    ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$fn$;

-- Record a prune run that changed something; returns the erasure's id.
CREATE FUNCTION prune_record(p_days integer, p_showings integer,
    p_events integer, p_quarantine integer) RETURNS bigint
LANGUAGE sql
SET search_path FROM CURRENT
AS $fn$
	INSERT INTO erasures (command, older_than_days, showings, events,
	    quarantine)
	SELECT 'prune', p_days, p_showings, p_events, p_quarantine
	WHERE p_showings + p_events + p_quarantine > 0
	RETURNING id
$fn$;

-- Only the schema owner erases.
REVOKE ALL ON FUNCTION erase_showing(text, text[], text[], text[]),
    forget(text[], text[], text[], boolean),
    prune_showings(integer, jsonb, integer, integer),
    prune_quarantine(integer, integer),
    prune_record(integer, integer, integer, integer) FROM PUBLIC;

-- Analysts: the views and tables without personal columns.  Columns are
-- granted one by one, so a column added later is not readable until
-- granted; personal columns (name, email, phone, notes, prospect,
-- phone_key, snapshot, payload, body) never are.
DO $roles$
DECLARE
	s	text := current_schema();
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_analyst')
	THEN
		BEGIN
			CREATE ROLE showmojo_analyst NOLOGIN;
		EXCEPTION
		WHEN duplicate_object OR unique_violation THEN
			NULL;	/* created meanwhile by a migrate elsewhere */
		WHEN insufficient_privilege THEN
			RAISE WARNING 'role showmojo_analyst not created (no '
			    'CREATEROLE): a superuser can run CREATE ROLE '
			    'showmojo_analyst NOLOGIN and the grants of '
			    'sql/015-personal-data.sql';
		END;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_analyst')
	THEN
		RETURN;
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO showmojo_analyst', s);
	GRANT SELECT ON time_zones, actions, erasures, upcoming_by_listing,
	    listing_funnel, listing_funnel_weekly, events_daily,
	    quarantine_summary TO showmojo_analyst;
	GRANT SELECT (showing_uid, listing_uid, listing_full_address,
	    showing_time_zone, zone, showtime, showtime_local, utc_offset,
	    is_self_show, confirmed_at, canceled_at, no_show, status,
	    created_at, last_event_id, first_seen_at, last_seen_at)
	    ON showings_local TO showmojo_analyst;
	GRANT SELECT (listing_uid, listing_full_address, showtime_local, zone,
	    status, is_self_show, showing_uid, showtime)
	    ON upcoming_showings TO showmojo_analyst;
	GRANT SELECT (ord_num, created_at, created_local, event_id, action,
	    category, meaning, actor, team_member_name, showing_uid,
	    listing_uid, listing_full_address, showtime_local, zone)
	    ON prospect_timeline TO showmojo_analyst;
	GRANT SELECT (id, action, actor, team_member_name, team_member_uid,
	    created_at, showing_uid, received_at, ord_num)
	    ON events TO showmojo_analyst;
	GRANT SELECT (uid, created_at, showtime, showing_time_zone,
	    showing_time_zone_utc_offset, listing_uid, listing_full_address,
	    is_self_show, confirmed_at, canceled_at,
	    self_show_code_distributed_at, last_event_id, last_ord_num,
	    last_event_created_at, first_seen_at, last_seen_at, erased_at)
	    ON showings TO showmojo_analyst;
	GRANT SELECT (id, received_at, reason, event_id, replayed_at,
	    replay_result, erased_at)
	    ON quarantine TO showmojo_analyst;
	GRANT EXECUTE ON FUNCTION phone_tail(text) TO showmojo_analyst;
END
$roles$;

INSERT INTO schema_migrations (version, name) VALUES (15, '015-personal-data');
COMMIT;

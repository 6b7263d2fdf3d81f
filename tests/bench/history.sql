-- SPDX-License-Identifier: MIT
-- A realistic history for the query benchmark (tests/bench/history):
-- bench_history(p_from, p_to, p_total) stores events p_from .. p_to - 1 of
-- a history of p_total events through ingest(), as ShowMojo would have sent
-- them up to now, at a constant rate of a million events (100,000
-- showings) a year: a history of N events spans N / 1,000,000 years, so
-- that a question about the last 90 days reads as much at every size.
-- Deterministic: event i is always the same delivery.
--
-- About ten events a showing (create, updates, confirmation, reminders,
-- screening, an outcome: canceled, no-show, showed with feedback, or
-- none), 3,000 listings in twelve time zones, 40 team members, prospects
-- who come back (three in ten showings are by a prospect seen before).
-- Delivered as a sender does: shuffled within windows of 100, one in a
-- hundred late (after the rest of its batch), two in a hundred twice.
-- Lives in the schema bench_history, beside the program's.
CREATE SCHEMA IF NOT EXISTS bench_history;

CREATE OR REPLACE FUNCTION bench_history.h(p bigint, p_salt integer)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
	SELECT abs(hashint8(p * 31 + p_salt))::bigint
$fn$;

-- The delivery of event i of a history of p_total events.
CREATE OR REPLACE FUNCTION bench_history.delivery(i bigint, p_total bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
	showings	bigint := greatest(p_total / 10, 1);
	k		bigint := i / 10;	-- the showing
	j		integer := (i % 10)::integer;	-- its step
	-- A year / 100,000 showings.
	gap		interval := interval '315.36 seconds';
	created		timestamptz;
	at		timestamptz;
	listing		bigint := bench_history.h(k, 1) % 3000;
	prospect	bigint;
	zones		text[] := ARRAY['Eastern Time (US & Canada)',
	    'Central Time (US & Canada)', 'Mountain Time (US & Canada)',
	    'Pacific Time (US & Canada)', 'Arizona', 'Alaska', 'Hawaii',
	    'Indiana (East)', 'Atlantic Time (Canada)', 'London', 'Berlin',
	    'Sydney'];
	offsets		integer[] := ARRAY[-18000, -21600, -25200, -28800,
	    -25200, -32400, -36000, -18000, -14400, 0, 3600, 36000];
	z		integer := (listing % 12)::integer + 1;
	outcome		integer := (bench_history.h(k, 2) % 100)::integer;
	action		text;
	sh		jsonb;
BEGIN
	-- Three in ten showings are by a prospect seen before.
	prospect := CASE WHEN bench_history.h(k, 3) % 10 < 3
	    THEN bench_history.h(k, 4) % greatest(k, 1) ELSE k END;
	-- The last showing's last event is about now; its showtime ahead.
	created := date_trunc('day', now()) - interval '2 days' -
	    (showings - k) * gap;
	at := created + j * interval '5 hours';
	action := CASE j
	    WHEN 0 THEN 'create' WHEN 1 THEN 'update'
	    WHEN 2 THEN 'confirm_request' WHEN 3 THEN 'confirm'
	    WHEN 4 THEN 'acceptance_reminder' WHEN 5 THEN 'sent_document_request'
	    WHEN 6 THEN 'document_received'
	    WHEN 7 THEN CASE WHEN outcome < 15 THEN 'cancel'
		WHEN outcome < 25 THEN 'set_no_show'
		WHEN outcome < 65 THEN 'lockbox_showing_started'
		ELSE 'update' END
	    WHEN 8 THEN CASE WHEN outcome >= 25 AND outcome < 65
		THEN 'showing_feedback' ELSE 'update' END
	    ELSE 'update' END;
	sh := jsonb_build_object(
	    'uid', 'sh-' || k,
	    'created_at', created,
	    'showtime', created + interval '3 days' +
		(bench_history.h(k, 5) % 10) * interval '1 hour',
	    'showing_time_zone', zones[z],
	    'showing_time_zone_utc_offset', offsets[z],
	    'name', 'Prospect ' || prospect,
	    'phone', '+1 555 ' || lpad((prospect % 10000000)::text, 7, '0'),
	    'email', 'p' || prospect || '@example.com',
	    'notes', CASE WHEN j = 1 THEN 'Two dogs, moving in ' ||
		(bench_history.h(k, 6) % 12 + 1) || ' months' END,
	    'listing_uid', 'lst-' || listing,
	    'listing_full_address', listing || ' Main St, Springfield',
	    'is_self_show', bench_history.h(k, 7) % 4 = 0,
	    'confirmed_at', CASE WHEN j >= 3 THEN created + 3 * interval
		'5 hours' END,
	    'canceled_at', CASE WHEN j >= 7 AND outcome < 15 THEN created +
		7 * interval '5 hours' END);
	RETURN jsonb_build_object('event', jsonb_build_object(
	    'id', (i + 1)::text,
	    'action', action,
	    'actor', CASE WHEN j % 3 = 0 THEN 'prospect' ELSE 'system' END,
	    'team_member_name', 'Agent ' || (bench_history.h(k, 8) % 40),
	    'team_member_uid', 'tm-' || (bench_history.h(k, 8) % 40),
	    'created_at', at,
	    'showing', sh), 'sent_by', 'showmojo');
END
$fn$;

-- Store events p_from .. p_to - 1 (one transaction: call it in batches).
CREATE OR REPLACE FUNCTION bench_history.store(p_from bigint, p_to bigint,
    p_total bigint) RETURNS bigint LANGUAGE plpgsql
AS $fn$
DECLARE
	r	record;
	n	bigint := 0;
BEGIN
	FOR r IN
		SELECT i, copy FROM (
		    SELECT i, 1 AS copy FROM generate_series(p_from, p_to - 1) i
		    UNION ALL
		    SELECT i, 2 FROM generate_series(p_from, p_to - 1) i
		    WHERE bench_history.h(i, 9) % 100 < 2) d
		ORDER BY CASE WHEN bench_history.h(i, 10) % 100 = 0
		    THEN p_to ELSE i / 100 * 100 END,
		    bench_history.h(i, 11 + copy)
	LOOP
		PERFORM showmojo.ingest(bench_history.delivery(r.i, p_total));
		n := n + 1;
	END LOOP;
	RETURN n;
END
$fn$;

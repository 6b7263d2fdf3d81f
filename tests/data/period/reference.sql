-- SPDX-License-Identifier: MIT
-- The views as they were defined before they read what each showing row
-- keeps (sql/011-ingest-and-views.sql, sql/010-views.sql): every answer
-- recomputed from the events.  tests/period-queries.sh compares the
-- program's views, and the columns and table ingest() keeps, with these.
-- Created in the schema "reference" of a test database.  The source
-- column that migration 024 appends to three of the views is recomputed
-- here too.
SET search_path = showmojo;
CREATE SCHEMA reference;

CREATE VIEW reference.showings_local AS
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
	s.last_seen_at,
	-- 024: the source of the event the row's snapshot holds
	(SELECT e.source FROM events e WHERE e.id = s.last_event_id) AS source
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

CREATE VIEW reference.upcoming_showings AS
SELECT listing_uid, listing_full_address, showtime_local, zone, status,
	name, email, phone, is_self_show, showing_uid, showtime, source
FROM reference.showings_local
WHERE showtime > as_of() AND status IN ('requested', 'confirmed');

CREATE VIEW reference.upcoming_by_listing AS
SELECT
	listing_uid,
	(array_agg(listing_full_address ORDER BY showtime))[1]
	    AS listing_full_address,
	count(*) AS upcoming,
	count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
	(array_agg(showtime_local ORDER BY showtime))[1] AS next_showtime_local,
	(array_agg(zone ORDER BY showtime))[1] AS next_zone
FROM reference.upcoming_showings
GROUP BY listing_uid;

CREATE VIEW reference.listing_funnel AS
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
	FROM reference.showings_local
) f
GROUP BY listing_uid, day;

CREATE VIEW reference.listing_funnel_weekly AS
SELECT
	listing_uid,
	date_trunc('week', day::timestamp)::date AS week,
	max(listing_full_address) AS listing_full_address,
	sum(leads)::integer AS leads,
	sum(showings)::integer AS showings,
	sum(confirmed)::integer AS confirmed,
	sum(showed)::integer AS showed,
	sum(no_shows)::integer AS no_shows,
	sum(canceled)::integer AS canceled
FROM reference.listing_funnel
GROUP BY listing_uid, date_trunc('week', day::timestamp)::date;

CREATE VIEW reference.prospect_timeline AS
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
	z.zone,
	e.source	-- 024
FROM events e
JOIN showings s ON s.uid = e.showing_uid
LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
CROSS JOIN LATERAL (SELECT coalesce(tz.zone,
    showing_zone(s.showing_time_zone), 'UTC') AS zone) z
LEFT JOIN actions a ON a.action = e.action;

CREATE VIEW reference.events_daily AS
SELECT
	(coalesce(e.created_at, e.received_at) AT TIME ZONE 'UTC')::date
	    AS day,
	coalesce(a.category, 'unknown') AS category,
	e.action,
	count(*) AS events,
	count(DISTINCT e.showing_uid) AS showings
FROM events e
LEFT JOIN actions a ON a.action = e.action
GROUP BY 1, 2, 3;

-- What ingest() keeps on each showing row, recomputed from the events.
CREATE VIEW reference.showing_state AS
SELECT
	s.uid,
	coalesce(tz.zone, showing_zone(s.showing_time_zone)) AS zone,
	f.ord_num AS first_ord_num,
	f.created_at AS first_event_created_at,
	f.id AS first_event_id,
	f.at AS first_event_at,
	coalesce(o.no_show, false) AS no_show,
	coalesce(o.showed, false) AS showed
FROM showings s
LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
LEFT JOIN LATERAL (SELECT e.ord_num, e.created_at, e.id,
	coalesce(e.created_at, e.received_at) AS at
    FROM events e WHERE e.showing_uid = s.uid
    ORDER BY event_key(e.ord_num, e.created_at, e.id) LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT
	(array_agg(showing_outcome(e.action)
	    ORDER BY event_key(e.ord_num, e.created_at, e.id) DESC)
	    FILTER (WHERE showing_outcome(e.action) <> 'showed'))[1]
	    = 'no-show' AS no_show,
	bool_or(showing_outcome(e.action) = 'showed') AS showed
    FROM events e
    WHERE e.showing_uid = s.uid
	AND showing_outcome(e.action) IS NOT NULL) o ON true;

-- Each listing's and prospect's lead, recomputed from the showings.
CREATE VIEW reference.funnel_leads AS
SELECT DISTINCT ON (g) g AS grp, listing_uid, listing_full_address,
	local_day(first_event_at, zone) AS day, uid AS showing_uid,
	first_ord_num, first_event_created_at, first_event_id
FROM (SELECT s.*, jsonb_build_array(s.listing_uid,
	coalesce(lower(s.email), phone_key(s.phone), 'showing ' || s.uid)) AS g
    FROM showings s WHERE s.first_event_id IS NOT NULL) x
ORDER BY g, event_key(first_ord_num, first_event_created_at, first_event_id);

-- Each showing's funnel row, from the showings.
CREATE VIEW reference.funnel_showings AS
SELECT uid, listing_uid, listing_full_address,
	(coalesce(showtime, created_at) AT TIME ZONE
	    coalesce(showing_zone(showing_time_zone), 'UTC'))::date AS day,
	showtime, confirmed_at IS NOT NULL AS confirmed,
	canceled_at IS NOT NULL AS canceled, no_show, showed
FROM showings;

CREATE VIEW reference.event_days AS
SELECT DISTINCT (coalesce(created_at, received_at) AT TIME ZONE 'UTC')::date
    AS day
FROM events;

-- Each view, table or state that differs from its recomputation: its name,
-- the rows only the program's has, and the rows only the reference has.
CREATE FUNCTION reference.differences()
RETURNS TABLE (what text, only_program bigint, only_reference bigint)
LANGUAGE plpgsql
AS $fn$
DECLARE
	pair	text[];
	a	bigint;
	b	bigint;
BEGIN
	FOREACH pair SLICE 1 IN ARRAY ARRAY[
	    ['showmojo.showings_local', 'reference.showings_local'],
	    ['showmojo.upcoming_showings', 'reference.upcoming_showings'],
	    ['showmojo.upcoming_by_listing', 'reference.upcoming_by_listing'],
	    ['showmojo.listing_funnel', 'reference.listing_funnel'],
	    ['showmojo.listing_funnel_weekly',
		'reference.listing_funnel_weekly'],
	    ['showmojo.prospect_timeline', 'reference.prospect_timeline'],
	    ['showmojo.events_daily', 'reference.events_daily'],
	    ['(SELECT uid, zone, first_ord_num, first_event_created_at,
		first_event_id, first_event_at, no_show, showed
		FROM showmojo.showings) s', 'reference.showing_state'],
	    ['showmojo.funnel_leads', 'reference.funnel_leads'],
	    ['showmojo.funnel_showings', 'reference.funnel_showings'],
	    ['showmojo.event_days', 'reference.event_days']]
	LOOP
		EXECUTE format('SELECT count(*) FROM (SELECT * FROM %s '
		    'EXCEPT ALL SELECT * FROM %s) x', pair[1], pair[2])
		INTO a;
		EXECUTE format('SELECT count(*) FROM (SELECT * FROM %s '
		    'EXCEPT ALL SELECT * FROM %s) x', pair[2], pair[1])
		INTO b;
		IF a + b > 0 THEN
			what := pair[1];
			only_program := a;
			only_reference := b;
			RETURN NEXT;
		END IF;
	END LOOP;
END
$fn$;

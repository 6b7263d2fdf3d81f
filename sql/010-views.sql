-- SPDX-License-Identifier: MIT
-- The views people query (doc/data.md, "Querying").  Only CREATE OR REPLACE
-- VIEW here, so a later version of this file can be applied over this one
-- as a new migration.  "Now" in the views is as_of(): now(), unless the
-- session sets showmojo.as_of.
--
-- Event order is the ordering rule's (doc/design.md, "Ordering rule"):
-- numeric event ids by value, then created_at,
-- then the id; an id that is not all digits sorts before numeric ones, as
-- ingest() orders them.
BEGIN;

-- One row per showing, in the showing's local time, with a derived status.
-- Status, first rule that holds:
--   canceled   canceled_at is set (an "uncancel" clears it);
--   no-show    the latest no-show mark is set_no_show or
--              confirm_lockbox_outcome_no_show (not undo_no_show);
--   completed  the showtime has passed;
--   confirmed  confirmed_at is set;
--   requested  otherwise.
-- The no-show list must stay the same as events_no_show_idx (004).
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
	coalesce(ns.action <> 'undo_no_show', false) AS no_show,
	CASE
	WHEN s.canceled_at IS NOT NULL THEN 'canceled'
	WHEN ns.action <> 'undo_no_show' THEN 'no-show'
	WHEN s.showtime <= as_of() THEN 'completed'
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
LEFT JOIN LATERAL (
	SELECT e.action
	FROM events e
	WHERE e.showing_uid = s.uid
	    AND e.action IN ('set_no_show', 'undo_no_show',
		'confirm_lockbox_outcome_no_show')
	ORDER BY coalesce(e.ord_num, -1) DESC,
	    coalesce(e.created_at, '-infinity') DESC, e.id COLLATE "C" DESC
	LIMIT 1) ns ON true;
COMMENT ON VIEW showings_local IS
    'One row per showing: local showtime through the IANA zone, and status (requested, confirmed, canceled, no-show, completed).';

-- Showings still to come: showtime after now, neither canceled nor a
-- no-show.
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
	showtime
FROM showings_local
WHERE showtime > as_of() AND status IN ('requested', 'confirmed');
COMMENT ON VIEW upcoming_showings IS
    'Showings after now that are requested or confirmed, with local showtime.';

-- Per listing: how many showings are coming, and the next one.
CREATE OR REPLACE VIEW upcoming_by_listing AS
SELECT
	listing_uid,
	(array_agg(listing_full_address ORDER BY showtime))[1]
	    AS listing_full_address,
	count(*) AS upcoming,
	count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
	(array_agg(showtime_local ORDER BY showtime))[1] AS next_showtime_local,
	(array_agg(zone ORDER BY showtime))[1] AS next_zone
FROM upcoming_showings
GROUP BY listing_uid;
COMMENT ON VIEW upcoming_by_listing IS
    'One row per listing with upcoming showings: how many, how many confirmed, the next one in local time.';

-- The funnel per listing and local day; every count adds up over days,
-- so weeks and months are sums (listing_funnel_weekly).
--   leads      prospects seen for the first time for this listing that
--              day (their first event of any kind on one of its showings);
--   showings   showings whose showtime (else creation) falls on that day;
--   confirmed  of those, the ones with confirmed_at set;
--   showed     of those, status completed;
--   no_shows   of those, status no-show;
--   canceled   of those, status canceled.
-- A prospect is the email (any case), else the phone digits, else the
-- showing.  Days are local to the showing's zone (UTC when unknown).
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
	ORDER BY s.listing_uid, prospect, coalesce(e.ord_num, -1),
	    coalesce(e.created_at, '-infinity'), e.id COLLATE "C")
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
COMMENT ON VIEW listing_funnel IS
    'Per listing and local day: leads, showings, confirmed, showed, no-shows, canceled.';

CREATE OR REPLACE VIEW listing_funnel_weekly AS
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
FROM listing_funnel
GROUP BY listing_uid, date_trunc('week', day::timestamp)::date;
COMMENT ON VIEW listing_funnel_weekly IS
    'listing_funnel summed per week (weeks start on Monday).';

-- Every event of a showing, labelled with the showing's prospect (email
-- lowercased, phone as digits).  Order a prospect's rows with
--   ORDER BY ord_num NULLS FIRST, created_at NULLS FIRST, event_id
-- Events without a showing (some lead events) have no prospect and are
-- not here.
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
	(e.payload #>> '{event,showing,showtime}')::timestamptz
	    AT TIME ZONE z.zone AS showtime_local,
	z.zone
FROM events e
JOIN showings s ON s.uid = e.showing_uid
LEFT JOIN time_zones tz ON tz.name = s.showing_time_zone
CROSS JOIN LATERAL (SELECT coalesce(tz.zone,
    showing_zone(s.showing_time_zone), 'UTC') AS zone) z
LEFT JOIN actions a ON a.action = e.action;
COMMENT ON VIEW prospect_timeline IS
    'Every event of every showing with the prospect''s email and phone digits; showtime_local is the showtime that event carried.';

-- Events per UTC day, action and category ("unknown": not a published
-- action).
CREATE OR REPLACE VIEW events_daily AS
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
COMMENT ON VIEW events_daily IS
    'Events per UTC day (of created_at, else received_at), category and action.';

-- What waits in the quarantine (not replayed yet), per kind of reason:
-- the reason up to its first colon, without "at byte N".
CREATE OR REPLACE VIEW quarantine_summary AS
SELECT
	regexp_replace(split_part(q.reason, ':', 1), ' at byte [0-9]+', '',
	    'g') AS kind,
	count(*) AS deliveries,
	min(q.received_at) AS since,
	max(q.received_at) AS latest,
	(array_agg(q.reason ORDER BY q.id DESC))[1] AS latest_reason,
	max(q.id) AS latest_id
FROM quarantine q
WHERE q.replayed_at IS NULL
GROUP BY 1;
COMMENT ON VIEW quarantine_summary IS
    'Deliveries waiting in the quarantine, per kind of reason: how many, since when, the latest reason.';

INSERT INTO schema_migrations (version, name) VALUES (10, '010-views');
COMMIT;

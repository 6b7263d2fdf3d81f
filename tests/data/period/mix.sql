-- SPDX-License-Identifier: MIT
-- A random mix of deliveries for tests/period-queries.sh, in the table
-- mix.deliveries (n: the order of delivery, body): showings whose events
-- change the prospect (email, phone, both, neither), the listing, the
-- zone (Rails names, an IANA name, unknown, none), the showtime (past and
-- future), confirm, cancel and uncancel them, mark no-shows and undo
-- them, say the showing took place; events with and without created_at,
-- with a whole showing object or part of one, numeric ids and others,
-- events without a showing; delivered late (three in ten some places
-- after their turn) and twice (one in ten).  mix.make(seed, showings)
-- fills it; the same seed makes the same mix.
CREATE SCHEMA mix;
CREATE TABLE mix.deliveries (n integer PRIMARY KEY, body jsonb NOT NULL);

CREATE FUNCTION mix.pick(p text[]) RETURNS text
LANGUAGE sql VOLATILE
RETURN p[1 + floor(random() * cardinality(p))::integer];

CREATE FUNCTION mix.make(p_seed float8, p_showings integer) RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
	zones	text[] := ARRAY['Eastern Time (US & Canada)',
	    'Pacific Time (US & Canada)', 'Arizona', 'Hawaii', 'Sydney',
	    'Europe/Berlin', 'Atlantis Standard Time', NULL];
	actions	text[] := ARRAY['create', 'update', 'update', 'confirm',
	    'cancel', 'uncancel', 'set_no_show', 'undo_no_show',
	    'confirm_lockbox_outcome_no_show', 'lockbox_showing_started',
	    'showing_feedback', 'acceptance_reminder', 'reschedule'];
	fields	text[] := ARRAY['created_at', 'showtime', 'showing_time_zone',
	    'name', 'phone', 'email', 'notes', 'listing_uid',
	    'listing_full_address', 'confirmed_at', 'canceled_at'];
	base	timestamptz := date_trunc('hour', now()) - interval '30 days';
	seq	integer := 0;
	id	bigint := 5000;
	k	integer;
	j	integer;
	email	text;
	phone	text;
	listing	integer;
	zone	text;
	showtime timestamptz;
	confirmed timestamptz;
	canceled timestamptz;
	created	timestamptz;
	at	timestamptz;
	action	text;
	sh	jsonb;
	body	jsonb;
	late	float8;
BEGIN
	PERFORM setseed(p_seed);
	CREATE TEMP TABLE mix_events (ord float8, body jsonb) ON COMMIT DROP;
	FOR k IN 1 .. p_showings LOOP
		email := CASE WHEN random() < 0.6 THEN 'P' ||
		    floor(random() * 15) || '@Example.com' END;
		phone := CASE WHEN random() < 0.5 THEN '+1 (555) 01' ||
		    lpad(floor(random() * 15)::text, 2, '0') END;
		listing := floor(random() * 6);
		zone := mix.pick(zones);
		created := base + random() * interval '40 days';
		showtime := created + random() * interval '6 days';
		confirmed := NULL;
		canceled := NULL;
		at := created;
		FOR j IN 1 .. 1 + floor(random() * 8)::integer LOOP
			seq := seq + 1;
			id := id + 1 + floor(random() * 3)::integer;
			at := at + random() * interval '10 hours';
			action := CASE WHEN j = 1 THEN 'create'
			    ELSE mix.pick(actions) END;
			IF random() < 0.12 THEN
				email := CASE WHEN random() < 0.7 THEN 'p' ||
				    floor(random() * 15) || '@example.COM' END;
			END IF;
			IF random() < 0.1 THEN
				phone := CASE WHEN random() < 0.7 THEN
				    '555.01' || lpad(floor(random() * 15)::text,
				    2, '0') END;
			END IF;
			IF random() < 0.08 THEN
				listing := floor(random() * 6);
			END IF;
			IF random() < 0.08 THEN
				zone := mix.pick(zones);
			END IF;
			IF action = 'reschedule' THEN
				showtime := showtime + (random() - 0.5) *
				    interval '4 days';
			ELSIF action = 'confirm' THEN
				confirmed := at;
			ELSIF action = 'cancel' THEN
				canceled := at;
			ELSIF action = 'uncancel' THEN
				canceled := NULL;
			END IF;
			sh := jsonb_build_object('uid', 'sh-' || k,
			    'created_at', created, 'showtime', showtime,
			    'showing_time_zone', zone,
			    'showing_time_zone_utc_offset', -18000,
			    'name', 'Person ' || k, 'phone', phone,
			    'email', email, 'notes', 'note ' || j,
			    'listing_uid', 'lst-' || listing,
			    'listing_full_address', listing || ' Main St',
			    'is_self_show', random() < 0.3,
			    'confirmed_at', confirmed, 'canceled_at', canceled,
			    'self_show_code_distributed_at', NULL);
			IF random() < 0.15 THEN	-- part of the object
				sh := sh - mix.pick(fields) - mix.pick(fields);
			END IF;
			body := jsonb_build_object('event', jsonb_strip_nulls(
			    jsonb_build_object('id', CASE WHEN random() < 0.1
				THEN 'x' || id ELSE id::text END,
			    'action', action, 'actor', 'system',
			    'created_at', CASE WHEN random() < 0.9 THEN at END,
			    'team_member_name', 'Agent ' || listing))
			    || jsonb_build_object('showing', sh));
			late := CASE WHEN random() < 0.3
			    THEN random() * 40 ELSE 0 END;
			INSERT INTO mix_events VALUES (seq + late, body);
			IF random() < 0.1 THEN
				INSERT INTO mix_events
				VALUES (seq + random() * 60, body);
			END IF;
		END LOOP;
		IF random() < 0.1 THEN	-- a lead without a showing
			seq := seq + 1;
			id := id + 1;
			INSERT INTO mix_events VALUES (seq, jsonb_build_object(
			    'event', jsonb_build_object('id', id::text,
			    'action', 'lead_created', 'created_at', at)));
		END IF;
	END LOOP;
	INSERT INTO mix.deliveries
	SELECT row_number() OVER (ORDER BY ord), m.body FROM mix_events m;
	RETURN (SELECT count(*) FROM mix.deliveries);
END
$fn$;

-- Deliver n FROM .. TO whose n % p_streams = p_stream, in order, each in
-- a transaction of its own: several of these at once deliver as
-- concurrent senders do.
CREATE PROCEDURE mix.deliver(p_from integer, p_to integer, p_streams integer,
    p_stream integer)
LANGUAGE plpgsql
AS $fn$
DECLARE
	b	jsonb;
BEGIN
	FOR b IN SELECT body FROM mix.deliveries
	    WHERE n BETWEEN p_from AND p_to AND n % p_streams = p_stream
	    ORDER BY n LOOP
		PERFORM showmojo.ingest(b);
		COMMIT;
	END LOOP;
END
$fn$;

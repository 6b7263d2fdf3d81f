-- SPDX-License-Identifier: MIT
-- Indexes for the views of 010-views.sql and the lookups people make:
-- by listing, by prospect (email, phone), by showtime, by day, the
-- no-show marks of a showing, today's cancellations.  001 already has
-- events (showing_uid) for "the events of a showing" and events
-- (received_at).
BEGIN;

-- A listing's showings in time order (funnel, upcoming per listing).
CREATE INDEX showings_listing_showtime_idx ON showings (listing_uid, showtime);

-- Showings in a time window (upcoming showings, this week).
CREATE INDEX showings_showtime_idx ON showings (showtime);

-- A prospect, by email (case does not matter) or by phone digits.
CREATE INDEX showings_email_idx ON showings (lower(email));
CREATE INDEX showings_phone_idx ON showings (phone_key(phone));

-- Recent cancellations; most showings are never canceled.
CREATE INDEX showings_canceled_at_idx ON showings (canceled_at)
    WHERE canceled_at IS NOT NULL;

-- The no-show marks of a showing, for its derived status: the list must
-- stay the same as the one in the showings_local view.
CREATE INDEX events_no_show_idx ON events (showing_uid)
    WHERE action IN ('set_no_show', 'undo_no_show',
	'confirm_lockbox_outcome_no_show');

-- Events per day (UTC), as the events_daily view counts them.
CREATE INDEX events_day_idx ON events
    (((coalesce(created_at, received_at) AT TIME ZONE 'UTC')::date));

-- Events by when they happened.
CREATE INDEX events_created_at_idx ON events (created_at);

INSERT INTO schema_migrations (version, name) VALUES (4, '004-indexes');
COMMIT;

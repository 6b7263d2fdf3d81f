#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The data people query (sql/003, 004, 010): the time-zone and action
# reference tables checked against the names ShowMojo's webhook document
# lists (tests/data/reference/: zones.txt, actions.txt), then a set of
# deliveries (tests/data/views/) stored through the real program, every
# view and every example query of doc/data.md's "Querying" section run on
# them with exact expected rows, and an upgrade from a database that has
# only 001 with its data kept.
. "$(dirname "$0")/lib.sh"

REF="$DATA/reference"
VIEWS="$DATA/views"
# The fixture's "now": a Wednesday, 2026-11-18 17:00 UTC.
AS_OF=2026-11-18T17:00:00Z

new_db
export SHOWMOJO_TOKENS=views-test-token
UPGRADE_DB="${TEST_DB}_up"
trap 'dropdb --if-exists "$UPGRADE_DB" >/dev/null 2>&1; cleanup' EXIT

# q [psql args]: psql in the schema, at the fixture's "now", times in UTC.
q() {
	PGOPTIONS="-c search_path=showmojo -c showmojo.as_of=$AS_OF" PGTZ=UTC \
		psql -X -Atq -v ON_ERROR_STOP=1 "$@"
}

# --- time zones -----------------------------------------------------------

# The lists as published, without their header line.
grep -v '^#' "$REF/zones.txt" >"$TMPD/ref-zones"
grep -v '^#' "$REF/actions.txt" >"$TMPD/ref-actions"
[ "$(wc -l <"$TMPD/ref-zones")" -gt 100 ] ||
	bail "could not read the time zones from $REF/zones.txt"
[ "$(wc -l <"$TMPD/ref-actions")" -gt 100 ] ||
	bail "could not read the actions from $REF/actions.txt"

out=$(q <<EOF
CREATE TEMP TABLE ref (name text);
\\copy ref FROM '$TMPD/ref-zones'
SELECT count(*) FROM ref;
SELECT coalesce(string_agg(name, ', '), 'none') FROM ref
    WHERE showing_zone(name) IS NULL;
SELECT coalesce(string_agg(name, ', '), 'none') FROM ref r
    WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names p
	WHERE p.name = showing_zone(r.name));
SELECT coalesce(string_agg(name, ', '), 'none') FROM
    ((SELECT name FROM time_zones WHERE in_reference EXCEPT SELECT name FROM ref)
    UNION ALL
    (SELECT name FROM ref EXCEPT SELECT name FROM time_zones WHERE in_reference)) d;
EOF
)
is "$out" "144
none
none
none" "every time zone of ShowMojo's document maps to a zone PostgreSQL knows, and in_reference marks exactly those"

is "$(q -c "SELECT coalesce(string_agg(name || ' -> ' || zone, ', '), 'none')
    FROM time_zones t WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names p
	WHERE p.name = t.zone)")" "none" \
	"every zone of the table is known to PostgreSQL"

is "$(q -c "SELECT count(*) FILTER (WHERE in_rails), count(*) FROM time_zones")" \
	"151|155" "current Rails' 151 names, plus older and other spellings"

is "$(q -c "SELECT string_agg(n || '=' || showing_zone(n), ' ' ORDER BY o)
    FROM unnest(ARRAY['Kyiv', 'Kyev', 'Kiev', 'Rangoon', 'Yangon',
	'Ulaanbaatar', 'Ulaan Bataar', 'Greenland', 'Astana', 'Samoa',
	'American Samoa', 'International Date Line West', 'Bratislava',
	'Chongqing']) WITH ORDINALITY AS u(n, o)")" \
	"Kyiv=Europe/Kyiv Kyev=Europe/Kyiv Kiev=Europe/Kyiv Rangoon=Asia/Yangon Yangon=Asia/Yangon Ulaanbaatar=Asia/Ulaanbaatar Ulaan Bataar=Asia/Ulaanbaatar Greenland=America/Nuuk Astana=Asia/Almaty Samoa=Pacific/Apia American Samoa=Pacific/Pago_Pago International Date Line West=Etc/GMT+12 Bratislava=Europe/Prague Chongqing=Asia/Shanghai" \
	"older and newer spellings resolve to the same zone"

# Where zone is not Rails' own identifier, the two agree on every instant.
is "$(q -c "SELECT count(*) FROM time_zones t,
	generate_series('2024-01-01'::timestamptz, '2028-01-01', '6 hours') g
    WHERE t.rails_zone IS NOT NULL AND t.rails_zone <> t.zone
	AND EXISTS (SELECT 1 FROM pg_timezone_names p WHERE p.name = t.rails_zone)
	AND (g AT TIME ZONE t.zone) <> (g AT TIME ZONE t.rails_zone)")" "0" \
	"an alias replaced by its zone gives the same local times"

# Noon local, summer and winter, through the zone (daylight saving time).
is "$(q -c "SELECT string_agg(to_char(t AT TIME ZONE showing_zone(n), 'HH24:MI'), ' ' ORDER BY o)
    FROM (VALUES
	(1, 'Eastern Time (US & Canada)', '2026-07-01 16:00+00'::timestamptz),
	(2, 'Eastern Time (US & Canada)', '2026-12-01 17:00+00'),
	(3, 'Arizona', '2026-07-01 19:00+00'),
	(4, 'Arizona', '2026-12-01 19:00+00'),
	(5, 'London', '2026-07-01 11:00+00'),
	(6, 'London', '2026-12-01 12:00+00'),
	(7, 'Sydney', '2026-01-15 01:00+00'),
	(8, 'Sydney', '2026-07-15 02:00+00'),
	(9, 'Newfoundland', '2026-07-01 14:30+00'),
	(10, 'Newfoundland', '2026-12-01 15:30+00')) v(o, n, t)")" \
	"12:00 12:00 12:00 12:00 12:00 12:00 12:00 12:00 12:00 12:00" \
	"local time follows daylight saving time of the zone"

is "$(q -c "SELECT concat_ws('|', showing_zone('America/Boise'),
    coalesce(showing_zone('Mars/Olympus_Mons'), '-'),
    coalesce(showing_zone('UTC+3'), '-'), coalesce(showing_zone(''), '-'),
    coalesce(showing_zone(NULL), '-'))")" "America/Boise|-|-|-|-" \
	"a name not in the table: an IANA name the server knows, else NULL"

# --- actions --------------------------------------------------------------

out=$(q <<EOF
CREATE TEMP TABLE ref (action text);
\\copy ref FROM '$TMPD/ref-actions'
SELECT count(*), count(DISTINCT action) FROM ref;
SELECT coalesce(string_agg(action, ', '), 'none') FROM
    ((SELECT action FROM actions EXCEPT SELECT action FROM ref)
    UNION ALL
    (SELECT action FROM ref EXCEPT SELECT action FROM actions)) d;
SELECT count(DISTINCT category) FROM actions;
SELECT count(*) FROM actions WHERE action IN
    ('showing_denied_custome_question', 'proposed_times_accpt_request_sent');
SELECT count(*) FROM actions WHERE length(meaning) < 10;
EOF
)
is "$out" "121|121
none
12
2
0" "the action catalogue is exactly the document's list, typos included, in 12 categories, each with a meaning"

# --- deliveries through the program ---------------------------------------

n=0 bad=
for f in "$VIEWS"/[0-9][0-9]-*.json; do
	cgi POST "$f"
	n=$((n + 1))
	case "$STATUS $BODY" in
	'200 {"status":"stored",'*) ;;
	*) bad="$bad $(basename "$f"):$STATUS:$BODY" ;;
	esac
done
is "$n:${bad:-ok}" "37:ok" "37 deliveries (one out of order) answered 200 stored"

cgi POST "$VIEWS/23-2004-confirm.json"
is "$STATUS $BODY" '200 {"status":"duplicate","event_id":"2004"}' \
	"a retried delivery is a duplicate"
for f in "$VIEWS"/q1-truncated.json "$VIEWS"/q2-bad-timestamp.json; do
	cgi POST "$f"
	case "$STATUS $BODY" in
	'200 {"status":"quarantined",'*) ok 0 "$(basename "$f") quarantined" ;;
	*) ok 1 "$(basename "$f") quarantined"
	   echo "#   got: $STATUS $BODY" ;;
	esac
done
# The quarantine keeps the server's arrival time; give the two fixed
# times so that the rows below are exact.
q -c "UPDATE quarantine SET received_at = CASE event_id
	WHEN '2060' THEN timestamptz '2026-11-18 16:10:30+00'
	ELSE timestamptz '2026-11-18 16:20:30+00' END" \
  -c "UPDATE quarantine SET last_received_at = received_at"
is "$(q -c "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM showings),
    (SELECT count(*) FROM quarantine)")" "37|14|2" "stored: 37 events, 14 showings, 2 quarantined"

# --- views ----------------------------------------------------------------

is "$(q -c "SELECT showing_uid, listing_uid, prospect, showing_time_zone, zone,
	showtime_local, utc_offset, no_show, status
    FROM showings_local ORDER BY showtime")" \
"sh-k1|lst-400|sam@example.com|Eastern Time (US & Canada)|America/New_York|2026-10-29 17:00:00|-04:00:00|f|canceled
sh-g1|lst-400|jordan@example.com|Eastern Time (US & Canada)|America/New_York|2026-10-30 18:00:00|-04:00:00|f|completed
sh-l1|lst-400|noah@example.com|Eastern Time (US & Canada)|America/New_York|2026-10-31 11:00:00|-04:00:00|t|no-show
sh-f1|lst-300|ana@example.org|Arizona|America/Phoenix|2026-10-31 10:00:00|-07:00:00|f|completed
sh-m1|lst-100|omar@example.com|Central Time (US & Canada)|America/Chicago|2026-11-08 16:00:00|-06:00:00|f|expired
sh-n1|lst-100|lena@example.com|Central Time (US & Canada)|America/Chicago|2026-11-09 10:00:00|-06:00:00|f|completed
sh-b1|lst-100|priya@example.com|Central Time (US & Canada)|America/Chicago|2026-11-10 17:30:00|-06:00:00|f|completed
sh-c1|lst-100|ben@example.com|Central Time (US & Canada)|America/Chicago|2026-11-12 12:00:00|-06:00:00|t|no-show
sh-d1|lst-200|chloe@example.com|Pacific Time (US & Canada)|America/Los_Angeles|2026-11-19 10:00:00|-08:00:00|f|canceled
sh-a1|lst-100|jordan@example.com|Central Time (US & Canada)|America/Chicago|2026-11-20 16:00:00|-06:00:00|f|confirmed
sh-i1|lst-300|dev.kumar@example.com|America/Phoenix|America/Phoenix|2026-11-21 09:00:00|-07:00:00|f|requested
sh-e1|lst-200|marcus.lee@example.net|Pacific Time (US & Canada)|America/Los_Angeles|2026-11-23 11:00:00|-08:00:00|f|requested
sh-h1|lst-400|priya@example.com|Eastern Time (US & Canada)|America/New_York|2026-11-24 18:00:00|-05:00:00|f|confirmed
sh-j1|lst-300|marcus.lee@example.net|Arizona|America/Phoenix|2026-12-02 15:00:00|-07:00:00|f|requested" \
	"showings_local: local showtime across the end of DST, status (uncancel, undo_no_show delivered first, no-shows, cancels, past and never confirmed: expired, unless an event says it took place)"

is "$(q -c "SELECT listing_uid, showtime_local, zone, status, name
    FROM upcoming_showings ORDER BY showtime")" \
"lst-100|2026-11-20 16:00:00|America/Chicago|confirmed|Jordan Smith
lst-300|2026-11-21 09:00:00|America/Phoenix|requested|Dev Kumar
lst-200|2026-11-23 11:00:00|America/Los_Angeles|requested|Marcus Lee
lst-400|2026-11-24 18:00:00|America/New_York|confirmed|Priya Patel
lst-300|2026-12-02 15:00:00|America/Phoenix|requested|Marcus Lee" \
	"upcoming_showings: after now, not canceled"

is "$(q -c "SELECT * FROM upcoming_by_listing ORDER BY listing_uid")" \
"lst-100|12 Elm St, Springfield, IL 62701|1|1|2026-11-20 16:00:00|America/Chicago
lst-200|480 Harbor Rd Apt 3, Portland, OR 97209|1|0|2026-11-23 11:00:00|America/Los_Angeles
lst-300|77 Mesa Dr, Tempe, AZ 85281|2|0|2026-11-21 09:00:00|America/Phoenix
lst-400|9 Beacon St, Boston, MA 02108|1|1|2026-11-24 18:00:00|America/New_York" \
	"upcoming_by_listing: count, confirmed, next showing"

is "$(q -c "SELECT listing_uid, day, leads, showings, confirmed, showed,
	no_shows, canceled FROM listing_funnel ORDER BY listing_uid, day")" \
"lst-100|2026-11-03|1|0|0|0|0|0
lst-100|2026-11-04|1|0|0|0|0|0
lst-100|2026-11-05|1|0|0|0|0|0
lst-100|2026-11-06|1|0|0|0|0|0
lst-100|2026-11-08|0|1|0|0|0|0
lst-100|2026-11-09|0|1|0|1|0|0
lst-100|2026-11-10|0|1|1|1|0|0
lst-100|2026-11-12|0|1|1|0|1|0
lst-100|2026-11-16|1|0|0|0|0|0
lst-100|2026-11-20|0|1|1|0|0|0
lst-200|2026-11-14|1|0|0|0|0|0
lst-200|2026-11-18|1|0|0|0|0|0
lst-200|2026-11-19|0|1|0|0|0|1
lst-200|2026-11-23|0|1|0|0|0|0
lst-300|2026-10-28|1|0|0|0|0|0
lst-300|2026-10-31|0|1|1|1|0|0
lst-300|2026-11-18|2|0|0|0|0|0
lst-300|2026-11-21|0|1|0|0|0|0
lst-300|2026-12-02|0|1|0|0|0|0
lst-400|2026-10-25|1|0|0|0|0|0
lst-400|2026-10-27|1|0|0|0|0|0
lst-400|2026-10-28|1|0|0|0|0|0
lst-400|2026-10-29|0|1|0|0|0|1
lst-400|2026-10-30|0|1|1|1|0|0
lst-400|2026-10-31|0|1|1|0|1|0
lst-400|2026-11-18|1|0|0|0|0|0
lst-400|2026-11-24|0|1|1|0|0|0" \
	"listing_funnel: first contacts per listing, showings by local showtime day"

is "$(q -c "SELECT listing_uid, week, leads, showings, confirmed, showed,
	no_shows, canceled FROM listing_funnel_weekly ORDER BY listing_uid, week")" \
"lst-100|2026-11-02|4|1|0|0|0|0
lst-100|2026-11-09|0|3|2|2|1|0
lst-100|2026-11-16|1|1|1|0|0|0
lst-200|2026-11-09|1|0|0|0|0|0
lst-200|2026-11-16|1|1|0|0|0|1
lst-200|2026-11-23|0|1|0|0|0|0
lst-300|2026-10-26|1|1|1|1|0|0
lst-300|2026-11-16|2|1|0|0|0|0
lst-300|2026-11-30|0|1|0|0|0|0
lst-400|2026-10-19|1|0|0|0|0|0
lst-400|2026-10-26|2|3|2|1|1|1
lst-400|2026-11-16|1|0|0|0|0|0
lst-400|2026-11-23|0|1|1|0|0|0" \
	"listing_funnel_weekly: the same per Monday week"

is "$(q -c "SELECT email, event_id, action, category, created_local,
	showtime_local, zone FROM prospect_timeline
    WHERE phone_key = phone_key('555-010-1234')
    ORDER BY ord_num NULLS FIRST, created_at NULLS FIRST, event_id")" \
"priya@example.com|1901|create|scheduling|2026-11-05 14:00:00|2026-11-10 17:30:00|America/Chicago
priya@example.com|1910|confirm|confirmation|2026-11-09 08:00:00|2026-11-10 17:30:00|America/Chicago
priya@example.com|1950|showing_feedback|feedback|2026-11-10 20:00:00|2026-11-10 17:30:00|America/Chicago
priya@example.com|2030|create|scheduling|2026-11-18 07:00:00|2026-11-24 18:00:00|America/New_York
priya@example.com|2031|confirm_automatically|confirmation|2026-11-18 07:00:05|2026-11-24 18:00:00|America/New_York" \
	"prospect_timeline by phone digits: two showings, emails in two cases"

is "$(q -c "SELECT event_id, action, category, coalesce(meaning, '-')
    FROM prospect_timeline WHERE email = 'marcus.lee@example.net'
    ORDER BY ord_num, event_id")" \
"2020|create|scheduling|A showing was booked.
2021|update|scheduling|The showing's details (time, contact, notes) changed.
2022|confirm_request|confirmation|The prospect was asked to confirm the showing.
2050|create|scheduling|A showing was booked." \
	"prospect_timeline: category and meaning from the catalogue"

is "$(q -c "SELECT event_id, action, category, coalesce(meaning, '-'),
	showtime_local FROM prospect_timeline WHERE showing_uid IN ('sh-e1', 'sh-i1')
    ORDER BY ord_num")" \
"2020|create|scheduling|A showing was booked.|2026-11-22 11:00:00
2021|update|scheduling|The showing's details (time, contact, notes) changed.|2026-11-23 11:00:00
2022|confirm_request|confirmation|The prospect was asked to confirm the showing.|2026-11-23 11:00:00
2040|auto_create_by_sms|scheduling|A showing was booked from a text-message conversation.|2026-11-21 09:00:00
2041|virtual_tour_viewed|unknown|-|2026-11-21 09:00:00" \
	"an action not in the catalogue is stored and shows as unknown; each event keeps the showtime it carried"

is "$(q -c "SELECT day, category, action, events, showings FROM events_daily
    ORDER BY day, category, action")" \
"2026-10-25|scheduling|create|1|1
2026-10-26|cancellation|cancel|1|1
2026-10-27|cancellation|uncancel|1|1
2026-10-27|scheduling|create|1|1
2026-10-28|confirmation|confirm|1|1
2026-10-28|scheduling|create|2|2
2026-10-29|cancellation|auto_cancel_no_reply|1|1
2026-10-29|confirmation|confirm|1|1
2026-10-30|self-show/lockbox|confirm_secured_lockbox|1|1
2026-10-31|feedback|set_no_show|1|1
2026-10-31|self-show/lockbox|lockbox_code_distributed|1|1
2026-11-01|feedback|set_no_show|1|1
2026-11-02|feedback|undo_no_show|1|1
2026-11-03|scheduling|create|1|1
2026-11-04|scheduling|create|1|1
2026-11-05|scheduling|create|1|1
2026-11-06|confirmation|confirm_automatically|1|1
2026-11-06|scheduling|create|1|1
2026-11-09|confirmation|confirm|1|1
2026-11-09|self-show/lockbox|lockbox_showing_started|1|1
2026-11-11|feedback|showing_feedback|1|1
2026-11-12|feedback|set_no_show|1|1
2026-11-14|scheduling|create|1|1
2026-11-16|scheduling|create|1|1
2026-11-17|confirmation|confirm|1|1
2026-11-18|cancellation|cancel|1|1
2026-11-18|confirmation|confirm_automatically|1|1
2026-11-18|confirmation|confirm_request|1|1
2026-11-18|lead|inquired|1|0
2026-11-18|lead|lead_created|1|0
2026-11-18|scheduling|auto_create_by_sms|1|1
2026-11-18|scheduling|create|3|3
2026-11-18|scheduling|update|1|1
2026-11-18|unknown|virtual_tour_viewed|1|1" \
	"events_daily: every event once, by UTC day, category and action"

QUARANTINE_ROWS="not JSON|1|2026-11-18 16:10:30+00|2026-11-18 16:10:30+00|not JSON: parse error: premature EOF|1
event.showing.showtime is not an ISO 8601 date-time|1|2026-11-18 16:20:30+00|2026-11-18 16:20:30+00|event.showing.showtime is not an ISO 8601 date-time: \"next Tuesday at 6pm\"|2"
is "$(q -c "SELECT * FROM quarantine_summary ORDER BY since")" \
	"$QUARANTINE_ROWS" "quarantine_summary: per kind of reason"
is "$(q -c "BEGIN" -c "UPDATE quarantine SET replayed_at = now()
    WHERE event_id = '2060'" -c "SELECT kind, deliveries FROM quarantine_summary" \
    -c "ROLLBACK")" \
	"event.showing.showtime is not an ISO 8601 date-time|1" \
	"quarantine_summary leaves replayed deliveries out"

# --- the examples of doc/data.md ------------------------------------------

mkdir "$TMPD/queries"
awk -v dir="$TMPD/queries" -f "$VIEWS/queries.awk" "$top_srcdir/doc/data.md"
is "$(tr '\n' ' ' <"$TMPD/queries/index" 2>/dev/null)" \
	"upcoming-week funnel-last-month prospect canceled-today quarantine activity " \
	"doc/data.md's Querying section has the six examples"

expect() {	# expect NAME ROWS: run doc/data.md's query NAME
	local got
	if [ ! -f "$TMPD/queries/$1.sql" ]; then
		ok 1 "doc/data.md query $1 present"
		return
	fi
	got=$(q -f "$TMPD/queries/$1.sql" 2>&1)
	is "$got" "$2" "doc/data.md query $1"
}

expect upcoming-week \
"2026-11-20 16:00:00|America/Chicago|12 Elm St, Springfield, IL 62701|Jordan Smith|Jordan@Example.com|+1 555 0100|confirmed
2026-11-21 09:00:00|America/Phoenix|77 Mesa Dr, Tempe, AZ 85281|Dev Kumar|dev.kumar@example.com|480-555-0177|requested
2026-11-23 11:00:00|America/Los_Angeles|480 Harbor Rd Apt 3, Portland, OR 97209|Marcus Lee|marcus.lee@example.net|971-555-0123|requested
2026-11-24 18:00:00|America/New_York|9 Beacon St, Boston, MA 02108|Priya Patel|priya@example.com|555.010.1234|confirmed"

expect funnel-last-month \
"lst-400|9 Beacon St, Boston, MA 02108|3|3|2|1|1|1"

expect prospect \
"2026-10-25 10:00:00|1701|create|scheduling|prospect|9 Beacon St, Boston, MA 02108|2026-10-30 18:00:00
2026-10-26 11:00:00|1702|cancel|cancellation|prospect|9 Beacon St, Boston, MA 02108|2026-10-30 18:00:00
2026-10-27 09:00:00|1703|uncancel|cancellation|owner_agent|9 Beacon St, Boston, MA 02108|2026-10-30 18:00:00
2026-10-28 12:00:00|1704|confirm|confirmation|prospect|9 Beacon St, Boston, MA 02108|2026-10-30 18:00:00
2026-11-16 10:00:00|2001|create|scheduling|prospect|12 Elm St, Springfield, IL 62701|2026-11-20 16:00:00
2026-11-17 09:00:00|2004|confirm|confirmation|prospect|12 Elm St, Springfield, IL 62701|2026-11-20 16:00:00"

expect canceled-today \
"2026-11-18 07:30:00|2026-11-19 10:00:00|America/Los_Angeles|480 Harbor Rd Apt 3, Portland, OR 97209|Chloe Martin|chloe@example.com|503-555-0142"

expect quarantine \
"not JSON|1|2026-11-18 16:10:30+00|2026-11-18 16:10:30+00|not JSON: parse error: premature EOF
event.showing.showtime is not an ISO 8601 date-time|1|2026-11-18 16:20:30+00|2026-11-18 16:20:30+00|event.showing.showtime is not an ISO 8601 date-time: \"next Tuesday at 6pm\""

expect activity \
"2026-11-12|feedback|1
2026-11-14|scheduling|1
2026-11-16|scheduling|1
2026-11-17|confirmation|1
2026-11-18|cancellation|1
2026-11-18|confirmation|2
2026-11-18|lead|2
2026-11-18|scheduling|5
2026-11-18|unknown|1"

# --- a reader in another time zone -----------------------------------------

# The views read a timestamp without an offset as ingest() does: UTC.
# sh-m1 was sent without offsets; its showtime 22:00 is 16:00 in Chicago.
# A reader in New York, with showmojo.as_of also without an offset, sees
# the same local times and statuses as a reader in UTC.
qny() {
	PGOPTIONS="-c search_path=showmojo -c showmojo.as_of=2026-11-18T17:00:00" \
		PGTZ=America/New_York psql -X -Atq -v ON_ERROR_STOP=1 "$@"
}
is "$(qny -c "SHOW TimeZone" -c "SELECT created_local, showtime_local
    FROM prospect_timeline WHERE showing_uid = 'sh-m1'")" \
	"America/New_York
2026-11-03 09:00:00|2026-11-08 16:00:00" \
	"prospect_timeline: a showtime sent without an offset is UTC for a reader in New York"
LOCAL="SELECT showing_uid, showtime_local, utc_offset, status FROM showings_local
	ORDER BY showing_uid;
    SELECT event_id, created_local, showtime_local FROM prospect_timeline
	ORDER BY event_id;
    SELECT * FROM listing_funnel ORDER BY listing_uid, day;
    SELECT * FROM events_daily ORDER BY day, category, action;"
is "$(qny -c "$LOCAL")" "$(q -c "$LOCAL")" \
	"the views answer a reader in New York as they answer a reader in UTC"
# A reader who qualifies the names instead of setting search_path.
QUALIFIED=$(printf '%s\n' "$LOCAL" | sed 's/FROM \([a-z_]*\)/FROM showmojo.\1/')
is "$(PGOPTIONS="-c showmojo.as_of=$AS_OF" PGTZ=UTC \
	psql -X -Atq -v ON_ERROR_STOP=1 -c "SET search_path = public" \
	-c "$QUALIFIED" 2>&1)" "$(q -c "$LOCAL")" \
	"the views answer a reader who qualifies their names"
for name in upcoming-week funnel-last-month prospect canceled-today activity; do
	is "$(qny -f "$TMPD/queries/$name.sql" 2>&1)" \
		"$(q -f "$TMPD/queries/$name.sql" 2>&1)" \
		"doc/data.md query $name: the same for a reader in New York"
done

# --- upgrade: a database made by 001 alone keeps its data ------------------

mkdir "$TMPD/sql-001"
cp "$top_srcdir/sql/001-schema.sql" "$TMPD/sql-001/"
createdb -E UTF8 -T template0 "$UPGRADE_DB" || bail "createdb failed"
up() { PGDATABASE="$UPGRADE_DB" SHOWMOJO_DB="dbname=$UPGRADE_DB" "$@"; }
# This program's statements need the current schema: it applies 001,
# then fails to prepare them; 001's own ingest() stores the deliveries.
up "$SMW" migrate "$TMPD/sql-001" >"$TMPD/up.out" 2>&1
is "$(up psql -X -Atq -c "SELECT string_agg(name, ',') FROM showmojo.schema_migrations")" \
	"001-schema" "migrate with 001 only"
i=0
for f in "$VIEWS"/[0-9][0-9]-*.json; do
	i=$((i + 1))
	printf '%s\n' "\\set body \`cat '$f'\`" "SELECT showmojo.ingest(:'body'::jsonb);"
done >"$TMPD/up.sql"
is "$(up psql -X -Atq -v ON_ERROR_STOP=1 -f "$TMPD/up.sql" 2>&1 | sort | uniq -c |
	sed 's/^ *//')" "$i stored" "deliveries stored in the 001-only database (001's ingest())"

# Everything stored, as text, in a fixed order (without the columns later
# migrations add: showings.erased_at of 015).
FINGERPRINT="SELECT md5(string_agg(t, E'\\n' ORDER BY t)) FROM (
    SELECT 'e' || concat_ws('|', id, action, actor, team_member_name,
	team_member_uid, created_at, showing_uid, payload, ord_num,
	received_at) AS t FROM showmojo.events
    UNION ALL
    SELECT 's' || (to_jsonb(s) - ARRAY['erased_at', 'zone', 'first_ord_num',
	'first_event_created_at', 'first_event_id', 'first_event_at',
	'no_show', 'showed', 'source'])::text FROM showmojo.showings s) x"
before=$(up psql -X -Atq -c "$FINGERPRINT")
case "$before" in
[0-9a-f][0-9a-f]*) ok 0 "fingerprint of the stored data taken" ;;
*) ok 1 "fingerprint of the stored data taken"; echo "#   got: $before" ;;
esac
is "$(up psql -X -Atq -c "SELECT string_agg(version::text, ',' ORDER BY version)
    FROM showmojo.schema_migrations")" "1" "the old database is at version 1"

up "$SMW" migrate "$top_srcdir/sql" >"$TMPD/up.out" 2>&1
ok $? "migrate with the whole sql/ over it"
is "$(up psql -X -Atq -c "SELECT string_agg(version::text, ',' ORDER BY version)
    FROM showmojo.schema_migrations")" \
	"$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql | sed 's|.*/0*\([0-9]*\)-.*|\1|' | paste -sd,)" \
	"every later migration applied"
is "$(up psql -X -Atq -c "$FINGERPRINT")" "$before" \
	"events and showings unchanged by the upgrade"
main=$(q -c "SELECT string_agg(showing_uid || '=' || status || '@' || showtime_local,
    ' ' ORDER BY showing_uid) FROM showings_local")
is "$(PGDATABASE="$UPGRADE_DB" q -c "SELECT string_agg(showing_uid || '=' || status || '@' || showtime_local,
    ' ' ORDER BY showing_uid) FROM showings_local")" "$main" \
	"the views work on the upgraded database, with the same answers"
up "$SMW" migrate "$top_srcdir/sql" >"$TMPD/up.out" 2>&1
is "$?:$(head -1 "$TMPD/up.out")" \
	"0:migrate: 0 applied, schema showmojo at version $(sed -n 's/^#define SMW_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/lib/store.h")" \
	"migrating again applies nothing"

done_testing

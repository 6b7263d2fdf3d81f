#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The example queries of doc/data.md on 100,000 events: after ANALYZE, each
# plan reads the big tables (events, showings, quarantine) through an
# index, never by a sequential scan.  The data is generated in SQL straight
# into the tables (not through the program) to keep this fast: 200
# listings, 20,000 showings over 2026, 5 events each, 20,000 quarantined
# bodies of which 30 wait.  The planner is left alone: no enable_* setting
# is touched.
. "$(dirname "$0")/lib.sh"

AS_OF=2026-11-18T17:00:00Z
new_db

q() {
	PGOPTIONS="-c search_path=showmojo -c showmojo.as_of=$AS_OF" PGTZ=UTC \
		psql -X -Atq -v ON_ERROR_STOP=1 "$@"
}

q <<'EOF' || bail "could not generate the data"
INSERT INTO showings (uid, created_at, showtime, showing_time_zone,
    showing_time_zone_utc_offset, name, phone, email, listing_uid,
    listing_full_address, is_self_show, confirmed_at, canceled_at, snapshot,
    last_event_id, last_ord_num, last_event_created_at)
SELECT 'sh-' || k, st - interval '5 days', st, tz,
    -21600, 'Prospect ' || (k % 15000),
    '555-01' || lpad((k % 15000)::text, 5, '0'),
    'P' || (k % 15000) || '@Example.com',
    'lst-' || (k % 200), (k % 200) || ' Main St',
    k % 7 = 0,
    CASE WHEN k % 10 < 6 THEN st - interval '2 days' END,
    CASE WHEN k % 100 < 15 THEN st - interval '1 day' END,
    jsonb_build_object('uid', 'sh-' || k, 'showtime', st),
    (k * 10 + 5)::text, k * 10 + 5, st
FROM generate_series(1, 20000) k,
    LATERAL (SELECT timestamptz '2026-01-01 15:00+00'
	+ (k * interval '26 minutes') AS st,
	(ARRAY['Eastern Time (US & Canada)', 'Central Time (US & Canada)',
	    'Mountain Time (US & Canada)', 'Arizona',
	    'Pacific Time (US & Canada)'])[k % 5 + 1] AS tz) x;

INSERT INTO events (id, action, actor, created_at, showing_uid, payload,
    ord_num)
SELECT (k * 10 + j)::text, a, 'prospect', s.created_at + j * interval '1 hour',
    s.uid, jsonb_build_object('event', jsonb_build_object('id', (k * 10 + j)::text,
	'action', a, 'showing', s.snapshot)), k * 10 + j
FROM generate_series(1, 20000) k
JOIN showings s ON s.uid = 'sh-' || k,
    generate_series(1, 5) j,
    LATERAL (SELECT CASE j
	WHEN 1 THEN 'create'
	WHEN 2 THEN 'confirm_request'
	WHEN 3 THEN CASE WHEN s.canceled_at IS NOT NULL THEN 'cancel'
	    ELSE 'confirm' END
	WHEN 4 THEN CASE WHEN k % 20 = 0 THEN 'set_no_show'
	    ELSE 'last_reminder' END
	ELSE CASE WHEN k % 40 = 0 THEN 'undo_no_show'
	    ELSE 'showing_feedback' END
	END AS a) x;

INSERT INTO quarantine (received_at, reason, body, replayed_at)
SELECT timestamptz '2026-01-01' + k * interval '20 minutes',
    CASE WHEN k % 3 = 0 THEN 'not JSON: parse error: premature EOF'
	ELSE 'event.id is missing' END,
    convert_to('{"event":' || k, 'UTF8'),
    CASE WHEN k <= 19970 THEN timestamptz '2026-11-01' END
FROM generate_series(1, 20000) k;

ANALYZE;
EOF

is "$(q -c "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM showings),
    (SELECT count(*) FROM quarantine WHERE replayed_at IS NULL)")" \
	"100000|20000|30" "generated 100,000 events, 20,000 showings, 30 waiting"

mkdir "$TMPD/queries"
awk -v dir="$TMPD/queries" -f "$DATA/views/queries.awk" "$top_srcdir/doc/data.md"
[ -s "$TMPD/queries/index" ] || bail "no example queries found in doc/data.md"

while read -r name; do
	plan=$(q -c "EXPLAIN $(sed '/^--/d' "$TMPD/queries/$name.sql")" 2>&1)
	# The scans of the plan, one a line, for the log.
	scans=$(printf '%s\n' "$plan" | grep -Eo \
		'(Bitmap Index|Index Only|Index|Seq) Scan( using [a-z_]+)? on [a-z_]+' |
		sort | uniq -c | sed 's/^ */#   /')
	if printf '%s\n' "$plan" | grep -Eq 'Index (Only )?Scan|Bitmap Index Scan' &&
		! printf '%s\n' "$plan" | grep -Eq 'Seq Scan on (events|showings|quarantine)( |$)'; then
		ok 0 "$name: an index, no sequential scan of events, showings, quarantine"
	else
		ok 1 "$name: an index, no sequential scan of events, showings, quarantine"
		printf '%s\n' "$plan" | sed 's/^/#   /'
	fi
	printf '%s\n' "$scans"
done <"$TMPD/queries/index"

done_testing

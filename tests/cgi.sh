#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One delivery through the real binary in CGI mode, as a web server runs
# it (environment + stdin), checked row by row in PostgreSQL.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-cgi-test
new_db

cgi POST "$DATA/sample.json"
is "$STATUS" 200 "sample delivery answered 200"
is "$BODY" '{"status":"stored","event_id":"1001"}' "body says stored"
is "$(sql "select count(*) from showmojo.events")" 1 "one event row"
is "$(sql "select id, action, actor, team_member_name, team_member_uid,
	created_at, showing_uid, ord_num, payload->>'sent_by',
	payload->'event'->'showing'->>'lead_source'
	from showmojo.events")" \
	"1001|confirm|prospect|Dana Reyes|tm-7|2026-11-20 20:04:05+00|sh-42|1001|showmojo|Zillow" \
	"event row holds every event field and the whole payload"
is "$(sql "select uid, created_at, showtime, showing_time_zone,
	showing_time_zone_utc_offset, name, phone, email, notes, listing_uid,
	listing_full_address, is_self_show, confirmed_at,
	canceled_at is null, self_show_code_distributed_at is null,
	last_event_id from showmojo.showings")" \
	"sh-42|2026-11-19 14:00:00+00|2026-11-22 19:30:00+00|Eastern Time (US & Canada)|-18000|Jordan Smith|+1 555 0100|jordan@example.com|Café owner, two cats 🐱|lst-9|12 Elm St, Springfield, IL 62701|f|2026-11-20 20:04:05+00|t|t|1001" \
	"showing row holds every showing field with its type"
grep -q 'delivery event=1001 action=confirm outcome=stored status=200 ms=' \
	"$TMPD/stderr"
ok $? "one log line with event id, action, outcome and time"

before=$(sql "select * from showmojo.events; select * from showmojo.showings")
cgi POST "$DATA/sample.json"
is "$STATUS" 200 "same delivery again answered 200"
is "$BODY" '{"status":"duplicate","event_id":"1001"}' "body says duplicate"
is "$(sql "select * from showmojo.events; select * from showmojo.showings")" \
	"$before" "same delivery again changes nothing"

# A newer event (id 1003) cancels; then the older 1002 arrives late.
newer=$(sed -e 's/"1001"/"1003"/' -e 's/"action": "confirm"/"action": "cancel"/' \
	-e 's/"canceled_at": null/"canceled_at": "2026-11-21T08:00:00Z"/' \
	-e 's/"name": "Jordan Smith"/"name": "Jordan Q. Smith"/' \
	"$DATA/sample.json")
post "$newer"
is "$STATUS" 200 "newer event stored"
older=$(sed -e 's/"1001"/"1002"/' -e 's/"action": "confirm"/"action": "update"/' \
	-e 's/"name": "Jordan Smith"/"name": "Old Name"/' "$DATA/sample.json")
post "$older"
is "$STATUS" 200 "older event answered 200"
is "$BODY" '{"status":"stored","event_id":"1002"}' "older event stored in the log"
is "$(sql "select name, canceled_at, last_event_id from showmojo.showings")" \
	"Jordan Q. Smith|2026-11-21 08:00:00+00|1003" \
	"older event does not overwrite the newer showing"
is "$(sql "select string_agg(id, ',' order by ord_num) from showmojo.events")" \
	"1001,1002,1003" "every event is in the log"

cgi GET /dev/null
is "$STATUS" 200 "GET: health 200 with the schema current"
is "$BODY" "{\"status\":\"ok\",\"schema_version\":$(sed -n 's/^#define SMW_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/lib/store.h")}" \
	"health body names the schema version"

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Deliveries that fail the same way every time: each is kept whole in the
# quarantine and answered 200, never 500 (a 500 would be retried until
# ShowMojo disables the webhook).  Most of these would reach PostgreSQL
# and fail there in a naive implementation.  Then replay after a fix.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-q PGTZ=UTC
new_db

wrap() {	# wrap SHOWING-FIELDS: a delivery around them
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"q1",%s}}}' \
		"${ID:-500}" "$1"
}
hostile() {	# hostile DESCRIPTION BODY-TEXT (printf format) EXPECTED-REASON
	printf "$2" >"$TMPD/h.json"
	cgi POST "$TMPD/h.json"
	is "$STATUS" 200 "$1: answered 200"
	is "$(sql "select reason from showmojo.quarantine order by id desc limit 1")" \
		"$3" "$1: quarantined, reason: $3"
}

hostile "escaped NUL" "$(wrap '"name":"a\\u0000b"')" \
	'\u0000 at byte 75 (PostgreSQL text cannot hold NUL)'
hostile "lone high surrogate" "$(wrap '"name":"\\ud800x"')" \
	'unpaired UTF-16 surrogate escape at byte 75'
hostile "lone low surrogate" "$(wrap '"name":"\\udc00"')" \
	'unpaired UTF-16 surrogate escape at byte 74'
hostile "high surrogate then non-low escape" "$(wrap '"name":"\\ud800\\u0041"')" \
	'unpaired UTF-16 surrogate escape at byte 80'
hostile "invalid UTF-8" "$(wrap '"name":"\377"')" 'invalid UTF-8 at byte 69'
hostile "overlong UTF-8" "$(wrap '"name":"\300\257"')" 'invalid UTF-8 at byte 69'
hostile "UTF-8 encoded surrogate" "$(wrap '"name":"\355\240\200"')" \
	'invalid UTF-8 at byte 71'
hostile "code point past U+10FFFF" "$(wrap '"name":"\364\220\200\200"')" \
	'invalid UTF-8 at byte 72'
hostile "number jsonb cannot hold" "$(wrap '"extra":1e999999')" \
	'number exponent beyond 1000'
hostile "very long number" "$(wrap "\"extra\":$(printf '9%.0s' $(seq 1 200))")" \
	'number longer than 100 characters'
hostile "deep nesting" "$(wrap "\"extra\":$(printf '[%.0s' $(seq 1 5000))$(printf ']%.0s' $(seq 1 5000))")" \
	'nested deeper than 64 levels'
hostile "timestamp PostgreSQL reads as the time of arrival" \
	"$(wrap '"showtime":"now"')" \
	'event.showing.showtime is not an ISO 8601 date-time: "now"'
hostile "timestamp infinity" "$(wrap '"confirmed_at":"infinity"')" \
	'event.showing.confirmed_at is not an ISO 8601 date-time: "infinity"'
hostile "offset beyond 32 bits" "$(wrap '"showing_time_zone_utc_offset":99999999999')" \
	'event.showing.showing_time_zone_utc_offset is not a 32-bit integer: 99999999999'
hostile "fractional offset" "$(wrap '"showing_time_zone_utc_offset":1.5')" \
	'event.showing.showing_time_zone_utc_offset is not a 32-bit integer: 1.5'
hostile "boolean as a string other than true or false" "$(wrap '"is_self_show":"yes"')" \
	'event.showing.is_self_show is not a boolean: "yes"'
hostile "uid as a number with a fraction" '{"event":{"id":"501","showing":{"uid":7.5}}}' \
	'event.showing.uid is a number, not a non-negative integer: 7.5'
hostile "id as a number with a fraction" '{"event":{"id":502.5}}' \
	'event.id is a number, not a non-negative integer: 502.5'
hostile "id too long" "{\"event\":{\"id\":\"$(printf 'x%.0s' $(seq 1 201))\"}}" \
	'event.id is longer than 200 bytes'
hostile "no event" '{"events":[]}' 'no "event" object'
hostile "top-level array" '[{"event":{"id":"1"}}]' \
	'top level is an array, not an object'
hostile "empty body" '' 'empty body'
hostile "truncated body" '{"event":{"id":"503","showing":{"uid":"q1"' \
	'not JSON: parse error: premature EOF'
# A date that does not exist: PostgreSQL would refuse it (22008); the
# parser already does.  (Refusals only the database can make are in
# store.sh and below.)
hostile "impossible date" "$(wrap '"showtime":"2026-02-30T10:00:00Z"')" \
	'event.showing.showtime is not an ISO 8601 date-time: "2026-02-30T10:00:00Z"'

is "$(sql "select count(*) from showmojo.events")" 0 "none of them reached the log"
is "$(sql "select count(*), count(*) filter (where body is not null and
	received_at is not null) from showmojo.quarantine")" "24|24" \
	"all 24 kept with body and time"
printf "$(wrap '"name":"\377"')" >"$TMPD/raw"
is "$(sql "select encode(body, 'hex') from showmojo.quarantine
	where reason = 'invalid UTF-8 at byte 69' order by id limit 1")" \
	"$(od -An -tx1 -v "$TMPD/raw" | tr -d ' \n')" \
	"the raw bytes are kept exactly, invalid UTF-8 included"

# Replay after a fix: a database-side refusal that an operator removes.
sql "create function showmojo.refuse() returns trigger language plpgsql as
	\$\$ begin raise exception 'listing closed' using errcode = '22023'; end \$\$;
	create trigger refuse before insert on showmojo.showings
	for each row execute function showmojo.refuse()" >/dev/null
ID=600 
printf "$(wrap '"name":"replayed"')" >"$TMPD/r.json"
cgi POST "$TMPD/r.json"
is "$STATUS" 200 "refused by a trigger: 200"
"$SMW" replay >"$TMPD/replay" 2>&1
is "$?" 1 "replay exits 1 while deliveries stay invalid"
grep -q '^replay: 0 stored, 0 duplicate, 25 still invalid$' "$TMPD/replay"
ok $? "replay counts them"
sql "drop trigger refuse on showmojo.showings" >/dev/null
"$SMW" replay >"$TMPD/replay" 2>&1
grep -q '^replay: 1 stored, 0 duplicate, 24 still invalid$' "$TMPD/replay"
ok $? "after the fix, replay stores the delivery"
is "$(sql "select name from showmojo.showings where uid = 'q1'")" replayed \
	"the replayed delivery is in the showings"
is "$(sql "select replay_result, replayed_at is not null from showmojo.quarantine
	where event_id = '600'")" "stored|t" "its quarantine row records the replay"
is "$(sql "select count(*) from showmojo.quarantine where replayed_at is null
	and replay_result like 'invalid: %'")" 24 \
	"the others stay pending with their reason"

# One body, one row: the same invalid body delivered again (a lost answer,
# or ShowMojo retrying a 400) counts on its row.
printf '{"event":{"id":"700","showing":{"uid":"q7","showtime":"soon"}}}' \
	>"$TMPD/same.json"
answers=
for i in 1 2 3; do
	cgi POST "$TMPD/same.json"
	answers="$answers$STATUS $BODY;"
done
qid=$(sql "select id from showmojo.quarantine where event_id = '700'")
is "$answers" "$(printf '200 {"status":"quarantined","event_id":"700","quarantine_id":%s};' \
	"$qid" "$qid" "$qid")" "the same invalid body 3 times: 200, the same quarantine row each time"
is "$(sql "select count(*), sum(deliveries), bool_and(last_received_at >= received_at)
	from showmojo.quarantine where event_id = '700'")" "1|3|t" \
	"one row, 3 deliveries, first and last arrival"
printf '{"event":{"id":"701","showing":{"uid":"q7","showtime":"later"}}}' \
	>"$TMPD/same-reject.json"
answers=
for i in 1 2 3; do
	SHOWMOJO_ON_INVALID=reject cgi POST "$TMPD/same-reject.json"
	answers="$answers$STATUS;"
done
is "$answers" "400;400;400;" "reject mode: 400 each time"
is "$(sql "select count(*), sum(deliveries) from showmojo.quarantine
	where event_id = '701'")" "1|3" "reject mode: one row, 3 deliveries"
printf '{"event":{"id":"702","showing":{"uid":"q7","showtime":"soon"}}}' \
	>"$TMPD/other.json"
cgi POST "$TMPD/other.json"
is "$(sql "select count(*), count(distinct body_sha256), sum(deliveries)
	from showmojo.quarantine where event_id in ('700', '701', '702')")" \
	"3|3|7" "a different body has a row of its own"
is "$(sql "select deliveries from showmojo.quarantine_summary
	where kind = 'event.showing.showtime is not an ISO 8601 date-time'")" \
	9 "quarantine_summary counts deliveries (2 earlier, 3, 3 and 1)"
sql "update showmojo.quarantine set replayed_at = now(), replay_result = 'x'
	where event_id = '700'" >/dev/null
cgi POST "$TMPD/same.json"
is "$(sql "select deliveries, replayed_at is null from showmojo.quarantine
	where event_id = '700'")" "4|t" "failing again after a replay: waits again"
"$SMW" replay >"$TMPD/replay" 2>&1
grep -q '^replay: 0 stored, 0 duplicate, 27 still invalid$' "$TMPD/replay"
ok $? "replay takes each body once"

# Upgrade: rows of one body kept by an earlier version merge into the
# oldest, which keeps the count, both times, and waits if any waited.
OLD_DB="${TEST_DB}_old"
trap 'dropdb --if-exists "$OLD_DB" >/dev/null 2>&1; cleanup' EXIT
mkdir "$TMPD/sql-old"
for f in "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql; do
	case $f in */012-*) break ;; esac
	cp "$f" "$TMPD/sql-old/"
done
createdb -E UTF8 -T template0 "$OLD_DB" || bail "createdb failed"
old() { PGDATABASE="$OLD_DB" SHOWMOJO_DB="dbname=$OLD_DB" "$@"; }
# (This program cannot run on that schema: migrate applies the files,
# then fails to prepare its statements.)
old "$SMW" migrate "$TMPD/sql-old" >"$TMPD/old.out" 2>&1
[ "$(old sql "select max(version) from showmojo.schema_migrations")" = 11 ] ||
	{ cat "$TMPD/old.out"; bail "migrate to 011 failed"; }
old sql "insert into showmojo.quarantine (received_at, reason, body,
	replayed_at) values
	('2026-01-01 10:00+00', 'r', 'same', '2026-01-05 00:00+00'),
	('2026-01-02 10:00+00', 'r', 'same', NULL),
	('2026-01-03 10:00+00', 'r', 'same', NULL),
	('2026-01-04 10:00+00', 'r', 'other', '2026-01-05 00:00+00')" >/dev/null
old "$SMW" migrate "$top_srcdir/sql" >"$TMPD/old.out" 2>&1
ok $? "migrate 012 over duplicate rows"
is "$(old sql "select convert_from(body, 'UTF8'), deliveries, received_at,
	last_received_at, replayed_at is null from showmojo.quarantine order by id")" \
	"same|3|2026-01-01 10:00:00+00|2026-01-03 10:00:00+00|t
other|1|2026-01-04 10:00:00+00|2026-01-04 10:00:00+00|f" \
	"one row per body, with the count and both times; waiting if any waited"

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The store against a real PostgreSQL: absent versus null, field-by-field
# merging under late delivery, events without a showing, the ingest
# command, and what a failure inside the transaction leaves behind.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-store-test
new_db

ev() {	# ev ID SHOWING-JSON-OR-EMPTY [EXTRA-EVENT-FIELDS]
	local sh=${2:+,\"showing\":$2}
	printf '{"event":{"id":"%s","action":"update","created_at":"2026-01-01T00:00:00Z"%s%s}}' \
		"$1" "${3:+,$3}" "$sh"
}

# A lead event with no showing, and one with showing null.
post "$(ev 10 '')"
is "$STATUS" 200 "event without showing stored"
post "$(ev 11 null)"
is "$STATUS" 200 "event with showing null stored"
is "$(sql "select count(*), count(showing_uid) from showmojo.events")" "2|0" \
	"both in the log, no showing uid"
is "$(sql "select count(*) from showmojo.showings")" 0 "no showing row"

# Absent keeps, null clears.
post "$(ev 20 '{"uid":"s1","name":"A","phone":"1","email":"a@x"}')"
post "$(ev 21 '{"uid":"s1","phone":null}')"
is "$(sql "select name, coalesce(phone, '<null>'), email, last_event_id from showmojo.showings")" \
	"A|<null>|a@x|21" "absent field keeps its value, null field becomes NULL"

# Late delivery: 23 carried email, 24 carried name; 22 arrives last and
# carries both plus notes, which nobody newer carried.
post "$(ev 24 '{"uid":"s1","name":"N24"}')"
post "$(ev 23 '{"uid":"s1","email":"e23"}')"
post "$(ev 22 '{"uid":"s1","name":"N22","email":"e22","notes":"n22"}')"
is "$(sql "select name, email, notes, last_event_id from showmojo.showings")" \
	"N24|e23|n22|24" "each field comes from the greatest event that carried it"

# Numeric ids order by value: 9 < 100.
post "$(ev 100 '{"uid":"s2","name":"hundred"}')"
post "$(ev 9 '{"uid":"s2","name":"nine"}')"
is "$(sql "select name from showmojo.showings where uid = 's2'")" hundred \
	"id 9 is older than id 100"

# Non-numeric ids order by created_at, then id.
post '{"event":{"id":"b","created_at":"2026-01-02T00:00:00Z","showing":{"uid":"s3","name":"later"}}}'
post '{"event":{"id":"c","created_at":"2026-01-01T00:00:00Z","showing":{"uid":"s3","name":"earlier"}}}'
is "$(sql "select name from showmojo.showings where uid = 's3'")" later \
	"non-numeric ids order by created_at"

# ingest: saved deliveries through the same path.
printf '%s' "$(ev 30 '{"uid":"s4","name":"ingested"}')" >"$TMPD/30.json"
printf '%s' "$(ev 31 '{"uid":"s4","email":"i@x"}')" >"$TMPD/31.json"
"$SMW" ingest "$TMPD/30.json" "$TMPD/31.json" >"$TMPD/ingest.out" 2>&1
ok $? "ingest exits 0 when every file is stored"
"$SMW" ingest "$TMPD/30.json" >/dev/null 2>&1
ok $? "ingest of a stored file again exits 0 (duplicate)"
is "$(sql "select name, email from showmojo.showings where uid = 's4'")" \
	"ingested|i@x" "ingested events are in the showing"
printf '{"event":' >"$TMPD/bad.json"
"$SMW" ingest "$TMPD/bad.json" >/dev/null 2>"$TMPD/ingest.err"
is "$?" 1 "ingest exits 1 for an invalid file"
grep -q 'invalid: not JSON' "$TMPD/ingest.err"
ok $? "ingest says why the file is invalid"
is "$(sql "select count(*) from showmojo.quarantine")" 0 \
	"ingest does not quarantine (the operator sees the error)"

# A transient failure inside the transaction (injected with a trigger that
# raises serialization_failure after the event row is written): 500, and
# neither the event nor the showing change.
sql "create function showmojo.fail_tx() returns trigger language plpgsql as
	\$\$ begin raise exception 'injected' using errcode = '40001'; end \$\$;
	create trigger fail_tx before update on showmojo.showings
	for each row execute function showmojo.fail_tx()" >/dev/null
before=$(sql "select * from showmojo.showings order by uid")
post "$(ev 40 '{"uid":"s1","name":"must not land"}')"
is "$STATUS" 500 "transient failure answered 500"
is "$BODY" '{"error":"database unavailable"}' "500 body names no SQL"
is "$(sql "select count(*) from showmojo.events where id = '40'")" 0 \
	"event of the failed transaction not stored"
is "$(sql "select * from showmojo.showings order by uid")" "$before" \
	"showings unchanged by the failed transaction"
is "$(sql "select count(*) from showmojo.quarantine")" 0 \
	"a transient failure is not quarantined"
grep -q '40001: injected' "$TMPD/stderr"
ok $? "log carries the SQLSTATE and the database's message"

# A deterministic failure (data exception) in the same place: quarantined.
sql "create or replace function showmojo.fail_tx() returns trigger
	language plpgsql as
	\$\$ begin raise exception 'bad value' using errcode = '22023'; end \$\$" \
	>/dev/null
post "$(ev 41 '{"uid":"s1","name":"refused"}')"
is "$STATUS" 200 "deterministic database refusal answered 200"
is "$(sql "select reason, event_id, convert_from(body, 'UTF8') like '%refused%'
	from showmojo.quarantine")" \
	"database refused: 22023: bad value|41|t" "and quarantined whole with the reason"
is "$(sql "select count(*) from showmojo.events where id = '41'")" 0 \
	"quarantined event not in the log"
sql "drop trigger fail_tx on showmojo.showings" >/dev/null

done_testing

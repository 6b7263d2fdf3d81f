#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the operator watches: "check" prints the spool's depth and the age
# of its oldest entry, the pending quarantine rows and when the newest
# delivery was stored; "check --max-silence HOURS" fails when nothing
# arrived (stored, quarantined or spooled) for that long and passes
# otherwise; "check --metrics" is valid Prometheus text, checked by
# promtool (Debian package prometheus).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-check
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
command -v promtool >/dev/null || bail "promtool missing (Debian package prometheus)"
mkdir -m 0700 "$SHOWMOJO_SPOOL"

"$SMW" check --max-silence 1 >"$TMPD/out" 2>&1
is "$?" 1 "--max-silence: nothing ever arrived: fails"
post '{"event":{"id":"c1","action":"update"}}'
"$SMW" check --max-silence 1 >"$TMPD/out" 2>&1
is "$?/$(grep -c 'within 1 h' "$TMPD/out")" 0/1 \
	"--max-silence 1: a delivery just stored: passes"
sql "update showmojo.events set received_at = now() - interval '2 hours'"
"$SMW" check --max-silence 1 >"$TMPD/out" 2>&1
is "$?/$(grep -c 'disabled the webhook' "$TMPD/out")" 1/1 \
	"--max-silence 1: the newest delivery 2 h old: fails, and says why"
"$SMW" check --max-silence 3 >/dev/null 2>&1
is "$?" 0 "--max-silence 3: the same passes"
"$SMW" check --max-silence x >/dev/null 2>&1
is "$?" 2 "--max-silence without a number: usage error"

# A delivery spooled (the database unreachable for it) and one quarantined.
SHOWMOJO_DB="host=$TMPD/nowhere" post '{"event":{"id":"c2","action":"update"}}'
is "$STATUS $BODY" '200 {"status":"spooled","event_id":"c2"}' "one delivery spooled"
post 'not json'
"$SMW" check --max-silence 1 >"$TMPD/out" 2>&1
is "$?" 0 "--max-silence counts deliveries spooled or quarantined as arrivals"
"$SMW" check >"$TMPD/check" 2>&1
is "$?" 0 "check passes"
sed 's/^/# /' "$TMPD/check"
grep -q "^spool: $SHOWMOJO_SPOOL: 1 waiting (.*), oldest received .*(0.0 h ago)" "$TMPD/check"
ok $? "check prints the spool's depth and its oldest entry's age"
grep -q '^quarantine: 1 pending$' "$TMPD/check"
ok $? "check prints the pending quarantine rows"
grep -q '^newest stored delivery: .*(2.0 h ago)$' "$TMPD/check"
ok $? "check prints when the newest delivery was stored"

"$SMW" check --metrics >"$TMPD/metrics" 2>"$TMPD/metrics.err"
is "$?" 0 "check --metrics succeeds"
promtool check metrics <"$TMPD/metrics" >"$TMPD/promtool" 2>&1
is "$?" 0 "promtool accepts the metrics"
sed 's/^/# promtool: /' "$TMPD/promtool"
is "$(grep -E '^showmojo_(database_up|spool_entries|quarantine_pending) ' "$TMPD/metrics")" \
	"showmojo_database_up 1
showmojo_spool_entries 1
showmojo_quarantine_pending 1" "the metrics carry the figures"
age=$(sed -n 's/^showmojo_last_stored_timestamp_seconds //p' "$TMPD/metrics")
ok "$(awk -v t="$age" -v now="$(date +%s)" 'BEGIN { d = now - t; exit !(d > 7100 && d < 7300) }'; echo $?)" \
	"the newest stored delivery's time is a Unix timestamp (2 h ago)"
own_cluster_ctl stop
"$SMW" check --metrics >"$TMPD/metrics" 2>/dev/null
promtool check metrics <"$TMPD/metrics" >/dev/null 2>&1
is "$?/$(grep '^showmojo_database_up ' "$TMPD/metrics")" "0/showmojo_database_up 0" \
	"database down: the metrics still parse and say so"
own_cluster_ctl start

# Whether the spool can take a delivery now: said by check, the metrics
# and the health answer, which says "spooling" only when it can.
health() {	# the health answer's body, the database unreachable
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SHOWMOJO_DB="host=$TMPD/nowhere" \
		"$SMW" </dev/null 2>/dev/null | tr -d '\r' | sed '1,/^$/d'
}
is "$(health)" '{"status":"database unavailable","spooling":true,"spool_entries":1}' \
	"database away, spool able: the health answer says spooling"
export SHOWMOJO_SPOOL_MAX=100
"$SMW" check >"$TMPD/check" 2>&1
is "$?/$(grep -c '^spool: cannot take a delivery now: full' "$TMPD/check")" "1/1" \
	"spool over its cap: check says it cannot take a delivery, and fails"
"$SMW" check --metrics >"$TMPD/metrics" 2>/dev/null
is "$(grep '^showmojo_spool_can_take ' "$TMPD/metrics")" "showmojo_spool_can_take 0" \
	"the metrics say so"
is "$(health)" '{"status":"database unavailable","spooling":false,"spool":"cannot take deliveries"}' \
	"the health answer does not say spooling"
unset SHOWMOJO_SPOOL_MAX
"$SMW" check --metrics >"$TMPD/metrics" 2>/dev/null
is "$(grep '^showmojo_spool_can_take ' "$TMPD/metrics")" "showmojo_spool_can_take 1" \
	"under the cap again: can take"
done_testing

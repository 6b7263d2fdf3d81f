#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Many deliveries at once from separate processes (CGI, as a web server
# runs them) against one database: the same event N times is stored once;
# different events of one showing, fired together in random order, end in
# the ordering rule's result; no deadlock, no 500.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/events.sh"
export SHOWMOJO_TOKENS=tok-conc
new_db
seed=${SEED:-$(date +%s)}
echo "# seed $seed (SEED=$seed reproduces)"
RANDOM=$seed
N=40
PAR=20

# post1 FILE: one CGI request; prints the status and the body on one line.
cat >"$TMPD/post1" <<EOS
#!/bin/sh
GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=\$(stat -c %s "\$1") \
HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" "$SMW" <"\$1" 2>>"$TMPD/log" |
	tr -d '\r' | awk 'NR == 1 { s = \$2 } END { print s, \$0 }'
EOS
chmod +x "$TMPD/post1"

yes "$DATA/sample.json" | head -n "$N" |
	xargs -P "$PAR" -n 1 "$TMPD/post1" >"$TMPD/same"
is "$(grep -c '^200 ' "$TMPD/same")" "$N" "same event $N times at once: $N x 200"
is "$(grep -c '"stored"' "$TMPD/same")/$(grep -c '"duplicate"' "$TMPD/same")" \
	"1/$((N - 1))" "stored once, $((N - 1)) duplicates"
is "$(sql "select count(*) from showmojo.events")/$(sql "select count(*) from showmojo.showings")" \
	"1/1" "one event row, one showing row"
sql "truncate showmojo.events, showmojo.showings"

gen_events "$TMPD/ev" numeric 30 1
files=("$TMPD/ev"/*.json)
"$SMW" ingest "${files[@]}" >/dev/null 2>&1
want=$(sql "$SHOWINGS_DUMP")
sql "truncate showmojo.events, showmojo.showings"
bad=0
for round in 1 2 3 4 5; do
	printf '%s\n' "${files[@]}" | shuf |
		xargs -P "$PAR" -n 1 "$TMPD/post1" >"$TMPD/round"
	is "$(grep -c '^200 {"status":"stored"' "$TMPD/round")" "${#files[@]}" \
		"round $round: ${#files[@]} events of one showing at once, all stored with 200"
	got=$(sql "$SHOWINGS_DUMP; truncate showmojo.events, showmojo.showings")
	[ "$got" = "$want" ] || bad=$((bad + 1))
done
is "$bad" 0 "every round ends in the in-order showing row"
# A deterministic interleaving: event 2 is stored by a transaction that
# stays open; event 3 arrives meanwhile and must wait for it, then merge
# into what event 2 left, not into what it read before (a lost update).
# Each step waits for the state the server shows (pg_stat_activity), and
# event 3 for as long as it takes (no timeout of its own).
post '{"event":{"id":"1","showing":{"uid":"race","name":"N1","email":"E1"}}}'
mkfifo "$TMPD/x"
PGAPPNAME=smw-race-2 psql -X -q -v ON_ERROR_STOP=1 <"$TMPD/x" >"$TMPD/x.out" 2>&1 &
psql_pid=$!
exec 7>"$TMPD/x"
echo "BEGIN; SELECT showmojo.ingest('{\"event\":{\"id\":\"2\",\"showing\":{\"uid\":\"race\",\"email\":\"E2\"}}}');" >&7
holder=$(wait_sql 60 "select pid from pg_stat_activity
	where datname = current_database() and application_name = 'smw-race-2'
	and state = 'idle in transaction' and query like '%ingest%'")
ok $? "event 2 stored in a transaction left open (pg_stat_activity)"
printf '%s' '{"event":{"id":"3","showing":{"uid":"race","name":"N3"}}}' >"$TMPD/3.json"
SHOWMOJO_TIMEOUT_MS=0 "$TMPD/post1" "$TMPD/3.json" >"$TMPD/3.out" &
post_pid=$!
wait_sql 60 "select 1 from pg_stat_activity
	where datname = current_database() and application_name = 'showmojo-webhook'
	and wait_event_type = 'Lock' and ${holder:-0} = any(pg_blocking_pids(pid))" >/dev/null
waited=$?
kill -0 "$post_pid" 2>/dev/null
ok "$((waited + $?))" "event 3 waits for event 2's open transaction (pg_blocking_pids)"
echo "COMMIT;" >&7
exec 7>&-
wait "$psql_pid" "$post_pid"
is "$(cut -c1-3 "$TMPD/3.out")" 200 "event 3 stored once event 2 committed"
is "$(sql "select name, email, last_event_id from showmojo.showings where uid = 'race'")" \
	"N3|E2|3" "event 3 merged into event 2's row: no lost update"

! grep -q ' status=500\|40P01\|deadlock' "$TMPD/log"
ok $? "no 500 and no deadlock in the log"

done_testing

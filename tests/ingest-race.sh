#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ingest()'s slow path under concurrency, in a fixed interleaving: a late,
# older event waits for the transaction that holds its showing's row, then
# merges what that transaction stored (not what it could see before the
# wait).  The interleaving waits on pg_stat_activity, never on a sleep.
. "$(dirname "$0")/lib.sh"
export SHOWMOJO_TOKENS=tok-race
new_db

post '{"event":{"id":"1","showing":{"uid":"r","name":"N1","email":"E1",'\
'"phone":"P1"}}}'
is "$STATUS" 200 "event 1 stored"
post '{"event":{"id":"3","showing":{"uid":"r","name":"N3"}}}'
is "$STATUS" 200 "event 3 stored"

# Event 4 (newest) is stored by a transaction that stays open.
mkfifo "$TMPD/t"
psql -X -q -v ON_ERROR_STOP=1 <"$TMPD/t" >"$TMPD/t.out" 2>&1 &
psql_pid=$!
exec 7>"$TMPD/t"
echo "BEGIN; SELECT showmojo.ingest('{\"event\":{\"id\":\"4\",
	\"showing\":{\"uid\":\"r\",\"email\":\"E4\"}}}');
	SELECT 'held';" >&7
for _ in $(seq 1 600); do
	grep -q held "$TMPD/t.out" && break
	sleep 0.1
done
grep -q held "$TMPD/t.out"
ok $? "event 4's transaction holds the showing's row"

# Event 2 (older than 3 and 4) arrives meanwhile: it must wait.
printf '%s' '{"event":{"id":"2","showing":{"uid":"r","name":"N2",'\
'"email":"E2","phone":"P2"}}}' >"$TMPD/2.json"
(cgi POST "$TMPD/2.json"; echo "$STATUS" >"$TMPD/2.status") &
post_pid=$!
waited=
for _ in $(seq 1 600); do
	waited=$(sql "select count(*) from pg_stat_activity
		where datname = current_database() and wait_event_type = 'Lock'
		and query like '%ingest%'")
	[ "$waited" = 1 ] && break
	sleep 0.1
done
is "$waited" 1 "event 2 waits for the row lock"
echo "COMMIT;" >&7
exec 7>&-
wait "$psql_pid" "$post_pid"
is "$(cat "$TMPD/2.status")" 200 "event 2 stored once event 4 committed"
is "$(sql "select name, email, phone, last_event_id from showmojo.showings
	where uid = 'r'")" "N3|E4|P2|4" \
	"each field from the greatest event that carried it, event 4 included"

done_testing

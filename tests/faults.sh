#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Database faults during a delivery, each answered 500 (a retry can cure
# it) with nothing partial left behind, never quarantined: the connection
# killed mid-transaction, a lock held by someone else, a statement that
# runs too long, a read-only database.  Each is followed by a retry that
# succeeds once the fault is gone.  (Restarts and a database down at start
# are in fastcgi.sh.)
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-faults SHOWMOJO_TIMEOUT_MS=1000
new_db

nothing() {	# nothing DESC: no event, no showing, no quarantine row
	is "$(sql "select (select count(*) from showmojo.events) || '/' ||
		(select count(*) from showmojo.showings) || '/' ||
		(select count(*) from showmojo.quarantine)")" "0/0/0" "$1: nothing written"
}
retry() {	# retry DESC: the same delivery again is stored
	cgi POST "$DATA/sample.json"
	is "$STATUS" 200 "$1: the retry is stored"
	sql "truncate showmojo.events, showmojo.showings" >/dev/null
}
elapsed() {	# elapsed START-NS: milliseconds since
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# Connection killed mid-transaction: a trigger holds the transaction open
# after the event row is written; the backend is terminated meanwhile.
sql "create function showmojo.hold() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(5); return new; end \$\$;
	create trigger hold before insert on showmojo.showings
	for each row execute function showmojo.hold()" >/dev/null
(SHOWMOJO_TIMEOUT_MS=0 cgi POST "$DATA/sample.json"; echo "$STATUS $BODY" >"$TMPD/killed") &
for _ in $(seq 50); do
	pid=$(sql "select pid from pg_stat_activity where application_name =
		'showmojo-webhook' and query like '%ingest%' and state = 'active'")
	[ -n "$pid" ] && break
	sleep 0.1
done
sql "select pg_terminate_backend($pid)" >/dev/null
wait
is "$(cat "$TMPD/killed")" '500 {"error":"database unavailable"}' \
	"connection killed mid-transaction: 500"
nothing "killed mid-transaction"
sql "drop trigger hold on showmojo.showings" >/dev/null
retry "killed mid-transaction"

# A lock held elsewhere: lock_timeout (SHOWMOJO_TIMEOUT_MS) ends the wait.
cgi POST "$DATA/sample.json"
sql "truncate showmojo.events" >/dev/null	# the showing row stays, locked below
mkfifo "$TMPD/x"
psql -X -q <"$TMPD/x" >/dev/null 2>&1 &
holder=$!
exec 7>"$TMPD/x"
echo "BEGIN; LOCK TABLE showmojo.showings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30);" >&7
sleep 0.5
t0=$(date +%s%N)
cgi POST "$DATA/sample.json"
ms=$(elapsed "$t0")
is "$STATUS" 500 "statement blocked by a lock: 500"
ok "$(( ms > 5000 ))" "within the 1 s timeout ($ms ms in all)"
grep -E "55P03|57014" "$TMPD/stderr" | sed "s/^/# /"; grep -q 55P03 "$TMPD/stderr"
ok $? "the log names the lock or statement timeout (55P03, 57014)"
is "$(sql "select count(*) from showmojo.events")/$(sql "select count(*) from showmojo.quarantine")" \
	"0/0" "lock timeout: nothing written"
kill "$holder" 2>/dev/null
exec 7>&-
wait "$holder" 2>/dev/null
sql "truncate showmojo.showings" >/dev/null
retry "lock released"

# A statement that runs too long: statement_timeout.
sql "create function showmojo.slow() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(10); return new; end \$\$;
	create trigger slow before insert on showmojo.events
	for each row execute function showmojo.slow()" >/dev/null
t0=$(date +%s%N)
cgi POST "$DATA/sample.json"
ms=$(elapsed "$t0")
is "$STATUS" 500 "statement timeout: 500"
ok "$(( ms > 5000 ))" "within the 1 s timeout ($ms ms in all)"
grep -q '57014' "$TMPD/stderr"
ok $? "the log names the statement timeout (57014)"
nothing "statement timeout"
sql "drop trigger slow on showmojo.events" >/dev/null
retry "statement timeout"

# A read-only database (a standby, or default_transaction_read_only).
sql "alter database \"$TEST_DB\" set default_transaction_read_only = on" >/dev/null
cgi POST "$DATA/sample.json"
is "$STATUS" 500 "read-only database: 500"
grep -q '25006' "$TMPD/stderr"
ok $? "the log names the read-only transaction (25006)"
printf 'not json' >"$TMPD/bad"
cgi POST "$TMPD/bad"
is "$STATUS" 500 "read-only database, invalid delivery: 500 (the quarantine cannot be written)"
PGDATABASE=postgres sql "alter database \"$TEST_DB\" reset default_transaction_read_only" >/dev/null
nothing "read-only"
retry "read-write again"

done_testing

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

# The transaction a delivery runs in: statements bounded by
# SHOWMOJO_TIMEOUT_MS and lock waits by a tenth less (so that a lock wait
# ends as itself, 55P03, not as the statement timeout), and a durable
# commit even where the database says synchronous_commit = off, as a
# trigger sees them inside ingest().
sql "create table showmojo.seen (lock_timeout text, statement_timeout text,
	synchronous_commit text);
	create function showmojo.seen() returns trigger language plpgsql as
	\$\$ begin insert into showmojo.seen values
	(current_setting('lock_timeout'), current_setting('statement_timeout'),
	current_setting('synchronous_commit'));
	return new; end \$\$;
	create trigger seen before insert on showmojo.events
	for each row execute function showmojo.seen();
	do \$\$ begin execute format('alter database %I set synchronous_commit = off',
	current_database()); end \$\$" >/dev/null
# The statement timeout is what is left of SHOWMOJO_TIMEOUT_MS once
# connected (connecting and the call share it).
cgi POST "$DATA/sample.json"
is "$STATUS/$(sql "select (statement_timeout::interval between '800ms' and '1s')
	|| ' ' || (abs(extract(epoch from lock_timeout::interval) * 10
	- extract(epoch from statement_timeout::interval) * 9) < 0.02)
	|| ' ' || synchronous_commit from showmojo.seen")" "200/true true on" \
	"a delivery runs with lock_timeout and statement_timeout from SHOWMOJO_TIMEOUT_MS, synchronous_commit on where the database has it off"
sql "drop table showmojo.seen; drop trigger seen on showmojo.events;
	drop function showmojo.seen(); truncate showmojo.events, showmojo.showings;
	do \$\$ begin execute format('alter database %I reset synchronous_commit',
	current_database()); end \$\$" >/dev/null

# The program's backend for this database in a given state, or nothing.
WEBHOOK_BACKEND="select pid from pg_stat_activity where datname = current_database()
	and application_name = 'showmojo-webhook'"

# Connection killed mid-transaction: a trigger holds the transaction open
# after the event row is written; the backend, once seen sleeping in the
# trigger, is terminated.
sql "create function showmojo.hold() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(120); return new; end \$\$;
	create trigger hold before insert on showmojo.showings
	for each row execute function showmojo.hold()" >/dev/null
(SHOWMOJO_TIMEOUT_MS=0 cgi POST "$DATA/sample.json"; echo "$STATUS $BODY" >"$TMPD/killed") &
bg=$!
pid=$(wait_sql 60 "$WEBHOOK_BACKEND and wait_event = 'PgSleep'")
ok $? "the delivery is seen inside its transaction (pg_stat_activity, within 60 s)"
sql "select pg_terminate_backend(${pid:-0}); select pg_terminate_backend(pid)
	from ($WEBHOOK_BACKEND) b" >/dev/null
wait "$bg"
is "$(cat "$TMPD/killed")" '500 {"error":"database unavailable"}' \
	"connection killed mid-transaction: 500"
nothing "killed mid-transaction"
sql "drop trigger hold on showmojo.showings" >/dev/null
retry "killed mid-transaction"

# A lock held elsewhere: the delivery, once seen waiting for it, ends
# within the timeout, long before the lock is released.
cgi POST "$DATA/sample.json"
sql "truncate showmojo.events" >/dev/null	# the showing row stays, locked below
mkfifo "$TMPD/x"
PGAPPNAME=smw-lock-holder psql -X -q <"$TMPD/x" >/dev/null 2>&1 &
holder=$!
exec 7>"$TMPD/x"
echo "BEGIN; LOCK TABLE showmojo.showings IN ACCESS EXCLUSIVE MODE;" >&7
wait_sql 60 "select 1 from pg_locks l join pg_stat_activity a using (pid)
	where a.application_name = 'smw-lock-holder'
	and l.relation = 'showmojo.showings'::regclass
	and l.mode = 'AccessExclusiveLock' and l.granted" >/dev/null
ok $? "another session holds the showings table (pg_locks)"
(t0=$(date +%s%N); cgi POST "$DATA/sample.json"
 echo "$STATUS $(elapsed "$t0")" >"$TMPD/locked"; cp "$TMPD/stderr" "$TMPD/locked.log") &
bg=$!
wait_sql 60 "$WEBHOOK_BACKEND and wait_event_type = 'Lock'" >/dev/null
ok $? "the delivery waits for the lock (pg_stat_activity)"
# The lock stays for 60 s unless the delivery gives up first.
for _ in $(seq 600); do kill -0 "$bg" 2>/dev/null || break; sleep 0.1; done
exec 7>&-
wait "$holder" "$bg"
read -r status ms <"$TMPD/locked"
is "$status" 500 "statement blocked by a lock: 500"
ok "$(( ms > 30000 ))" "the 1 s timeout ends the wait, not the lock's release ($ms ms in all)"
grep -E '55P03|57014' "$TMPD/locked.log" | sed 's/^/# /'
grep -q 55P03 "$TMPD/locked.log"
ok $? "the log names the lock timeout (55P03)"
is "$(sql "select count(*) from showmojo.events")/$(sql "select count(*) from showmojo.quarantine")" \
	"0/0" "lock timeout: nothing written"
sql "truncate showmojo.showings" >/dev/null
retry "lock released"

# A statement that runs too long: statement_timeout.
sql "create function showmojo.slow() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(60); return new; end \$\$;
	create trigger slow before insert on showmojo.events
	for each row execute function showmojo.slow()" >/dev/null
t0=$(date +%s%N)
cgi POST "$DATA/sample.json"
ms=$(elapsed "$t0")
is "$STATUS" 500 "statement timeout: 500"
ok "$(( ms > 30000 ))" "the 1 s timeout ends the statement, not its 60 s ($ms ms in all)"
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

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Behind PgBouncer (Debian's 1.18), started here on a unix socket of its
# own, in session pooling and in transaction pooling (which carries no
# prepared statement and no session setting from one transaction to the
# next), with a server pool of 2 for more workers than that: CGI
# deliveries in parallel and a FastCGI pool in parallel are all answered
# 200 and every event is stored once; check, GET and replay work through
# it.  Nothing in PgBouncer's own settings is special.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-pgb SHOWMOJO_TIMEOUT_MS=5000
new_db
command -v pgbouncer >/dev/null || bail "pgbouncer missing (Debian package pgbouncer)"
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing"
LOAD="$top_builddir/tests/tools/fcgi-load"
[ -x "$LOAD" ] || bail "$LOAD not built (make check builds it)"

PGB="$TMPD/pgb"
POOL=2		# server connections per pool, fewer than the workers below
mkdir -p "$PGB"
chmod 0755 "$TMPD"
[ "$(id -u)" -ne 0 ] || chown postgres "$PGB"

stop_pgbouncer() {
	[ -s "$PGB/pgbouncer.pid" ] || return 0
	local pid
	pid=$(cat "$PGB/pgbouncer.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$PGB/pgbouncer.pid"
}
stop_workers() {	# the pid file lists each worker spawn-fcgi forked
	[ -s "$TMPD/w.pid" ] || return 0
	kill $(cat "$TMPD/w.pid") 2>/dev/null
	for _ in $(seq 100); do
		kill -0 $(cat "$TMPD/w.pid") 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$TMPD/w.pid" "$TMPD/w.sock"
}
trap 'stop_workers; stop_pgbouncer; cleanup' EXIT

# start_pgbouncer MODE: PgBouncer in front of the test database, as the
# postgres user when we are root (it refuses to run as root).
start_pgbouncer() {
	cat >"$PGB/pgbouncer.ini" <<EOC
[databases]
$TEST_DB = host=${PGHOST:-/var/run/postgresql} port=${PGPORT:-5432} dbname=$TEST_DB
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $PGB
auth_type = trust
auth_file = $PGB/users.txt
pool_mode = $1
default_pool_size = $POOL
max_client_conn = 200
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
EOC
	printf '"%s" "%s"\n' "${PGUSER:-$(id -un)}" "${PGPASSWORD:-}" >"$PGB/users.txt"
	chmod 0600 "$PGB/users.txt"
	[ "$(id -u)" -ne 0 ] || chown postgres "$PGB/pgbouncer.ini" "$PGB/users.txt"
	as_pg pgbouncer -d "$PGB/pgbouncer.ini" >/dev/null 2>&1 ||
		bail "pgbouncer did not start: $(tail -3 "$PGB/pgbouncer.log")"
	for _ in $(seq 100); do
		psql -X -Atq -h "$PGB" -p 6432 -d "$TEST_DB" -c 'select 1' \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	bail "pgbouncer does not answer: $(tail -3 "$PGB/pgbouncer.log")"
}

# post1 FILE: one CGI request through the pooler; prints the status.
cat >"$TMPD/post1" <<EOS
#!/bin/sh
GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=\$(stat -c %s "\$1") \
HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" "$SMW" <"\$1" 2>>"$TMPD/cgi.log" |
	tr -d '\r' | sed -n '1s/^Status: \([0-9]*\).*/\1/p'
EOS
chmod +x "$TMPD/post1"
printf '{"event":{"id":"@ID@","action":"update","showing":{"uid":"s@ID@","name":"n@ID@"}}}' \
	>"$TMPD/tmpl"
events() {	# events FIRST COUNT: delivery files in $TMPD/ev
	rm -rf "$TMPD/ev"
	mkdir "$TMPD/ev"
	for i in $(seq "$1" $(($1 + $2 - 1))); do
		sed "s/@ID@/$i/g" "$TMPD/tmpl" >"$TMPD/ev/$i.json"
	done
}
count() {
	sql "select count(*) || '/' || count(distinct id) from showmojo.events"
}
# servers: the most server connections seen while $1 runs (pid to watch).
servers() {
	local max=0 n
	while kill -0 "$1" 2>/dev/null; do
		n=$(sql "select count(*) from pg_stat_activity where datname =
			current_database() and pid <> pg_backend_pid()
			and backend_type = 'client backend'")
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.05
	done
	echo "$max"
}

base=0 before=0
for mode in session transaction; do
	# Session pooling ties a server connection to each worker for its
	# life: there the pool must hold one per worker.  Transaction
	# pooling shares 2 among 4.
	workers=4
	[ "$mode" = transaction ] || workers=$POOL
	start_pgbouncer "$mode"
	export SHOWMOJO_DB="host=$PGB port=6432 dbname=$TEST_DB"

	# CGI: 40 new events, 10 processes at a time, then all again.
	events $((base + 1)) 40
	ls "$TMPD"/ev/*.json | xargs -P 10 -n 1 "$TMPD/post1" >"$TMPD/st" &
	loader=$!
	max=$(servers "$loader")
	wait "$loader"
	is "$(sort "$TMPD/st" | uniq -c | awk '{print $1 "x" $2}' | xargs)" "40x200" \
		"$mode pooling: 40 CGI deliveries, 10 at a time: all 200"
	ls "$TMPD"/ev/*.json | xargs -P 10 -n 1 "$TMPD/post1" >"$TMPD/st"
	is "$(sort "$TMPD/st" | uniq -c | awk '{print $1 "x" $2}' | xargs)" "40x200" \
		"$mode pooling: the same 40 again: all 200"
	is "$(count)" "$((before + 40))/$((before + 40))" "$mode pooling: each stored once"
	ok "$(( max > POOL ))" "$mode pooling: at most $POOL server connections ($max seen)"

	# FastCGI: a pool of workers, 4 clients at once, 40 deliveries each.
	spawn-fcgi -s "$TMPD/w.sock" -M 0600 -F "$workers" -P "$TMPD/w.pid" -- \
		/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null ||
		bail "spawn-fcgi failed"
	pids=
	for c in 0 1 2 3; do
		"$LOAD" "$TMPD/w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmpl" 40 \
			$((base + 1000 + c * 40)) >"$TMPD/load.$c" &
		pids="$pids $!"
	done
	wait $pids
	is "$(cat "$TMPD"/load.? | sort | uniq -c | awk '{print $1}' | xargs)/$(cat "$TMPD"/load.? | sort -u)" \
		"4/sent 40, status 200: 40, other: 0" \
		"$mode pooling: $workers FastCGI workers, 4 clients x 40 deliveries at once: all 200"
	"$LOAD" "$TMPD/w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmpl" 40 \
		$((base + 1000)) >"$TMPD/load.again"
	is "$(cat "$TMPD/load.again")" "sent 40, status 200: 40, other: 0" \
		"$mode pooling: 40 of them again through the pool: all 200"
	is "$(count)" "$((before + 200))/$((before + 200))" \
		"$mode pooling: 200 events, each stored once"
	printf '' >"$TMPD/empty"
	env REQUEST_METHOD=GET timeout 20 cgi-fcgi -bind -connect "$TMPD/w.sock" \
		<"$TMPD/empty" >"$TMPD/get" 2>/dev/null
	grep -q '^Status: 200' "$TMPD/get" && grep -q '"status":"ok"' "$TMPD/get"
	ok $? "$mode pooling: GET (health) through a worker: 200"
	stop_workers

	# The operator's commands through the pooler.
	"$SMW" check >"$TMPD/check" 2>&1
	ok $? "$mode pooling: check exits 0"
	grep -q '^database: ok, schema showmojo at version' "$TMPD/check"
	ok $? "$mode pooling: check says the database is ok"
	sed "s/@ID@/$((base + 900))/g" "$TMPD/tmpl" >"$TMPD/q.json"
	sql "insert into showmojo.quarantine (reason, body)
		values ('test', convert_to('$(cat "$TMPD/q.json")', 'UTF8'))" >/dev/null
	"$SMW" replay >"$TMPD/replay" 2>&1
	ok $? "$mode pooling: replay exits 0"
	grep -q '^replay: 1 stored, 0 duplicate, 0 still invalid$' "$TMPD/replay"
	ok $? "$mode pooling: replay stores the quarantined delivery"
	is "$(sql "select count(*) from showmojo.events where id = '$((base + 900))'")" 1 \
		"$mode pooling: the replayed event is stored"
	! grep -qE 'status=500|42P05|26000' "$TMPD/cgi.log" "$TMPD/w.log"
	ok $? "$mode pooling: no 500 and no prepared-statement error in the logs"

	stop_pgbouncer
	base=$(($(sql "select max(id::int) from showmojo.events") + 1000))
	before=$(sql "select count(*) from showmojo.events")
done

done_testing

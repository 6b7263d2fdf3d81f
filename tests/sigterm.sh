#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stop signals and a FastCGI worker (spawned as spawn-fcgi does, spoken to
# by tests/tools/fcgi-load): a worker that gets SIGTERM while it reads a
# body answers that request properly (200, stored) and then exits; an idle
# worker exits at once; a signal at any moment of a request is never lost
# and never turns a delivery into an error.  Each step waits on what the
# worker is doing (/proc/PID/syscall, its signal masks, its descriptors).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-term
new_db
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing (Debian package spawn-fcgi)"
LOAD="$top_builddir/tests/tools/fcgi-load"
sed -e 's/"1001"/"@ID@"/' "$DATA/sample.json" >"$TMPD/tmpl"

# At exit every worker still there goes, even one a stop signal missed.
trap 'stop_workers KILL; cleanup' EXIT

wait_until() {	# wait_until COMMAND...: true within 30 s
	local i
	for i in $(seq 600); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
exits_within() {	# exits_within PID SECONDS
	local i
	for i in $(seq $(($2 * 20))); do
		gone "$1" && return 0
		sleep 0.05
	done
	return 1
}
# The system call a process sleeps in: "NR FIRST-ARGUMENT", or "running".
in_syscall() { cut -d' ' -f1,2 "/proc/$1/syscall" 2>/dev/null; }
reading_connection() {	# blocked in read(2) on a descriptor other than 0
	local s
	s=$(in_syscall "$1")
	[ "${s%% *}" = 0 ] && [ "${s#* }" != 0x0 ]
}
idle() {	# blocked waiting for a connection: accept(2) or pselect(2)
	case $(in_syscall "$1") in
	'43 0x0' | '288 0x0' | '270 0x1') return 0 ;;
	esac
	return 1
}
mask() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
# SIGTERM (bit 15) was sent: it is settled once delivered (no longer
# pending) or held (blocked, so pending until the worker waits again).
settled() {
	local pnd blk
	gone "$1" && return 0
	pnd=$(mask "$1" ShdPnd)
	blk=$(mask "$1" SigBlk)
	[ -n "$pnd" ] && [ -n "$blk" ] || return 0
	(( (0x$pnd & 0x4000) == 0 || (0x$blk & 0x4000) != 0 ))
}
connections() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
has_backend() {
	[ "$(sql "select count(*) from pg_stat_activity
		where application_name = 'showmojo-webhook'
		and datname = current_database()")" -ge "$1" ]
}
stored() { sql "select count(*) from showmojo.events where id = '$1'"; }

# --- (a) SIGTERM while the body is being read ---
mkfifo "$TMPD/go"
exec 3<>"$TMPD/go"
start_worker a
FCGI_LOAD_PAUSE=40 FCGI_LOAD_TRACE=1 "$LOAD" "$TMPD/a.sock" tok-term \
	"$TMPD/tmpl" 1 5001 <&3 >"$TMPD/a.out" &
client=$!
wait_until grep -q paused "$TMPD/a.out"
ok $? "the client sent the parameters and 40 bytes of the body"
wait_until reading_connection "$PID"
ok $? "the worker waits for the rest of the body ($(in_syscall "$PID"))"
kill -TERM "$PID"
wait_until settled "$PID"
echo go >&3
wait "$client"
is "$(grep '^5001:' "$TMPD/a.out")" "5001: 200" \
	"SIGTERM while reading the body: the request is answered 200"
is "$(stored 5001)" 1 "and the event is stored"
exits_within "$PID" 10
ok $? "then the worker exits"
grep -q 'stop signal: exiting' "$TMPD/a.log"
ok $? "and says why"
grep -q 'status=400\|stream error' "$TMPD/a.log"
ok $(( ! $? )) "no stream error in its log"

# --- (b) an idle worker stops at once, without a request ---
for sig in TERM USR1; do
	start_worker "idle-$sig"
	wait_until has_backend 1 && wait_until idle "$PID"
	ok $? "idle worker for SIG$sig: connected and waiting ($(in_syscall "$PID"))"
	kill -"$sig" "$PID"
	exits_within "$PID" 5
	ok $? "idle worker: SIG$sig ends it within 5 s"
	sql "select pg_terminate_backend(pid) from pg_stat_activity
		where application_name = 'showmojo-webhook'
		and datname = current_database()" >/dev/null
	wait_until eval '! has_backend 1'
done

# --- (c) SIGTERM after accept(), before the request's first byte ---
# libfcgi waits up to 2 s for a new unix-socket connection to become
# readable; a signal there must neither drop the connection nor be lost.
start_worker c
wait_until idle "$PID"
before=$(connections "$PID")
FCGI_LOAD_PAUSE=connect FCGI_LOAD_TRACE=1 "$LOAD" "$TMPD/c.sock" tok-term \
	"$TMPD/tmpl" 1 5002 <&3 >"$TMPD/c.out" &
client=$!
wait_until grep -q paused "$TMPD/c.out"
wait_until eval '[ "$(connections "$PID")" -gt "$before" ]'
ok $? "the worker accepted the connection"
kill -TERM "$PID"
wait_until settled "$PID"
echo go >&3
wait "$client"
is "$(grep '^5002:' "$TMPD/c.out")" "5002: 200" \
	"SIGTERM before the first byte: the request is answered 200"
exits_within "$PID" 10
ok $? "then the worker exits"

# --- (d) SIGTERM at random moments of a slow request ---
# Each round: one delivery trickled in three parts 40 ms apart (connect,
# parameters, half the body, the rest), SIGTERM at a random moment from 0
# to 200 ms after the worker took the connection: while libfcgi waits for
# the first bytes, while the body is read, while it is stored or answered,
# or after.  The delivery is answered 200 and stored, and the worker exits
# without another request, every time.
rounds=16 good=0
for r in $(seq "$rounds"); do
	id=$((6000 + r))
	start_worker "r$r"
	wait_until idle "$PID"
	before=$(connections "$PID")
	FCGI_LOAD_TRICKLE=40 FCGI_LOAD_TRACE=1 "$LOAD" "$TMPD/r$r.sock" \
		tok-term "$TMPD/tmpl" 1 "$id" >"$TMPD/r$r.out" 2>&1 &
	client=$!
	wait_until eval '[ "$(connections "$PID")" -gt "$before" ]'
	sleep "0.$(printf '%03d' $((RANDOM % 200)))"
	kill -TERM "$PID"
	wait "$client"
	got=$(sed -n "s/^$id: //p" "$TMPD/r$r.out")
	n=$(stored "$id")
	if exits_within "$PID" 10; then ex=exited; else ex=running; fi
	if [ "$got/$n/$ex" = 200/1/exited ]; then
		good=$((good + 1))
	else
		echo "# round $r: answer $got, stored $n, worker $ex"
		sed 's/^/# /' "$TMPD/r$r.out" "$TMPD/r$r.log"
	fi
done
is "$good" "$rounds" \
	"$rounds random SIGTERMs during a request: each answered 200, stored, and the worker exited"

# --- (e) a pool of workers on one socket ---
# A connection may wake several idle workers; those that find it taken by
# another go back to waiting (the listening socket is non-blocking), where
# SIGTERM reaches them.  Every worker of the pool stops.
spawn-fcgi -s "$TMPD/pool.sock" -M 0600 -F 3 -P "$TMPD/pool.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/pool.log\"" >/dev/null ||
	bail "spawn-fcgi failed"
pool=$(cat "$TMPD/pool.pid")
"$LOAD" "$TMPD/pool.sock" tok-term "$TMPD/tmpl" 30 8001 >"$TMPD/pool.out"
ok $? "a pool of three workers answers 30 deliveries ($(cat "$TMPD/pool.out"))"
all_idle() {
	local p
	for p in $pool; do idle "$p" || return 1; done
}
wait_until all_idle
ok $? "then all three wait for a connection"
kill -TERM $pool
left=
for p in $pool; do
	exits_within "$p" 5 || left="$left $p"
done
is "$left" "" "SIGTERM ends every worker of the pool within 5 s"

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A sandboxed worker with a spool may write inside the spool directory and
# nowhere else.  It is made to try, from outside, with gdb (as in
# tests/sandbox.sh); and it spools deliveries while the database is
# stopped, then removes them itself, draining between requests, once the
# database is back.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-spsand
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
command -v gdb >/dev/null || bail "gdb missing (Debian package gdb)"
. "$top_srcdir/tests/spool-lib.sh"
mkdir -m 0700 "$SHOWMOJO_SPOOL"

in_process() {	# in_process PID EXPR: the value gdb's call returns
	gdb -q -batch -p "$1" -ex "call $2" 2>/dev/null |
		sed -n 's/^\$1 = \(-\{0,1\}[0-9]*\).*/\1/p'
}

start_pool 1
pid=$(head -1 "$TMPD/w.pid")
grep -q 'sandbox: Landlock ABI [0-9]*: no file writes but to the spool, no exec' "$TMPD/w.log"
ok $? "the worker logs that it is sandboxed, the spool excepted"
is "$(in_process "$pid" "(int)open(\"$SHOWMOJO_SPOOL/probe\", 0101, 0600) >= 0")" 1 \
	"the worker can create a file in the spool"
is "$(in_process "$pid" "(int)rename(\"$SHOWMOJO_SPOOL/probe\", \"$SHOWMOJO_SPOOL/probe2\")")" 0 \
	"the worker can rename a file in the spool"
is "$(in_process "$pid" "(int)unlink(\"$SHOWMOJO_SPOOL/probe2\")")" 0 \
	"the worker can remove a file in the spool"
is "$(in_process "$pid" "(int)open(\"$TMPD/beside\", 0101, 0600)")" -1 \
	"the worker cannot create a file beside the spool"
is "$(in_process "$pid" "(int)rename(\"$TMPD/spool\", \"$TMPD/moved\")")" -1 \
	"the worker cannot move the spool directory"
is "$(in_process "$pid" "(int)mkdir(\"$SHOWMOJO_SPOOL/sub\", 0700)")" -1 \
	"the worker cannot make a directory in the spool"
ok "$([ ! -e "$TMPD/beside" ] && [ -d "$TMPD/spool" ] && [ ! -e "$SHOWMOJO_SPOOL/sub" ]; echo $?)" \
	"nothing was created beside the spool"

own_cluster_ctl stop || bail "cannot stop the cluster"
for i in 1 2 3; do
	printf '{"event":{"id":"sb-%d","action":"update"}}' "$i" >"$TMPD/$i.json"
	echo "$TMPD/$i.json"
done | send_all 1 >"$TMPD/answers"
is "$(grep -c '^200 {"status":"spooled"' "$TMPD/answers")/$(spool_entries)" 3/3 \
	"database stopped: the sandboxed worker spools three deliveries"
own_cluster_ctl start || bail "cannot start the cluster"
live=0
while [ "$(spool_entries)" -gt 0 ] && [ "$live" -lt 20 ]; do	# between requests
	live=$((live + 1))
	printf '{"event":{"id":"sb-live-%d","action":"update"}}' "$live" >"$TMPD/live.json"
	echo "$TMPD/live.json" | send_all 1 >>"$TMPD/answers"
done
is "$(spool_entries)/$(sql "select count(*) from showmojo.events where id like 'sb-_'")" 0/3 \
	"database back: the worker drains the spool itself between live deliveries ($live)"

done_testing

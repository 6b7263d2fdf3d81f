#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# FastCGI workers drain the spool on their own (doc/design.md, "Spool"): with the
# database stopped, deliveries reach two workers and are spooled.  While
# the database stays stopped and nothing else arrives, the idle workers
# try it again, less and less often.  Once it answers they store every
# entry without another request coming.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-idle
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster	# stopped and started below
new_db
. "$top_srcdir/tests/spool-lib.sh"
mkdir -m 0700 "$SHOWMOJO_SPOOL"

N=40
mkdir "$TMPD/d"
for i in $(seq "$N"); do
	printf '{"event":{"id":"%d","action":"update","showing":{"uid":"idle-%d","name":"n-%d"}}}' \
		"$i" $((i % 4)) "$i" >"$TMPD/d/$i.json"
done
start_pool 2
own_cluster_ctl stop || bail "cannot stop the cluster"
ls "$TMPD"/d/*.json | send_all 4 >"$TMPD/answers"
is "$(grep -c '^200 {"status":"spooled"' "$TMPD/answers")/$(spool_entries)" \
	"$N/$N" "database stopped: $N deliveries answered 200 spooled"

# Nothing arrives now.  Each idle worker tries the database again after
# 1 s, then 2 s, 4 s, ...: its third try comes about 7 s after the last
# request.  Six failed tries of the two workers before 5 s would mean no
# backing off.
mark=$(wc -l <"$TMPD/w.log")
t0=$SECONDS
tries() { tail -n +"$((mark + 1))" "$TMPD/w.log" | grep -c 'database: connect:'; }
while [ "$(tries)" -lt 6 ] && [ $((SECONDS - t0)) -lt 120 ]; do
	sleep 0.2
done
t=$((SECONDS - t0))
echo "# $(tries) tries of the idle workers in $t s"
ok "$([ "$(tries)" -ge 6 ]; echo $?)" \
	"database down, no traffic: the idle workers try it again on their own"
ok "$([ "$t" -ge 5 ]; echo $?)" "they back off: six tries took $t s (at least 5)"

# The database comes back; still no request.
: >"$TMPD/w.log"
own_cluster_ctl start || bail "cannot start the cluster"
t0=$SECONDS
wait_spool_empty 120
ok $? "database back, no request: the workers empty the spool themselves"
echo "# spool empty $((SECONDS - t0)) s after the database started"
is "$(sql "select count(*) from showmojo.events")/$(grep -c ' drain entry=' "$TMPD/w.log")" \
	"$N/$N" "every spooled delivery stored once, each by a worker"
is "$(sql "select string_agg(name, ',' order by uid) from showmojo.showings")" \
	"n-40,n-37,n-38,n-39" "each showing holds its newest event's name"
is "$(get_health | cut -d' ' -f1)" 200 "the health check says the database answers"

done_testing

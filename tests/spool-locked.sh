#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A slowly failing entry does not tax live traffic.  One FastCGI worker,
# SHOWMOJO_TIMEOUT_MS=2000; another session holds a showing's row (SELECT
# ... FOR UPDATE).  The delivery for that showing is spooled (55P03 after
# its lock timeout); the worker then tries that entry between requests
# with a short lock timeout and keeps its next try in the entry, doubling
# the wait, so the requests after it (health checks, deliveries of other
# showings) are answered about as fast as those of a second worker whose
# spool is empty, sent by turns at the same time: within 50 ms of their
# median.  Once the lock goes, the worker stores the entry unasked.
# Prints the times.
. "$top_srcdir/tests/lib.sh"
command -v cgi-fcgi >/dev/null || bail "cgi-fcgi missing (Debian package libfcgi-bin)"
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing (Debian package spawn-fcgi)"
export SHOWMOJO_TOKENS=tok-locked SHOWMOJO_TIMEOUT_MS=2000
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
mkdir -m 0700 "$SHOWMOJO_SPOOL"
trap 'stop_workers; kill "$holder" 2>/dev/null; cleanup' EXIT

now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }
fcgi() {	# fcgi [-c] METHOD [BODY-TEXT]: sets STATUS, BODY and T (ms); -c:
	# to the control worker
	local t0 sock=w
	[ "$1" != -c ] || { sock=c; shift; }
	printf '%s' "${2-}" >"$TMPD/fb.json"
	t0=$(now)
	env REQUEST_METHOD="$1" CONTENT_LENGTH="$(stat -c %s "$TMPD/fb.json")" \
		HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" \
		timeout 60 cgi-fcgi -bind -connect "$TMPD/$sock.sock" \
		<"$TMPD/fb.json" >"$TMPD/fr" 2>/dev/null
	T=$(ms "$t0")
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/fr")
	BODY=$(tr -d '\r' <"$TMPD/fr" | sed '1,/^$/d')
}
delivery() { printf '{"event":{"id":"%s","showing":{"uid":"%s"}}}' "$1" "$2"; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# round TAG: twenty requests to the worker, health checks and deliveries
# of other showings, and the same to the control worker, by turns; their
# times into $TMPD/TAG and $TMPD/TAG-control
round() {
	local i times= control=
	for i in $(seq 10); do
		fcgi GET
		times="$times $T"
		fcgi -c GET
		control="$control $T"
		fcgi POST "$(delivery "$1-$i" "free-$1-$i")"
		times="$times $T"
		case "$STATUS" in 200) ;; *) echo "# $1-$i: $STATUS $BODY" ;; esac
		fcgi -c POST "$(delivery "$1-c$i" "free-$1-c$i")"
		control="$control $T"
	done
	echo "$times" >"$TMPD/$1"
	echo "$control" >"$TMPD/$1-control"
}

start_worker w
mkdir -m 0700 "$TMPD/spool-c"
SHOWMOJO_SPOOL="$TMPD/spool-c" start_worker c
fcgi POST "$(delivery 1 held)"
is "$STATUS" 200 "the showing is stored"
round before

psql -X -q -d "$TEST_DB" -c "begin; select 1 from showmojo.showings where uid = 'held' for update;
	select pg_sleep(600)" >/dev/null 2>&1 &
holder=$!
# The row is locked once the session sleeps (its statements run in order).
wait_sql 60 "select 1 from pg_stat_activity where state = 'active'
	and query like '%pg_sleep(600)%' and pid <> pg_backend_pid()" >/dev/null ||
	bail "the row lock was not taken"
fcgi POST "$(delivery 2 held)"
echo "# the delivery for the held showing: $STATUS $BODY after $T ms"
is "$STATUS $(printf '%s' "$BODY" | grep -o '"status":"[a-z]*"')" '200 "status":"spooled"' \
	"the held showing's delivery is spooled"
round held
b=$(median <"$TMPD/before")
h=$(median <"$TMPD/held")
c=$(median <"$TMPD/held-control")
mx=$(tr ' ' '\n' <"$TMPD/held" | sort -n | tail -1)
echo "# before the lock: median $b ms ($(cat "$TMPD/before"))"
echo "# entry held:      median $h ms ($(cat "$TMPD/held"))"
echo "# control worker:  median $c ms ($(cat "$TMPD/held-control"))"
ok "$(( h - c > 50 ))" "requests while the entry waits: median within 50 ms of the control worker's ($h vs $c ms)"
ok "$(( mx >= 1000 ))" "no request waits for the held lock ($mx ms at most)"
tries=$(grep -c 'drain later entry=.* reason=55P03' "$TMPD/w.log")
echo "# tries of the held entry meanwhile: $tries"
ok "$(( tries < 1 || tries > 6 ))" "the held entry is tried again on its own schedule ($tries tries)"
ok "$(head -c 64 "$SHOWMOJO_SPOOL"/e-* | grep -q '^tries 0[1-9] next '; echo $?)" \
	"the entry keeps its tries and next try"

kill "$holder"
wait "$holder" 2>/dev/null
psql -X -q -d "$TEST_DB" -c "select pg_terminate_backend(pid) from pg_stat_activity
	where query like '%pg_sleep(600)%' and pid <> pg_backend_pid()" >/dev/null
end=$((SECONDS + 60))
while [ -n "$(ls "$SHOWMOJO_SPOOL" | grep '^e-')" ] && [ "$SECONDS" -lt "$end" ]; do
	fcgi GET
	sleep 0.5
done
is "$(ls "$SHOWMOJO_SPOOL" | grep -c '^e-')/$(sql "select last_event_id from showmojo.showings where uid = 'held'")" \
	"0/2" "lock gone: the worker stores the entry on its next try"
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults on the client's and the server's side, with real nginx and
# Apache: a client that goes away mid-body, a client that trickles its
# body while others deliver, a worker killed in the middle of a request.
# Nothing is stored half, nothing waits forever, the retry succeeds.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"
LOAD="$top_builddir/tests/tools/fcgi-load"

deploy_setup
start_pool 1		# one worker: anything that held it would show
start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"
f=$(delivery 8001)
len=$(stat -c %s "$f")

# A client that sends half its body to nginx and goes away.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' \
	"$ENDPOINT" "$TOKEN" "$len" >&3
head -c $((len / 2)) "$f" >&3
exec 3>&-
sleep 0.5
is "$(count_events)/$(sql "select count(*) from showmojo.quarantine")" "0/0" \
	"client gone mid-body (through nginx): nothing stored, nothing quarantined"

# The same straight at the worker (as a streaming proxy would pass it on).
sed 's/"1001"/"@ID@"/' "$DATA/sample.json" >"$TMPD/tmpl"
FCGI_LOAD_ABORT=300 "$LOAD" "$SOCK" "$TOKEN" "$TMPD/tmpl" 3 8100 >/dev/null
ok $? "three requests that stop mid-body, straight at the worker"
sleep 0.5
is "$(count_events)/$(sql "select count(*) from showmojo.quarantine")" "0/0" \
	"client gone mid-body (at the worker): nothing stored, nothing quarantined"
grep -q 'client went away\|reading body' "$TMPD/log/workers.log"
ok $? "the worker logs that the client went away"
http POST "$f"
is "$STATUS" 200 "the worker goes on serving"

# A client that trickles its body over 6 s while others deliver: nginx
# reads request bodies before it hands them on, so the one worker is not
# held.
f2=$(delivery 8002)
len2=$(stat -c %s "$f2")
(
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
		"$ENDPOINT" "$TOKEN" "$len2" >&3
	step=$(( (len2 + 11) / 12 ))
	for i in $(seq 0 11); do
		tail -c +$((i * step + 1)) "$f2" | head -c "$step" >&3
		sleep 0.5
	done
	head -1 <&3 | tr -d '\r' >"$TMPD/slow.status"
) &
slow=$!
sleep 1
t0=$(date +%s%N)
codes=
for id in 8003 8004 8005 8006 8007; do
	http POST "$(delivery "$id")"
	codes="$codes$STATUS "
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$codes" "200 200 200 200 200 " "five deliveries while a slow client trickles"
ok "$(( ms > 3000 ))" "... answered in $ms ms, not held behind it"
wait "$slow"
is "$(cat "$TMPD/slow.status")" "HTTP/1.1 200 OK" "the slow client's delivery is stored too"
is "$(sql "select count(*) from showmojo.events where id in ('8002','8003','8007')")" 3 \
	"both kinds are in the log"

# A worker killed while a delivery is in flight: Apache's mod_fcgid starts
# a new one, and ShowMojo's retry succeeds; the event is there once.
"$DEPLOY/spawn-fcgi/showmojo-webhook-pool" stop "$TMPD/pool.conf" >/dev/null 2>&1
kill_pidfile "$TMPD/nginx/nginx.pid"
start_apache "$DEPLOY/apache/showmojo-webhook-fcgid.conf" alias fcgid
http GET
is "$STATUS" 200 "mod_fcgid worker up"
sql "create function showmojo.hold() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(5); return new; end \$\$;
	create trigger hold before insert on showmojo.events
	for each row execute function showmojo.hold()" >/dev/null
f9=$(delivery 9001)
(http POST "$f9"; echo "$STATUS" >"$TMPD/inflight.status") &
inflight=$!
# In flight: its backend is seen sleeping in the trigger.
bpid=$(wait_sql 60 "select pid from pg_stat_activity where datname = current_database()
	and application_name = 'showmojo-webhook' and wait_event = 'PgSleep'")
ok $? "the delivery is in flight, inside its transaction (pg_stat_activity)"
old=$(pgrep -f -u www-data -x "$SMW" | sort | tr '\n' ' ')
# shellcheck disable=SC2086
kill -KILL $old
wait "$inflight"
first=$(cat "$TMPD/inflight.status")
sql "drop trigger hold on showmojo.events" >/dev/null
# The killed worker's statement finishes or rolls back: its backend ends.
wait_sql 60 "select 1 where not exists (select 1 from pg_stat_activity
	where pid = ${bpid:-0})" >/dev/null
ok $? "the killed worker's backend has ended"
http POST "$f9"
is "$STATUS" 200 "the retry after the worker was killed is answered 200"
new=$(pgrep -f -u www-data -x "$SMW" | sort | tr '\n' ' ')
ok "$([ -n "$new" ] && [ "$new" != "$old" ] && echo 0 || echo 1)" \
	"mod_fcgid started a new worker ($old-> $new)"
is "$(sql "select count(*) from showmojo.events where id = '9001'")" 1 \
	"the event is stored exactly once"
isnt_200=$([ "$first" != 200 ] && echo 0 || echo 1)
ok "$isnt_200" "the request whose worker was killed is not answered 200 ($first)"

deploy_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A silent network loss between FastCGI workers and a PostgreSQL reached
# over TCP: an nftables rule (in a table of this test's own, matching only
# this cluster's port, deleted at exit) drops every packet, as a cut cable
# or a dead router does.  The delivery in flight is answered 500 within
# SHOWMOJO_TIMEOUT_MS + 5 s, another worker's health check says 503
# within that too, and once the path is back the next delivery is stored
# within 2 s.  A worker with a spool that tries the database on its own
# while idle gives way to a request.  Prints the measured times.
. "$top_srcdir/tests/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root: nftables rules need root"
	exit 77
fi
if ! command -v nft >/dev/null; then
	echo "1..0 # SKIP nft missing (Debian package nftables)"
	exit 77
fi
export SHOWMOJO_TOKENS=tok-net SHOWMOJO_TIMEOUT_MS=3000
own_cluster
# This cluster also listens on loopback TCP, on its own port.
own_cluster_tcp
new_db
export SHOWMOJO_DB="host=127.0.0.1 port=$PGPORT dbname=$TEST_DB user=postgres"

TABLE="smw_netloss_$$"
nft add table inet "$TABLE" &&
	nft add chain inet "$TABLE" input '{ type filter hook input priority 0; policy accept; }' ||
	bail "nft could not add table $TABLE"
trap 'nft delete table inet "$TABLE" 2>/dev/null; stop_workers; cleanup' EXIT
lose() {	# every packet to or from the cluster's port, both ways
	nft add rule inet "$TABLE" input tcp dport "$PGPORT" drop
	nft add rule inet "$TABLE" input tcp sport "$PGPORT" drop
}
heal() {
	nft flush chain inet "$TABLE" input
}

fcgi() {	# fcgi NAME METHOD [BODY-TEXT]: sets STATUS and BODY
	printf '%s' "${3-}" >"$TMPD/$1.body"
	env REQUEST_METHOD="$2" CONTENT_LENGTH="$(stat -c %s "$TMPD/$1.body")" \
		HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" \
		timeout 60 cgi-fcgi -bind -connect "$TMPD/$1.sock" \
		<"$TMPD/$1.body" >"$TMPD/$1.resp" 2>/dev/null
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/$1.resp")
}
delivery() {	# delivery ID [UID]
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"%s","name":"n%s"}}}' \
		"$1" "${2:-net}" "$1"
}
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }

start_worker a
start_worker b
fcgi a POST "$(delivery 1)"
is "$STATUS" 200 "worker a stores over TCP"
fcgi b POST "$(delivery 2)"
is "$STATUS" 200 "worker b stores over TCP"

# The network limits follow SHOWMOJO_TIMEOUT_MS (keepalive probes after
# 3 s idle), and SHOWMOJO_DB can override them.
keepalive() {	# keepalive NAME: the keepalive timer of the worker's socket
	ss -tnpo | grep "pid=$(cat "$TMPD/$1.pid")," | grep -o 'timer:(keepalive,[^,]*' |
		sed 's/.*,//'
}
ka=$(keepalive a)
ok "$(case $ka in *min*|'') echo 1;; *) echo 0;; esac)" \
	"keepalive probes of an idle connection start within 3 s ($ka left)"
SHOWMOJO_DB="$SHOWMOJO_DB keepalives_idle=77" start_worker o
fcgi o GET
ka=$(keepalive o)
ok "$(case $ka in 1min*) echo 0;; *) echo 1;; esac)" \
	"keepalives_idle in SHOWMOJO_DB wins ($ka left)"
kill "$(cat "$TMPD/o.pid")"
rm -f "$TMPD/o.pid"

# A delivery in flight: the server works on it (a trigger makes it take
# a second) when the path is lost; its answer never arrives.
sql "create function showmojo.slow() returns trigger language plpgsql as
	\$\$ begin perform pg_sleep(1); return new; end \$\$;
	create trigger slow before insert on showmojo.showings for each row
	when (new.uid = 'slow') execute function showmojo.slow()" >/dev/null
(t0=$(now); fcgi a POST "$(delivery 3 slow)"; echo "${STATUS:-none} $(ms "$t0")" >"$TMPD/inflight") &
inflight=$!
for _ in $(seq 200); do
	[ -n "$(sql "select pid from pg_stat_activity where state = 'active'
		and query like '%ingest%' and application_name = 'showmojo-webhook'")" ] && break
	sleep 0.05
done
lose
t0=$(now)
fcgi b GET
health=$(ms "$t0")
health_status=$STATUS
wait "$inflight"
read -r st answer <"$TMPD/inflight"
echo "# delivery in flight: answered $st after $answer ms (SHOWMOJO_TIMEOUT_MS=3000)"
echo "# health check on another worker during the loss: $health_status after $health ms"
is "$st" 500 "the delivery in flight is answered 500"
ok "$(( answer > 8000 ))" "within SHOWMOJO_TIMEOUT_MS + 5 s ($answer ms)"
is "$health_status" 503 "another worker's health check: 503 while the path is lost"
ok "$(( health > 8000 ))" "within SHOWMOJO_TIMEOUT_MS + 5 s ($health ms)"
t0=$(now)
fcgi a GET
again=$(ms "$t0")
echo "# health check again on the first worker (reconnecting): $STATUS after $again ms"
is "$STATUS" 503 "the first worker's health check, reconnecting: 503"
ok "$(( again > 8000 ))" "within SHOWMOJO_TIMEOUT_MS + 5 s ($again ms)"

heal
t0=$(now)
fcgi a POST "$(delivery 4)"
back=$(ms "$t0")
echo "# path back: the next delivery stored after $back ms"
is "$STATUS" 200 "path back: the next delivery is stored"
ok "$(( back > 2000 ))" "within 2 s ($back ms)"
t0=$(now)
fcgi b POST "$(delivery 5)"
back_b=$(ms "$t0")
echo "# path back: the other worker's next delivery stored after $back_b ms"
is "$STATUS" 200 "path back: the other worker stores too"
ok "$(( back_b > 2000 ))" "within 2 s ($back_b ms)"
fcgi a POST "$(delivery 3 slow)"
is "$STATUS" 200 "the sender's retry of the delivery in flight: 200"
is "$(sql "select string_agg(id, ',' order by id) from showmojo.events")" \
	"1,2,3,4,5" "every event stored once"
kill -0 "$(cat "$TMPD/a.pid")" && kill -0 "$(cat "$TMPD/b.pid")"
ok $? "both workers still run"

# With a spool: worker s spools a delivery while the path is lost, then,
# idle, tries the database on its own.  A request that comes during such
# a try does not wait for the try to time out (5 s here): the try gives
# way.  Once the path is back, s stores the spooled delivery unasked.
mkdir -m 0700 "$TMPD/spool"
SHOWMOJO_SPOOL="$TMPD/spool" start_worker s
lose
fcgi s POST "$(delivery 6)"
is "$STATUS $(grep -o '"status":"[a-z]*"' "$TMPD/s.resp")" '200 "status":"spooled"' \
	"path lost, spool on: the delivery is answered 200 spooled"
trying() {	# the worker's own connection attempt, unanswered
	ss -tnp state syn-sent "( dport = :$PGPORT )" | grep -q "pid=$(cat "$TMPD/s.pid"),"
}
for _ in $(seq 1200); do trying && break; sleep 0.05; done
trying
ok $? "idle, the worker tries the database on its own"
t0=$(now)
fcgi s GET
yield=$(ms "$t0")
echo "# health check during the idle worker's own try: $STATUS after $yield ms"
is "$STATUS" 503 "a request during that try: 503, the path is lost"
ok "$(( yield > 7000 ))" \
	"the try gave way: answered within its own connect timeout + 2 s ($yield ms)"
heal
t0=$SECONDS
while [ -n "$(ls "$TMPD/spool")" ] && [ $((SECONDS - t0)) -lt 90 ]; do
	sleep 0.2
done
echo "# path back: the spool emptied by the idle worker after $((SECONDS - t0)) s"
is "$(ls "$TMPD/spool" | wc -l)/$(sql "select count(*) from showmojo.events where id = '6'")" \
	"0/1" "path back, no request: the worker stores the spooled delivery"

done_testing

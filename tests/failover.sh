#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Failover under load: a primary and a synchronous streaming-replication
# standby (Debian's PostgreSQL, each a cluster of this script's own on a
# unix socket under $TMPD), two web nodes (nginx and a spawn-fcgi pool of
# workers each, as deploy/ ships them) whose workers reach the database
# through libpq's multi-host conninfo with target_session_attrs=read-write,
# and senders that behave like ShowMojo (anything but 200: try again
# later, a bounded number of times).  Mid-run, while WAL is held back from
# the standby, the primary's postmaster is killed with SIGKILL and the
# standby promoted with pg_ctl promote.  At the end every event sent is
# stored exactly once on the new primary, every 200 a sender got is backed
# by a row there, and deliveries resumed within a few seconds of the
# promotion.  Before the run: commits the standby lacks, ended by
# pg_cancel_backend or pg_terminate_backend, are not answered 200, nor
# are their retries (answered as duplicates only once the standby has
# them).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

command -v pg_basebackup >/dev/null ||
	bail "pg_basebackup missing: run tests/run"

SENDERS=${SENDERS:-6}		# sender processes at once
PER_SENDER=${PER_SENDER:-100}	# events each sends
SHOWINGS=40			# showings the events are spread over
WORKERS=3			# FastCGI workers per web node
KILL_AFTER=$((SENDERS * PER_SENDER / 3))	# 200s seen before the kill
MAX_ATTEMPTS=40			# a sender's attempts per event ...
BUDGET_US=45000000		# ... and time, from its first attempt
RESUME_MAX_MS=5000		# promotion to the first 200, at most

PG1="$TMPD/pg1" PG2="$TMPD/pg2"
P1=$((20000 + $$ % 10000))
P2=$((P1 + 1))
DB=smw

now_us() {
	echo "${EPOCHREALTIME//[!0-9]/}"
}

# pgctl DIR ARGS...: pg_ctl on the cluster in DIR, as the postgres user.
pgctl() {
	as_pg "$PGBIN/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 "${@:2}" \
		>>"$TMPD/pg_ctl.out" 2>&1
}
pgstart() {	# pgstart DIR PORT [SETTINGS...]
	local d=$1 o="-p $2 -k $1 -c listen_addresses=''"
	shift 2
	o="$o $*"
	pgctl "$d" -o "$o" start
}
# q DIR PORT QUERY: one value per line from that server's $DB.
q() {
	psql -X -Atq -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U postgres -d "$DB" \
		-c "$3"
}
# wait_for SECONDS WANT COMMAND...: until COMMAND prints WANT.
wait_for() {
	local end=$((SECONDS + $1)) want=$2
	shift 2
	until [ "$("$@" 2>/dev/null)" = "$want" ]; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}
# At exit: both clusters stopped, and what the killed postmaster left.
ORPHANS='' WALSND=''
stop_clusters() {
	local d p
	[ -z "$WALSND" ] || kill -CONT "$WALSND"
	for d in "$PG1" "$PG2"; do
		[ -f "$d/data/postmaster.pid" ] || continue
		as_pg "$PGBIN/pg_ctl" -D "$d/data" -m immediate stop
	done
	for p in $ORPHANS; do
		case $(readlink "/proc/$p/exe" 2>/dev/null) in
		*/postgres) kill -KILL "$p" ;;
		esac
	done
	return 0
}
at_exit stop_clusters

# --- the primary, then the standby from a base backup ---
chmod 0755 "$TMPD"
mkdir -p "$PG1" "$PG2"
chown postgres "$PG1" "$PG2"
as_pg "$PGBIN/initdb" -D "$PG1/data" -E UTF8 --locale=C.UTF-8 -A trust \
	-U postgres >"$TMPD/initdb.log" 2>&1 ||
	bail "initdb failed: $(tail -3 "$TMPD/initdb.log")"
pgstart "$PG1" "$P1" -c synchronous_commit=on ||
	bail "the primary did not start: $(tail -3 "$PG1/log")"
createdb -h "$PG1" -p "$P1" -U postgres -E UTF8 -T template0 "$DB" ||
	bail "createdb failed"
# The conninfo every worker has: both servers, the one that takes writes.
DBCONN="host=$PG1,$PG2 port=$P1,$P2 dbname=$DB user=postgres"
DBCONN="$DBCONN target_session_attrs=read-write"
SHOWMOJO_DB=$DBCONN "$SMW" migrate >"$TMPD/migrate.out" 2>&1 || {
	sed 's/^/# /' "$TMPD/migrate.out"
	bail "migrate through the multi-host conninfo failed"
}
as_pg "$PGBIN/pg_basebackup" -h "$PG1" -p "$P1" -U postgres -D "$PG2/data" \
	-R -X stream -c fast >"$TMPD/basebackup.log" 2>&1 ||
	bail "pg_basebackup failed: $(tail -3 "$TMPD/basebackup.log")"
# The standby's name is its cluster_name (the walreceiver's
# application_name).  Only the primary asks for a synchronous standby:
# set after the base backup, the promoted standby does not wait for one.
pgstart "$PG2" "$P2" -c cluster_name=standby1 ||
	bail "the standby did not start: $(tail -3 "$PG2/log")"
q "$PG1" "$P1" "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" &&
	q "$PG1" "$P1" "SELECT pg_reload_conf()" >/dev/null ||
	bail "cannot set synchronous_standby_names"
wait_for 60 "standby1|streaming|sync" q "$PG1" "$P1" \
	"SELECT application_name, state, sync_state FROM pg_stat_replication"
ok $? "the standby streams from the primary, synchronously"
is "$(q "$PG2" "$P2" "SELECT pg_is_in_recovery()")" t \
	"the standby is in recovery (read-only)"

# The standby alone, as a wrong host or an old primary come back as a
# standby would be: every delivery fails there (25006), so it is not
# healthy, and check says why and what to do.
RO="host=$PG2 port=$P2 dbname=$DB user=postgres"
SHOWMOJO_TOKENS=$TOKEN SHOWMOJO_DB=$RO "$SMW" check >"$TMPD/ro.check" 2>&1
is "$?/$(grep -c '^database: the database is read-only (a standby?); with several hosts use target_session_attrs=read-write$' "$TMPD/ro.check")" \
	"1/1" "check against a standby: fails, says it is read-only and what to set"
SHOWMOJO_TOKENS=$TOKEN SHOWMOJO_DB=$RO cgi GET /dev/null
is "$STATUS $BODY" '503 {"status":"database read-only"}' "the health answer on a standby: 503, read-only"
printf '{"event":{"id":"ro-1","action":"update"}}' >"$TMPD/ro.json"
SHOWMOJO_TOKENS=$TOKEN SHOWMOJO_DB=$RO cgi POST "$TMPD/ro.json"
is "$STATUS/$(grep -c '25006' "$TMPD/stderr")" "500/1" \
	"a delivery to a standby: 500 (25006: a retry can cure it, on the primary)"

# --- two web nodes: nginx and a pool of workers each ---
printf '# ShowMojo token\n%s\n' "$TOKEN" >"$TMPD/tokens"
chmod 0644 "$TMPD/tokens"
mkdir -p "$TMPD/run" "$TMPD/log"
chmod 0755 "$TMPD/run"
chmod 0777 "$TMPD/log"
NODE_PORT=()
start_node() {	# start_node N
	local n=$1 pool="$DEPLOY/spawn-fcgi/showmojo-webhook-pool"
	# shellcheck disable=SC2034 # template (deploy-lib.sh) reads it
	SOCK="$TMPD/run/node$n.sock"
	template "$DEPLOY/spawn-fcgi/pool.conf" |
		sed -e 's/^SMW_USER=.*/SMW_USER=www-data/' \
			-e 's/^SMW_GROUP=.*/SMW_GROUP=www-data/' \
			-e "s/^SMW_WORKERS=.*/SMW_WORKERS=$WORKERS/" \
			-e "s|^SMW_PIDFILE=.*|SMW_PIDFILE=$TMPD/run/node$n.pid|" \
			-e "s|^SMW_LOG=.*|SMW_LOG=$TMPD/log/node$n.log|" \
			>"$TMPD/node$n.conf"
	at_exit "'$pool' stop '$TMPD/node$n.conf'"
	"$pool" start "$TMPD/node$n.conf" >"$TMPD/node$n.out" 2>&1 || {
		sed 's/^/# /' "$TMPD/node$n.out"
		bail "the worker pool of node $n did not start"
	}
	start_nginx "$DEPLOY/nginx/showmojo-webhook.conf" "$TMPD/nginx$n"
	NODE_PORT[n]=$PORT
}
start_node 0
start_node 1
for n in 0 1; do
	PORT=${NODE_PORT[n]}
	http GET
	is "$STATUS" 200 "node $n: health 200 through the multi-host conninfo"
done

# --- the senders ---
# event ID: a delivery; events are numbered, spread over the showings.
event() {
	local id=$1 s=$(($1 % SHOWINGS)) a
	case $((id / SHOWINGS % 3)) in
	0) a=showing_requested ;;
	1) a=confirm ;;
	*) a=showing_rescheduled ;;
	esac
	printf '{"event":{"id":"%s","action":"%s",' "$id" "$a"
	printf '"actor":"prospect",'
	printf '"created_at":"2026-11-20T15:%02d:%02d-05:00",' \
		$((id / 60 % 60)) $((id % 60))
	printf '"showing":{"uid":"fo-%s",' "$s"
	printf '"showtime":"2026-12-%02dT14:30:00-05:00",' $((1 + id % 28))
	printf '"showing_time_zone":"Eastern Time (US & Canada)",'
	printf '"name":"Prospect %s","email":"p%s@example.com",' "$id" "$s"
	printf '"listing_uid":"lst-%s","is_self_show":false}}}' $((s % 7))
}
# sender K: events K+1, K+1+SENDERS, ... alternately to both nodes; a
# failed event is tried again later (0.2 s, 0.4 s, ... at most 1 s after
# its last answer) while new events go on, up to MAX_ATTEMPTS times and
# BUDGET_US from its first attempt.  One line per attempt: id attempt
# node status start end (µs).
sender() {
	local k=$1 log="$TMPD/sender-$1.log" next=0 id n code t0 t1 wait
	local -A due=() tries=() first=()
	while :; do
		id=
		t0=$(now_us)
		for n in "${!due[@]}"; do
			if [ "${due[$n]}" -le "$t0" ]; then
				id=$n
				break
			fi
		done
		if [ -z "$id" ]; then
			if [ "$next" -lt "$PER_SENDER" ]; then
				id=$((1000000 + k + 1 + next * SENDERS))
				next=$((next + 1))
				tries[$id]=0
				first[$id]=$t0
			elif [ "${#due[@]}" -eq 0 ]; then
				break
			else
				sleep 0.05
				continue
			fi
		fi
		unset "due[$id]"
		tries[$id]=$((tries[$id] + 1))
		n=$(((id + tries[$id]) % 2))
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X POST \
			-H 'Content-Type: application/json' \
			-H "Authorization: Bearer $TOKEN" \
			--data-binary "$(event "$id")" \
			"http://127.0.0.1:${NODE_PORT[n]}$ENDPOINT" 2>/dev/null)
		t1=$(now_us)
		echo "$id ${tries[$id]} $n ${code:-000} $t0 $t1" >>"$log"
		[ "$code" = 200 ] && continue
		if [ "${tries[$id]}" -ge "$MAX_ATTEMPTS" ] ||
			[ $((t1 - first[$id])) -ge "$BUDGET_US" ]; then
			echo "$id gave-up" >>"$log"
			continue
		fi
		wait=$((200000 * tries[$id]))
		[ "$wait" -le 1000000 ] || wait=1000000
		due[$id]=$((t1 + wait))
	done
}
logs() {
	cat "$TMPD"/sender-*.log 2>/dev/null
}
count_200() {
	logs | awk '$4 == 200' | wc -l
}
# Answers other than 200 that ended after time $1 (µs).
count_failed_after() {
	logs | awk -v t="$1" 'NF == 6 && $4 != 200 && $6 > t' | wc -l
}

# --- before the run: a commit the standby lacks is never answered 200 ---
# With WAL held back from the standby, a delivery's commit waits.  Ended
# on the primary by pg_cancel_backend (PostgreSQL then reports the commit
# done, with a warning) or pg_terminate_backend (the connection ends; the
# commit stays on the primary), neither that delivery nor its retry may be
# answered 200 before the standby has it: a failover then would lose it.
# Known to fail: the program takes the warning for success, and ingest()
# answers a retry "duplicate" from the primary's row without waiting.
syncrep() {	# commits waiting for the standby
	q "$PG1" "$P1" "SELECT count(*) FROM pg_stat_activity
		WHERE wait_event = 'SyncRep'"
}
attempt() {	# attempt ID N: one delivery to node 0, logged as a sender's
	local t0 t1 code
	t0=$(now_us)
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 60 -X POST \
		-H 'Content-Type: application/json' \
		-H "Authorization: Bearer $TOKEN" --data-binary "$(event "$1")" \
		"http://127.0.0.1:${NODE_PORT[0]}$ENDPOINT" 2>/dev/null)
	t1=$(now_us)
	echo "$1 $2 0 ${code:-000} $t0 $t1" >>"$TMPD/sender-pre.log"
}
# answer ID N: the status of attempt N, "waiting" while the standby is
# awaited, nothing yet otherwise.
answer() {
	local a
	a=$(awk -v id="$1" -v n="$2" '$1 == id && $2 == n { print $4 }' \
		"$TMPD/sender-pre.log" 2>/dev/null)
	if [ -n "$a" ]; then
		echo "$a"
	elif [ "$(syncrep)" -gt 0 ]; then
		echo waiting
	fi
}
WALSND=$(q "$PG1" "$P1" "SELECT pid FROM pg_stat_replication")
[ -n "$WALSND" ] || bail "the primary has no walsender"
hole() {	# hole ID cancel|terminate
	local id=$1 how=$2 first retry p1 p2
	kill -STOP "$WALSND"
	attempt "$id" 1 &
	p1=$!
	wait_for 30 1 syncrep || bail "delivery $id does not wait for the standby"
	q "$PG1" "$P1" "SELECT pg_${how}_backend(pid) FROM pg_stat_activity
		WHERE wait_event = 'SyncRep'" >/dev/null
	until first=$(answer "$id" 1) && [ -n "$first" ] &&
		[ "$first" != waiting ]; do
		sleep 0.1
	done
	attempt "$id" 2 &
	p2=$!
	until retry=$(answer "$id" 2) && [ -n "$retry" ]; do
		sleep 0.1
	done
	kill -CONT "$WALSND"
	wait "$p1" "$p2"
	echo "# pg_${how}_backend: the delivery answered $first, its retry" \
		"$retry, while the standby lacked the commit"
	[ "$first" != 200 ] && [ "$retry" != 200 ]
}
hole 900001 cancel
ok $? "pg_cancel_backend'd commit the standby lacks: no 200, nor to its retry"
hole 900002 terminate
ok $? "pg_terminate_backend'd commit the standby lacks: no 200 to its retry"
wait_for 60 "standby1|streaming|sync" q "$PG1" "$P1" \
	"SELECT application_name, state, sync_state FROM pg_stat_replication"
ok $? "the standby has caught up again, synchronous"

t_start=$(now_us)
SENDER_PIDS=()
for ((k = 0; k < SENDERS; k++)); do
	sender "$k" &
	SENDER_PIDS+=($!)
	at_exit "kill -TERM $! 2>/dev/null"
done

# --- mid-run: kill -9 the primary's postmaster, promote the standby ---
enough_200s() {
	[ "$(count_200)" -ge "$KILL_AFTER" ] && echo yes
}
wait_for 120 yes enough_200s
ok $? "$KILL_AFTER deliveries answered 200 before the failure"
# The worst moment for the primary to die: WAL has stopped reaching the
# standby (the primary's walsender paused: a stalled network) while
# deliveries go on.  Commits the standby lacks exist on the primary only;
# with a synchronous standby they wait and no 200 is answered for them
# (an asynchronous standby would acknowledge them, and lose them below).
WALSND=$(q "$PG1" "$P1" "SELECT pid FROM pg_stat_replication")
[ -n "$WALSND" ] || bail "the primary has no walsender"
t_stall=$(now_us)
kill -STOP "$WALSND"
at_stake() {	# at least 3 commits the standby lacks: waiting or answered
	local w a
	w=$(q "$PG1" "$P1" "SELECT count(*) FROM pg_stat_activity
		WHERE wait_event = 'SyncRep'") || return 1
	a=$(logs | awk -v t="$t_stall" 'NF == 6 && $4 == 200 && $5 > t' |
		wc -l)
	[ $((w + a)) -ge 3 ] && echo yes
}
wait_for 30 yes at_stake
ok $? "WAL stops reaching the standby while deliveries go on"
waiting=$(q "$PG1" "$P1" "SELECT count(*) FROM pg_stat_activity
	WHERE wait_event = 'SyncRep'")
pm=$(head -1 "$PG1/data/postmaster.pid")
ORPHANS=$(ps -o pid= --ppid "$pm" | tr '\n' ' ')
t_kill=$(now_us)
kill -KILL "$pm"
ok $? "kill -9 the primary's postmaster ($pm) under load"
# The paused walsender dies with its server: it sends nothing more.
kill -KILL "$WALSND"
# The outage is seen by the senders before the standby is promoted.
failed_since_kill() {
	[ "$(count_failed_after "$t_kill")" -gt 0 ] && echo yes
}
wait_for 30 yes failed_since_kill
ok $? "the senders get answers other than 200 while there is no primary"
t_promote=$(now_us)
pgctl "$PG2" promote
ok $? "pg_ctl promote: the standby is promoted"
wait_for 60 f q "$PG2" "$P2" "SELECT pg_is_in_recovery()"
ok $? "the new primary is out of recovery"
t_promoted=$(now_us)

done_senders=0
for p in "${SENDER_PIDS[@]}"; do
	wait "$p" && done_senders=$((done_senders + 1))
done
is "$done_senders" "$SENDERS" "every sender finished"
t_end=$(now_us)

# --- the counts ---
logs | awk 'NF == 6' >"$TMPD/attempts"
awk '{ print $1 }' "$TMPD/attempts" | sort -u >"$TMPD/sent"
awk '$4 == 200 { print $1 }' "$TMPD/attempts" | sort -u >"$TMPD/acked"
q "$PG2" "$P2" "SELECT id FROM showmojo.events ORDER BY id" |
	sort >"$TMPD/stored"
sent=$(wc -l <"$TMPD/sent")
acked=$(wc -l <"$TMPD/acked")
attempts=$(wc -l <"$TMPD/attempts")
answers_200=$(awk '$4 == 200' "$TMPD/attempts" | wc -l)
non200=$((attempts - answers_200))
stored=$(wc -l <"$TMPD/stored")
lost=$(comm -23 "$TMPD/acked" "$TMPD/stored" | wc -l)
missing=$(comm -23 "$TMPD/sent" "$TMPD/stored" | wc -l)
unknown=$(comm -13 "$TMPD/sent" "$TMPD/stored" | wc -l)
gave_up=$(logs | grep -c gave-up)
first_ms=$(awk -v t="$t_promote" '$4 == 200 && $6 >= t {
	d = $6 - t; if (m == "" || d < m) m = d }
	END { if (m == "") print -1; else print int(m / 1000) }' \
	"$TMPD/attempts")
echo "# sent: $sent events ($SENDERS senders, $SHOWINGS showings," \
	"2 web nodes of $WORKERS workers)"
echo "# attempts: $attempts; 200s: $answers_200; non-200 answers: $non200;" \
	"retries: $((attempts - sent)); gave up: $gave_up"
echo "# answers by status: $(awk '{ print $4 }' "$TMPD/attempts" | sort |
	uniq -c | awk '{ printf "%s%s x %s", s, $2, $1; s = ", " }')"
echo "# stored: $stored; lost (200 without a row): $lost; missing: $missing"
echo "# commits waiting for the standby when the primary died: $waiting"
echo "# kill -9 at $(((t_kill - t_start) / 1000)) ms into the run;" \
	"promotion took $(((t_promoted - t_promote) / 1000)) ms;" \
	"first 200 ${first_ms} ms after pg_ctl promote began;" \
	"run $(((t_end - t_start) / 1000)) ms"

is "$(awk -v a="$t_stall" -v b="$t_promote" '$4 == 200 && $5 > a &&
	$6 < b' "$TMPD/attempts" | wc -l)" 0 \
	"no 200 for a delivery begun while WAL did not reach the standby"
is "$gave_up" 0 "no event given up: each was answered 200 in the end"
is "$acked" "$sent" "every event sent got a 200 in the end"
is "$lost" 0 "lost = 0: every 200 is backed by a row on the new primary"
is "$missing/$unknown" 0/0 \
	"every event sent is stored on the new primary, nothing else"
is "$(q "$PG2" "$P2" "SELECT count(*) - count(DISTINCT id)
	FROM showmojo.events")" 0 "no duplicate event row"
is "$stored" "$sent" "stored = sent"
[ "$non200" -gt 0 ]
ok $? "the failover was under load: $non200 answers other than 200 were retried"
[ "$first_ms" -ge 0 ] && [ "$first_ms" -le "$RESUME_MAX_MS" ]
ok $? "deliveries resume within $RESUME_MAX_MS ms of the promotion ($first_ms)"
for n in 0 1; do
	is "$(awk -v n="$n" -v t="$t_promoted" '$3 == n && $4 == 200 &&
		$5 > t' "$TMPD/attempts" | wc -l | awk '{ print ($1 > 0) }')" 1 \
		"node $n stored deliveries on the new primary"
done
is "$(q "$PG2" "$P2" "SELECT count(*) FROM showmojo.showings s
	WHERE s.last_event_id IS DISTINCT FROM (SELECT e.id
	FROM showmojo.events e WHERE e.showing_uid = s.uid
	ORDER BY e.ord_num DESC LIMIT 1)")/$(q "$PG2" "$P2" \
	"SELECT count(*) FROM showmojo.showings")" "0/$SHOWINGS" \
	"each of the $SHOWINGS showings reflects its greatest event"
# Why the workers answered 500, as they logged it, by count.
grep -h 'database: ' "$TMPD"/log/node*.log | sed 's/.*database: //' |
	sed 's/[0-9][0-9]*/N/g' | sort | uniq -c | sort -rn | head -8 |
	sed 's/^ */# workers logged: /'

[ "$tap_failed" -eq 0 ] || tail -n 20 "$PG1/log" "$PG2/log" | sed 's/^/# /'
deploy_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The spool through an outage (SHOWMOJO_SPOOL): with the database stopped,
# 1,000 deliveries (new events of a few showings in random order,
# duplicates, invalid bodies) reach two FastCGI workers and are all
# answered 200 spooled.  The database comes back and "drain" stores them:
# every valid event once, every invalid body quarantined with its time of
# arrival, the showings equal to in-order delivery field by field, the
# spool empty.  Then a second outage, and its spool drained by two drains
# at once while the workers drain between live deliveries: no entry is
# processed twice.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/events.sh"
export SHOWMOJO_TOKENS=tok-spool
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster	# stopped and started below
new_db
. "$top_srcdir/tests/spool-lib.sh"
mkdir -m 0700 "$SHOWMOJO_SPOOL"
seed=${SEED:-$(date +%s)}
echo "# seed $seed (SEED=$seed reproduces)"
RANDOM=$seed

NVALID=500 NDUP=400 NBAD=100
gen_events "$TMPD/ev" mixed "$NVALID" 5
valid=("$TMPD"/ev/*.json)
mkdir "$TMPD/bad"
for i in $(seq "$NBAD"); do	# cut short: not JSON
	printf '{"event":{"id":"bad-%d","action":"upd' "$i" >"$TMPD/bad/$i.json"
done

# What in-order delivery gives, in a database of its own.
ref="${TEST_DB}_ref"
createdb -E UTF8 -T template0 "$ref" || bail "createdb failed"
SHOWMOJO_DB="dbname=$ref" "$SMW" migrate >/dev/null 2>&1 || bail "migrate failed"
SHOWMOJO_DB="dbname=$ref" "$SMW" ingest "${valid[@]}" >/dev/null 2>&1 ||
	bail "in-order ingest failed"
want=$(PGDATABASE=$ref sql "$SHOWINGS_DUMP")

{
	printf '%s\n' "${valid[@]}"
	printf '%s\n' "${valid[@]}" | shuf -n "$NDUP" -r --random-source=<(yes "$seed")
	printf '%s\n' "$TMPD"/bad/*.json
} | shuf --random-source=<(yes "$seed") >"$TMPD/list"
start_pool 2
own_cluster_ctl stop || bail "cannot stop the cluster"

t0=$(date +%s.%N)
send_all 4 <"$TMPD/list" >"$TMPD/answers"
t1=$(date +%s.%N)
sent=$(wc -l <"$TMPD/list")
n200=$(grep -c '^200 ' "$TMPD/answers")
spooled=$(grep -c '^200 {"status":"spooled"' "$TMPD/answers")
echo "# outage: $sent sent in $(echo "$t1 - $t0" | bc) s, $n200 answered 200, $spooled spooled"
is "$n200/$spooled" "$sent/$sent" "database stopped: all $sent deliveries answered 200 spooled"
is "$(spool_entries)" "$sent" "the spool holds $sent entries"
is "$(get_health | cut -c1-80)" \
	'503 {"status":"database unavailable","spooling":true,"spool_entries":1000}' \
	"the health answer says deliveries are being spooled"
grep -q 'outcome=spooled status=200' "$TMPD/w.log"
ok $? "the log line says outcome=spooled"

# The workers would drain on their own as well (spool-idle.sh): stopped,
# so that the counts below are the drain command's.
stop_pool
own_cluster_ctl start || bail "cannot start the cluster"
t0=$(date +%s.%N)
"$SMW" drain >"$TMPD/drain.out" 2>"$TMPD/drain.err"
rc=$?
t1=$(date +%s.%N)
rate=$(echo "$sent / ($t1 - $t0)" | bc)
sed 's/^/# /' "$TMPD/drain.out"
is "$rc" 0 "drain succeeds"
stored=$(sql "select count(*) from showmojo.events")
quarantined=$(sql "select count(*) from showmojo.quarantine")
ids=$(grep -oh '"id":"[^"]*"' "${valid[@]}" | cut -d'"' -f4 |
	sed "s/.*/'&'/" | paste -sd,)
lost=$(( NVALID - $(sql "select count(*) from showmojo.events where id in ($ids)") ))
lost=$(( lost + NBAD - $(sql "select count(distinct convert_from(body, 'UTF8'))
	from showmojo.quarantine where convert_from(body, 'UTF8') like '%bad-%'") ))
echo "# sent=$sent 200=$n200 spooled=$spooled stored=$stored quarantined=$quarantined lost=$lost"
echo "# drain rate: $rate deliveries/s"
is "$stored/$quarantined/$lost" "$NVALID/$NBAD/0" \
	"every valid event stored once, every invalid body quarantined, none lost"
is "$(grep -o '[0-9]* duplicate' "$TMPD/drain.out")" "$NDUP duplicate" \
	"the $NDUP duplicates were recognised as such"
is "$(sql "$SHOWINGS_DUMP")" "$want" "the showings equal in-order delivery, field by field"
is "$(spool_entries)/$(find "$SHOWMOJO_SPOOL" -type f ! -name '.*' | wc -l)" "0/0" "the spool is empty"
is "$(sql "select count(*) from showmojo.quarantine
	where received_at < to_timestamp($t0) and remote_addr = '127.0.0.1'
	and request_uri = '/showmojo' and content_type = 'application/json'")" \
	"$NBAD" "quarantined rows keep their time of arrival and request metadata"

# (d) A second outage; its spool drained by two drains at once while the
# workers store live deliveries and drain between them and on their own.
NRACE=300
mkdir "$TMPD/race" "$TMPD/live"
for i in $(seq "$NRACE"); do
	if [ $((i % 10)) -eq 0 ]; then
		printf '{"event":{"id":"race-bad-%d",' "$i"
	else
		printf '{"event":{"id":"race-%d","showing":{"uid":"r-%d"}}}' "$i" $((i % 7))
	fi >"$TMPD/race/$i.json"
	printf '{"event":{"id":"live-%d"}}' "$i" >"$TMPD/live/$i.json"
done
: >"$TMPD/w.log"
start_pool 2
own_cluster_ctl stop || bail "cannot stop the cluster"
ls "$TMPD"/race/*.json | send_all 4 >"$TMPD/race.answers"
is "$(grep -c '^200 {"status":"spooled"' "$TMPD/race.answers")" "$NRACE" \
	"second outage: $NRACE deliveries spooled"
own_cluster_ctl start || bail "cannot start the cluster"
"$SMW" drain >"$TMPD/d1.out" 2>"$TMPD/d1.err" &
d1=$!
"$SMW" drain >"$TMPD/d2.out" 2>"$TMPD/d2.err" &
d2=$!
ls "$TMPD"/live/*.json | send_all 2 >"$TMPD/live.answers"
wait "$d1" "$d2"
wait_spool_empty 120 || echo "# entries left: $(spool_entries)"
sed 's/^/# /' "$TMPD/d1.out" "$TMPD/d2.out"
cat "$TMPD/d1.err" "$TMPD/d2.err" "$TMPD/w.log" |
	sed -n 's/.* drain entry=\([^ ]*\) .*/\1/p' >"$TMPD/taken"
by_workers=$(grep -c ' drain entry=' "$TMPD/w.log")
echo "# entries taken: $(wc -l <"$TMPD/taken") ($by_workers by the workers)"
is "$(sort "$TMPD/taken" | uniq -d | wc -l)/$(wc -l <"$TMPD/taken")" "0/$NRACE" \
	"every entry taken exactly once by the two drains and the workers"
is "$(grep -c '^200 {"status":"stored"' "$TMPD/live.answers")" "$NRACE" \
	"live deliveries stored meanwhile"
is "$(sql "select count(*) from showmojo.events where id like 'race-%'")/$(
	sql "select count(*) from showmojo.quarantine where convert_from(body, 'UTF8') like '%race-bad-%'")" \
	"$((NRACE - NRACE / 10))/$((NRACE / 10))" \
	"each race event stored once, each invalid one quarantined once"
is "$(spool_entries)" 0 "the spool is empty"

PGDATABASE=postgres sql "drop database if exists \"$ref\" with (force)" >/dev/null
done_testing

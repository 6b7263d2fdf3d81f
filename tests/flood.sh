#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A flood of refused requests costs a bounded amount (lib/tally.h): about
# 1,000 requests a second, each with another bearer token, for
# FLOOD_SECONDS (60) against a real nginx and a pool of 4 FastCGI workers,
# while valid deliveries keep coming.  Checked: each worker writes its
# counts at most once every 10 s (a trigger of this test records every
# write's backend and time), the tables and the workers' log stay within a
# fixed size, every refused request is counted and every valid delivery
# stored.  The valid deliveries' p99 during the flood and alone are
# printed; with FLOOD_STRICT=1 (the benchmark's use, doc/performance.md)
# the first must be within 1.5 times the second.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"
command -v wrk >/dev/null || bail "wrk missing (Debian package wrk)"
SECS=${FLOOD_SECONDS:-60}
LUA="$top_srcdir/tests/flood.lua"

deploy_setup
# Every write to the counts: which backend, which transaction, when (an
# upsert fires both statement triggers: one write is one transaction).
sql "CREATE TABLE public.count_writes (pid int, tx bigint, at timestamptz);
CREATE FUNCTION public.count_write() RETURNS trigger LANGUAGE plpgsql AS
\$\$BEGIN INSERT INTO public.count_writes VALUES (pg_backend_pid(), txid_current(), clock_timestamp()); RETURN NULL; END\$\$;
CREATE TRIGGER count_write AFTER INSERT OR UPDATE ON showmojo.counts
FOR EACH STATEMENT EXECUTE FUNCTION public.count_write();" >/dev/null
start_pool 4
start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"
URL="http://127.0.0.1:$PORT$ENDPOINT"
http POST "$(delivery 1)"
is "$STATUS" 200 "the pool stores a delivery"

# run MODE CONNECTIONS DELAY-MS SECONDS PREFIX: one paced wrk run; prints
# its RESULT line.
run() {
	FLOOD_MODE=$1 FLOOD_DELAY_MS=$3 FLOOD_TOKEN=$TOKEN FLOOD_PREFIX=$5 \
		wrk -t1 -c"$2" -d"$4s" --timeout 10s -s "$LUA" "$URL" |
		grep '^RESULT'
}
field() {	# field NAME RESULT-LINE
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $2"
}

# Valid deliveries alone: 2 connections, a delivery every 50 ms each.
alone=$(run good 2 50 20 a)
echo "# alone: $alone"
is "$(field non2xx "$alone")/$(field sockerr "$alone")" 0/0 \
	"alone: every valid delivery answered 200"

lines0=$(wc -l <"$TMPD/log/workers.log")
sql "TRUNCATE public.count_writes"
run bad 13 11 "$SECS" x >"$TMPD/bad" &
bad_pid=$!
during=$(run good 2 50 "$SECS" d)
wait "$bad_pid"
bad=$(cat "$TMPD/bad")
echo "# flood: $bad"
echo "# valid during the flood: $during"
n=$(field requests "$bad")
rate=$((n * 1000000 / $(field duration_us "$bad")))
echo "# flood rate: $rate requests/s for $SECS s"
ok "$([ "$rate" -ge 500 ]; echo $?)" "the flood came at $rate requests/s (1,000 asked, 500 at least)"
is "$(field non2xx "$bad")" "$n" "every request of the flood refused"
is "$(field non2xx "$during")/$(field sockerr "$during")" 0/0 \
	"during the flood: every valid delivery answered 200"
# wrk counts the answers it got: a request in flight when it stops is
# stored but not counted (2 connections a run).
good=$(sql "SELECT count(*) FROM showmojo.events")
sent=$(($(field requests "$alone") + $(field requests "$during") + 1))
ok "$([ "$good" -ge "$sent" ] && [ "$good" -le $((sent + 4)) ]; echo $?)" \
	"...and stored ($good stored, $sent answered)"

# Every count written: the workers write what they hold when due, idle.
v=$(wait_sql 60 "SELECT 1 FROM showmojo.counts WHERE name = 'rejected:wrong_token' AND total = $n")
is "$v" 1 "all $n refusals counted"
v=$(wait_sql 60 "SELECT 1 FROM showmojo.counts WHERE name = 'deliveries:stored' AND total = $good")
is "$v" 1 "all $good valid deliveries counted"

# At most one write a worker every 10 s (the trigger fires per statement).
per=$(sql "SELECT pid, count(*), coalesce(min(gap), 99) FROM (
	SELECT pid, extract(epoch FROM at - lag(at) OVER (PARTITION BY pid ORDER BY at)) AS gap
	FROM (SELECT pid, tx, min(at) AS at FROM public.count_writes GROUP BY 1, 2) t) w
	GROUP BY pid ORDER BY pid")
echo "$per" | sed 's/^/# writes: backend|writes|shortest gap (s): /'
is "$(echo "$per" | awk -F'|' '$3 < 9.9 { print }')" "" \
	"no worker wrote twice within 10 s"
writes=$(sql "SELECT count(DISTINCT tx) FROM public.count_writes")
ok "$([ "$writes" -le $((4 * (SECS / 10 + 2) + 4)) ]; echo $?)" \
	"$writes writes for $n refusals: at most one a worker every 10 s"

# A fixed size: the fingerprints kept, the tables, the log.
is "$(sql "SELECT count(*) <= 16 + 8 FROM showmojo.refused_tokens")" t \
	"the fingerprints kept stay within 24 rows ($(sql "SELECT count(*) FROM showmojo.refused_tokens"))"
is "$(sql "SELECT count(*) <= 14 FROM showmojo.counts")" t \
	"the counters stay one row each"
size=$(sql "SELECT pg_total_relation_size('showmojo.refused_tokens') + pg_total_relation_size('showmojo.counts')")
ok "$([ "$size" -le 262144 ]; echo $?)" "the two tables hold $size bytes (256 kB at most)"
tail -n +$((lines0 + 1)) "$TMPD/log/workers.log" | awk '
	/ delivery event=/ { n["a delivery"]++; next }
	/ request method=/ { n["a refusal"]++; next }
	/ refused [0-9]+ more requests/ { n["the rest of an interval"]++; next }
	{ n["other"]++ }
	END { for (k in n) printf "# log lines: %s: %d\n", k, n[k] }'
lines=$(($(wc -l <"$TMPD/log/workers.log") - lines0))
echo "# workers' log: $lines lines for $n refusals and $((good - 1)) deliveries"
ok "$([ "$lines" -le $(((good - 1) + 4 * (SECS / 10 + 2) * 20)) ]; echo $?)" \
	"the log grows by the deliveries and a fixed number of lines per worker and interval"

p_alone=$(field p99_us "$alone")
p_during=$(field p99_us "$during")
echo "# p99 of valid deliveries: alone $p_alone us, during the flood $p_during us"
if [ "${FLOOD_STRICT:-0}" = 1 ]; then
	ok "$([ "$p_during" -le $((p_alone * 3 / 2)) ]; echo $?)" \
		"p99 during the flood within 1.5 times the p99 alone"
fi
deploy_done

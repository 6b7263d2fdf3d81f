#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Workers killed with SIGKILL, again and again, while they spool large
# deliveries (the database is stopped): every delivery answered 200 is
# stored after the drain, whole; nothing a killed writer left half-written
# is taken (no quarantine row, no damaged entry); the temporary files it
# left are removed once stale (a minute untouched, no writer holding them).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-crash
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
. "$top_srcdir/tests/spool-lib.sh"
mkdir -m 0700 "$SHOWMOJO_SPOOL"
KILLS=${KILLS:-30}
PAD=300000

# The worker, restarted whenever it dies, as a service manager would.
supervise() {
	while [ ! -e "$TMPD/stop" ]; do
		spawn-fcgi -n -s "$SOCK" -M 0600 -- "$SMW" 2>>"$TMPD/w.log" &
		echo $! >"$TMPD/worker.pid"
		wait $! 2>/dev/null
	done
}
pad=$(head -c "$PAD" /dev/zero | tr '\0' x)
mkdir "$TMPD/d"
for i in $(seq 250); do
	printf '{"event":{"id":"%d","action":"update","pad":"%s","showing":{"uid":"c-%d"}}}' \
		"$i" "$pad" $((i % 5)) >"$TMPD/d/$i.json"
done
own_cluster_ctl stop || bail "cannot stop the cluster"
supervise &
sup=$!
trap 'touch "$TMPD/stop"; kill "$(cat "$TMPD/worker.pid")" 2>/dev/null; wait "$sup"; cleanup' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done

# Senders, each its share of the deliveries, one after the other.
ls "$TMPD"/d/*.json | split -n r/3 - "$TMPD/share."
for s in "$TMPD"/share.*; do
	"$top_builddir/tests/tools/fcgi-load" "$SOCK" tok-crash - <"$s" >"$s.out" 2>/dev/null &
done
kills=0
while [ "$kills" -lt "$KILLS" ] && jobs -p | grep -qv "^$sup\$"; do
	sleep "0.$((1 + RANDOM % 4))$((RANDOM % 10))"
	if pid=$(cat "$TMPD/worker.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
done
wait $(jobs -p | grep -v "^$sup\$") 2>/dev/null	# the senders
cat "$TMPD"/share.*.out >"$TMPD/answers"

# And one writer killed, for certain, between the entry's header and its
# body: gdb stops the worker at its second write to a file other than
# stderr (the first is the header) and kills it there.
for _ in $(seq 100); do
	pid=$(cat "$TMPD/worker.pid") && [ -S "$SOCK" ] && break
	sleep 0.1
done
gdb -q -batch -p "$pid" -ex 'catch syscall write' -ex 'condition 1 $rdi > 2' \
	-ex 'ignore 1 1' -ex "shell touch $TMPD/attached" -ex continue -ex kill \
	>"$TMPD/gdb.out" 2>&1 &
gdb_pid=$!
for _ in $(seq 300); do [ -e "$TMPD/attached" ] && break; sleep 0.1; done
before=$(find "$SHOWMOJO_SPOOL" -name 'tmp-*' | wc -l)
printf '{"event":{"id":"9999","action":"update","pad":"%s"}}' "$pad" >"$TMPD/half.json"
echo "$TMPD/half.json" | "$top_builddir/tests/tools/fcgi-load" "$SOCK" tok-crash - \
	>>"$TMPD/answers" 2>/dev/null	# answered by the restarted worker
wait "$gdb_pid"
touch "$TMPD/stop"
# A writer takes its entry's whole size first (the spool's cap is
# reserved), so what it leaves half-written ends in the zeros it did not
# write over.
half=0
for f in "$SHOWMOJO_SPOOL"/tmp-*; do
	[ -e "$f" ] && [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 00 ] && half=$((half + 1))
done
ok "$([ "$half" -ge 1 ] && [ "$(find "$SHOWMOJO_SPOOL" -name 'tmp-*' | wc -l)" -gt "$before" ]; echo $?)" \
	"a writer killed between header and body left a half-written temporary file"
got200=$(grep -c '^200 {"status":"spooled"' "$TMPD/answers")
tmps=$(find "$SHOWMOJO_SPOOL" -name 'tmp-*' | wc -l)
echo "# $kills workers killed; $(ls "$TMPD"/d | wc -l) sent, $got200 answered 200 spooled, $(spool_entries) entries, $tmps temporary files left"
ok "$([ "$kills" -ge 10 ] && [ "$got200" -ge 250 ]; echo $?)" \
	"deliveries spooled while workers were killed ($kills kills, $got200 x 200)"

own_cluster_ctl start || bail "cannot start the cluster"
"$SMW" drain >"$TMPD/drain.out" 2>"$TMPD/drain.err"
is "$?" 0 "drain succeeds"
sed 's/^/# /' "$TMPD/drain.out"
# The worker drains on its own, too: an entry it holds is stored when it
# leaves the spool.
wait_spool_empty 120 || echo "# entries left: $(spool_entries)"
sed -n 's/^200 .*"event_id":"\([0-9]*\)".*/\1/p' "$TMPD/answers" | sort -u >"$TMPD/want"
is "$(wc -l <"$TMPD/want")" 251 "all 251 deliveries were answered 200 in the end"
sql "select id from showmojo.events order by 1" | sort -u >"$TMPD/stored"
is "$(comm -23 "$TMPD/want" "$TMPD/stored" | wc -l)" 0 \
	"every delivery answered 200 is stored"
is "$(sql "select count(*) from showmojo.events
	where length(payload->'event'->>'pad') <> $PAD")" 0 \
	"every stored delivery is whole"
is "$(sql "select count(*) from showmojo.quarantine")/$(find "$SHOWMOJO_SPOOL" -name 'bad-*' | wc -l)" \
	"0/0" "nothing partial was taken: no quarantine row, no damaged entry"
is "$(spool_entries)" 0 "every entry drained"
find "$SHOWMOJO_SPOOL" -name 'tmp-*' -exec touch -d '-2 min' {} +
"$SMW" drain >/dev/null 2>"$TMPD/drain2.err"
is "$(find "$SHOWMOJO_SPOOL" -type f ! -name '.*' | wc -l)" 0 \
	"the temporary files killed writers left are removed once stale: the spool is empty"

done_testing

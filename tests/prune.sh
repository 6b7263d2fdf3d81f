#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# prune --personal-older-than DAYS, through the real binary, while
# deliveries go on: 4000 showings whose last event is 400 days old (three
# events each), 50 recent ones, quarantined deliveries old, replayed and
# recent.  Three clients keep delivering to two FastCGI workers the whole
# time: new events for old showings, and retries of old events just ahead
# of where prune is.  Every delivery is answered 200 and stored, none
# takes more than 100 ms longer than the longest of 1000 deliveries
# without prune (the workers' own log says how long each took; the
# longest is printed as a TAP comment), the old showings
# and their events lose their personal fields, the recent ones keep
# them, the quarantine keeps only what is recent and pending; a run cut
# off half-way records what it did and the next one finishes.  Progress
# shows on a terminal only; the shipped systemd units verify.
. "$(dirname "$0")/lib.sh"
export SHOWMOJO_TOKENS=tok-prune
LOAD="$top_builddir/tests/tools/fcgi-load"
new_db
chmod 0755 "$TMPD"
OLD=4000

q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "SET search_path = showmojo" -c "$1"; }

# The old showings, stored by ingest() itself (the fast way to make many),
# then aged: prune walks them in the order of their last delivery, here
# old-1, old-2, ...
q "SELECT count(ingest(jsonb_build_object('event', jsonb_build_object(
	'id', 'o' || n || '-' || k, 'action', 'update',
	'created_at', '2025-10-01T12:00:00Z',
	'showing', jsonb_build_object('uid', 'old-' || n,
	    'name', 'Old Person ' || n, 'email', 'old' || n || '@example.com',
	    'phone', '+1 (555) 7' || lpad(n::text, 6, '0'),
	    'notes', 'gate code ' || n, 'listing_uid', 'lst-' || n % 7)))))
    FROM generate_series(1, $OLD) n, generate_series(1, 3) k" >/dev/null
q "UPDATE showings SET last_seen_at = now() - interval '400 days' +
	substr(uid, 5)::integer * interval '1 ms'"
q "SELECT count(ingest(jsonb_build_object('event', jsonb_build_object(
	'id', 'r' || n, 'action', 'create',
	'showing', jsonb_build_object('uid', 'recent-' || n,
	    'name', 'Recent Person ' || n, 'email', 'recent' || n || '@example.com')))))
    FROM generate_series(1, 50) n" >/dev/null
for i in 1 2 3 4 5 6 7 8 9; do
	post "not json $i"
done
q "UPDATE quarantine SET replayed_at = now(), replay_result = 'stored'
	WHERE id IN (SELECT id FROM quarantine ORDER BY id LIMIT 3)"
q "UPDATE quarantine SET received_at = now() - interval '400 days'
	WHERE id IN (SELECT id FROM quarantine ORDER BY id OFFSET 3 LIMIT 3)"
is "$(q "SELECT (SELECT count(*) FROM showings), (SELECT count(*) FROM events),
    (SELECT count(*) FROM quarantine)")" "$((OLD + 50))|$((OLD * 3 + 50))|9" \
	"$OLD old showings with 3 events each, 50 recent ones, 9 quarantined"

# Two FastCGI workers and three clients.  Two streams of new events:
# delivery i goes to showing old-i and carries a name (so it brings
# personal data back: the showing is then recent and keeps it).  And a
# chaser: retries of old events (duplicates) of the showings just ahead
# of where prune is, so that deliveries meet the rows it holds.
spawn-fcgi -s "$TMPD/w.sock" -M 0600 -F 2 -P "$TMPD/w.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null ||
	bail "spawn-fcgi failed"
trap 'kill $(cat "$TMPD/w.pid" 2>/dev/null) 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -S "$TMPD/w.sock" ] && break; sleep 0.1; done
stream() {	# stream K STOPFILE: deliveries old-(K*1000+...), 10 at a time
	local k=$1 stop=$2 j=0
	printf '{"event":{"id":"live-%s-@ID@","action":"update","created_at":"2026-11-18T12:00:00Z","showing":{"uid":"old-@ID@","name":"Live Person","email":"live@example.com"}}}' \
		"$k" >"$TMPD/tmpl$k"
	while [ ! -e "$stop" ]; do
		"$LOAD" "$TMPD/w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmpl$k" 10 \
			$((k * 1000 + j * 10 + 1)) >>"$TMPD/load$k.out" 2>&1 ||
			echo "stream $k: a request not answered 200" >>"$TMPD/load$k.out"
		j=$((j + 1))
	done
}
chaser() {	# chaser STOPFILE: 20 retries ahead of prune, again and again
	local stop=$1 at
	printf '{"event":{"id":"o@ID@-2","action":"update","showing":{"uid":"old-@ID@"}}}' \
		>"$TMPD/tmplc"
	while [ ! -e "$stop" ]; do
		at=$(q "SELECT coalesce(max(substr(uid, 5)::integer), 0) FROM showings
			WHERE uid LIKE 'old-%' AND erased_at IS NOT NULL")
		[ "$at" -lt "$OLD" ] || break
		# Old events only: none past old-$OLD.
		"$LOAD" "$TMPD/w.sock" "$SHOWMOJO_TOKENS" "$TMPD/tmplc" \
			$((OLD - at < 20 ? OLD - at : 20)) \
			$((at + 1)) >>"$TMPD/loadc.out" 2>&1 ||
			echo "chaser: a request not answered 200" >>"$TMPD/loadc.out"
	done
}
delivery_ms() {	# delivery_ms LOGFILE: ms= of each delivery answered 200
	sed -n 's/.*delivery event=.* status=200 ms=\([0-9.]*\).*/\1/p' "$1"
}

# The usual time: the same streams without prune, on showings that are
# not old (ids past the old ones).
for k in 4 5; do stream "$k" "$TMPD/stop0" & done
for _ in $(seq 1200); do
	[ "$(grep -c 'delivery event=live-' "$TMPD/w.log" 2>/dev/null)" -ge 1000 ] && break
	sleep 0.1
done
touch "$TMPD/stop0"
wait
cp "$TMPD/w.log" "$TMPD/base.log"
: >"$TMPD/w.log"
usual_max=$(delivery_ms "$TMPD/base.log" | sort -n | tail -1)
usual_med=$(delivery_ms "$TMPD/base.log" | sort -n |
	awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "# usual delivery time: median ${usual_med} ms, longest ${usual_max} ms ($(delivery_ms "$TMPD/base.log" | wc -l) deliveries)"

# prune while the clients deliver.
for k in 0 2; do stream "$k" "$TMPD/stop" & done
chaser "$TMPD/stop" &
for _ in $(seq 600); do
	[ "$(grep -c 'delivery event=live-' "$TMPD/w.log")" -ge 20 ] && break
	sleep 0.1
done
"$SMW" prune --personal-older-than 30 >"$TMPD/prune.out" 2>"$TMPD/prune.err"
prc=$?
live_at_end=$(grep -c 'delivery event=live-' "$TMPD/w.log")
touch "$TMPD/stop"
wait
is "$prc" 0 "prune exits 0"
sed 's/^/# /' "$TMPD/prune.out" "$TMPD/prune.err"
ok "$(grep -c . "$TMPD/prune.err")" "prune writes nothing to stderr when it is not a terminal"

sent=$(cat "$TMPD"/load[02].out | awk '/^sent / { n += $2 } END { print n + 0 }')
retries=$(awk '/^sent / { n += $2 } END { print n + 0 }' "$TMPD/loadc.out")
is "$(cat "$TMPD"/load[02c].out | grep -vc '^sent [0-9]*, status 200: [0-9]*, other: 0$')" 0 \
	"every delivery during prune answered 200 ($sent new events, $retries retries)"
is "$(grep -c 'delivery event=o[0-9]*-2 .* outcome=duplicate status=200' "$TMPD/w.log")" \
	"$retries" "every retry of an old event is a duplicate"
grep 'delivery event=o[0-9]*-2 ' "$TMPD/w.log" | grep -v 'outcome=duplicate' |
	sed 's/^/#   not a duplicate: /'

is "$(q "SELECT count(*) FROM events WHERE id ~ '^live-[02]-'")" "$sent" \
	"every delivery during prune stored"
ok "$([ "$live_at_end" -gt 40 ]; echo $?)" \
	"deliveries went on all through prune ($live_at_end while it ran)"
longest=$(delivery_ms "$TMPD/w.log" | sort -n | tail -1)
waited=$(awk -v a="$longest" -v b="$usual_med" 'BEGIN { printf "%.1f", a - b }')
sed -n 's/.*delivery event=o[0-9]*-2 .* ms=\([0-9.]*\).*/\1/p' "$TMPD/w.log" | sort -n |
	awk '{ a[NR] = $1 } END { printf "# retries ahead of prune: %d, median %s ms, 90th percentile %s ms, longest %s ms\n", NR, a[int((NR + 1) / 2)], a[int(NR * 0.9)], a[NR] }'
slow=$(delivery_ms "$TMPD/w.log" | awk -v m="$usual_max" '$1 > m { n++ } END { print n + 0 }')
echo "# during prune: $(delivery_ms "$TMPD/w.log" | wc -l) deliveries, $slow slower than the usual longest, longest ${longest} ms: the longest a live delivery waited was about ${waited} ms (usual median ${usual_med} ms)"
ok "$(awk -v a="$longest" -v b="$usual_max" 'BEGIN { print !(a <= b + 100) }')" \
	"no delivery took more than 100 ms longer than the usual longest (${longest} <= ${usual_max} + 100)"

# What prune did.
touched="SELECT showing_uid FROM events WHERE id LIKE 'live-%'"
is "$(q "SELECT count(*) FROM showings WHERE uid LIKE 'old-%'
	AND uid NOT IN ($touched)
	AND (name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL
	    OR notes IS NOT NULL OR snapshot->>'name' IS NOT NULL OR snapshot->>'email' IS NOT NULL)")" 0 \
	"every old showing no delivery touched has lost its personal fields"
is "$(q "SELECT count(*) FROM events e WHERE e.id LIKE 'o%'
	AND e.showing_uid NOT IN ($touched)
	AND (payload #>> '{event,showing,name}' IS NOT NULL
	    OR payload #>> '{event,showing,email}' IS NOT NULL
	    OR payload #>> '{event,showing,phone}' IS NOT NULL
	    OR payload #>> '{event,showing,notes}' IS NOT NULL)")" 0 \
	"and so have their events"
is "$(q "SELECT count(*) FROM showings WHERE uid LIKE 'old-%' AND listing_uid IS NOT NULL
	AND last_event_id LIKE 'o%-3'")" "$(q "SELECT count(*) FROM showings
	WHERE uid LIKE 'old-%' AND uid NOT IN ($touched)")" \
	"their facts (listing, last event) stay"
is "$(q "SELECT count(*) FROM showings WHERE uid IN ($touched) AND name = 'Live Person'")" \
	"$(q "SELECT count(DISTINCT showing_uid) FROM events WHERE id LIKE 'live-%'")" \
	"a showing that a delivery touched has what that delivery carried"
is "$(q "SELECT count(*) FROM showings WHERE uid LIKE 'recent-%'
	AND name LIKE 'Recent Person %' AND email LIKE 'recent%'")" 50 \
	"recent showings keep their personal fields"
is "$(q "SELECT count(*), count(*) FILTER (WHERE replayed_at IS NULL
	AND received_at > now() - interval '1 day') FROM quarantine")" "3|3" \
	"the quarantine keeps only recent, pending deliveries"
erased=$(q "SELECT count(*) FROM showings WHERE uid LIKE 'old-%' AND erased_at IS NOT NULL")
is "$(q "SELECT command, older_than_days, showings, quarantine FROM erasures")" \
	"prune|30|$erased|6" "the run is recorded in erasures"
like() { case $1 in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; echo "#   got: $1" ;; esac; }
like "$(cat "$TMPD/prune.out")" "prune: personal data older than 30 days: erased in showings $erased, events " \
	"prune prints what it erased"

# Twice: nothing left, nothing recorded.
"$SMW" prune --personal-older-than 30 >"$TMPD/prune2.out" 2>&1
like "$?:$(cat "$TMPD/prune2.out")" "0:prune: personal data older than 30 days: erased in showings 0, events 0; quarantine 0 deleted;" \
	"a second run finds nothing"
like "$(cat "$TMPD/prune2.out")" "nothing recorded" "and records nothing"

# A terminal shows progress.
q "UPDATE showings SET last_seen_at = now() - interval '400 days' WHERE uid LIKE 'recent-%'"
script -qec "\"$SMW\" prune --personal-older-than 30" /dev/null >"$TMPD/tty.out" 2>&1
like "$(tr '\r' '\n' <"$TMPD/tty.out")" "prune: showings 50, events 50, quarantine 0" \
	"on a terminal, prune shows its progress"

# A run cut off half-way (its connection killed, as a restart of the
# database would): it says so, exits 1, records what its committed batches
# erased, and the next run finishes the work.  Another session holds the
# events of the last showing prune walks to, so the run is stopped there,
# after its earlier batches committed, whatever the machine's speed.
q "UPDATE showings SET last_seen_at = now() - interval '400 days'" >/dev/null
todo=$(q "SELECT count(*) FROM showings WHERE name IS NOT NULL")
mkfifo "$TMPD/hold"
PGAPPNAME=smw-prune-holder psql -X -q <"$TMPD/hold" >/dev/null 2>&1 &
holder=$!
exec 8>"$TMPD/hold"
echo "BEGIN; SELECT FROM showmojo.events WHERE showing_uid = (SELECT max(uid)
	FROM showmojo.showings WHERE name IS NOT NULL) FOR UPDATE;" >&8
wait_sql 60 "SELECT 1 FROM pg_stat_activity WHERE application_name =
	'smw-prune-holder' AND state = 'idle in transaction'" >/dev/null ||
	bail "the holder did not lock the last showing's events"
"$SMW" prune --personal-older-than 30 >"$TMPD/cut.out" 2>"$TMPD/cut.err" &
cut=$!
wait_sql 120 "SELECT 1 FROM pg_stat_activity WHERE datname =
	current_database() AND query LIKE '%prune_showings%' AND
	wait_event_type = 'Lock' AND pid <> pg_backend_pid()" >/dev/null
ok $? "prune reaches the showing held by another session and waits"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE datname = current_database() AND query LIKE '%prune_showings%'
	AND pid <> pg_backend_pid()" >/dev/null
wait "$cut"
crc=$?
echo ROLLBACK >&8
exec 8>&-
wait "$holder"
left=$(q "SELECT count(*) FROM showings WHERE name IS NOT NULL")
sed 's/^/# /' "$TMPD/cut.err"
is "$crc:$([ "$left" -gt 0 ] && [ "$left" -lt "$todo" ]; echo $?)" "1:0" \
	"a prune cut off exits 1, $((todo - left)) of $todo showings done"
like "$(cat "$TMPD/cut.err")" "prune: recorded as erasure" \
	"and records what it erased"
is "$(q "SELECT showings FROM erasures ORDER BY id DESC LIMIT 1")" \
	"$((todo - left))" "the record counts the showings erased before the cut"
"$SMW" prune --personal-older-than 30 >"$TMPD/after.out" 2>&1
is "$?:$(q "SELECT count(*) FROM showings WHERE name IS NOT NULL")" "0:0" \
	"the next run erases the rest"

# Arguments.
"$SMW" prune >/dev/null 2>&1
is "$?" 2 "prune without DAYS: usage, exit 2"
"$SMW" prune --personal-older-than 0 >/dev/null 2>&1
is "$?" 2 "prune --personal-older-than 0 is refused"

# The daily timer.
for u in showmojo-webhook-prune.service showmojo-webhook-prune.timer; do
	sed "s|/usr/local/bin/showmojo-webhook|$SMW|g" "$top_srcdir/deploy/systemd/$u" >"$TMPD/$u"
done
verify_units "the prune service and timer" \
	"$TMPD/showmojo-webhook-prune.timer" "$TMPD/showmojo-webhook-prune.service"
grep -q '^ExecStart=.*showmojo-webhook prune --personal-older-than' \
	"$top_srcdir/deploy/systemd/showmojo-webhook-prune.service"
ok $? "the service runs prune"

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No poison in the spool: odd files named like entries at its head (a
# directory, a FIFO, a symbolic link, a truncated entry, an entry owned by
# another user) are set aside as bad-*, each with one log line naming it
# and why, and the valid entries behind them are stored; the drain never
# blocks on them.  A drained delivery keeps the time it arrived
# (events.received_at), and a body already in the quarantine keeps its
# first arrival and its replay when it comes back through the drain.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-odd
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
mkdir -m 0700 "$SHOWMOJO_SPOOL"

spool() {	# spool BODY-TEXT: spooled (the database unreachable for it)
	SHOWMOJO_DB="host=$TMPD/nowhere" post "$1"
	case "$STATUS $BODY" in '200 {"status":"spooled"'*) ;;
	*) bail "not spooled: $STATUS $BODY" ;; esac
}
for i in 1 2 3; do
	spool "{\"event\":{\"id\":\"odd-$i\",\"showing\":{\"uid\":\"o-$i\"}}}"
done
first=$(cd "$SHOWMOJO_SPOOL" && ls e-* | head -1)
head="e-0000000001.000000-1"
mkdir "$SHOWMOJO_SPOOL/$head-0"
mkfifo "$SHOWMOJO_SPOOL/$head-1"
ln -s /etc/passwd "$SHOWMOJO_SPOOL/$head-2"
head -c 40 "$SHOWMOJO_SPOOL/$first" >"$SHOWMOJO_SPOOL/$head-3"
cp "$SHOWMOJO_SPOOL/$first" "$SHOWMOJO_SPOOL/$head-4"
# Another user's copy of a valid entry: its checksum holds, its owner not.
[ "$(id -u)" -ne 0 ] || chown nobody "$SHOWMOJO_SPOOL/$head-4"

timeout 60 "$SMW" drain >"$TMPD/drain.out" 2>"$TMPD/drain.err"
rc=$?
sed 's/^/# /' "$TMPD/drain.out"
is "$rc" 0 "drain finishes, not held by a FIFO (exit 0)"
is "$(cut -d';' -f1 "$TMPD/drain.out")" \
	"drain: 3 stored, $([ "$(id -u)" -eq 0 ] && echo 0 || echo 1) duplicate, 0 quarantined, 0 left, 0 set aside" \
	"the three valid entries behind the odd ones are stored"
is "$(sql "select count(*) from showmojo.events where id like 'odd-%'")" 3 \
	"three events in the log"
why() { grep "$head-$1 set aside as bad-$head-$1: " "$TMPD/drain.err" | sed 's/.*: //'; }
is "$(why 0)" "not a regular file" "a directory is set aside: not a regular file"
is "$(why 1)" "not a regular file" "a FIFO is set aside: not a regular file"
ok "$(grep -q "$head-2 set aside as bad-$head-2: cannot be opened" "$TMPD/drain.err"; echo $?)" \
	"a symbolic link is set aside: cannot be opened"
is "$(grep -c "$head-3 set aside as bad-$head-3: damaged" "$TMPD/drain.err")" 1 \
	"a truncated entry is set aside: damaged"
if [ "$(id -u)" -eq 0 ]; then
	ok "$(grep -q "$head-4 set aside as bad-$head-4: owned by uid" "$TMPD/drain.err"; echo $?)" \
		"an entry owned by another user is set aside, checksum or not"
fi
is "$(cd "$SHOWMOJO_SPOOL" && ls | grep -c '^bad-')" \
	"$([ "$(id -u)" -eq 0 ] && echo 5 || echo 4)" "each odd file renamed bad-*, out of the drain's way"
"$SMW" check >"$TMPD/check" 2>&1
ok "$(grep -q "set aside as damaged" "$TMPD/check"; echo $?)" "check counts them"

# Arrival times: spooled, drained 3 s later.
rm -rf "${SHOWMOJO_SPOOL:?}"/*
spool '{"event":{"id":"late-1","showing":{"uid":"late"}}}'
arrived=$(date +%s)
printf 'not json at all' >"$TMPD/bad.json"
cgi POST "$TMPD/bad.json"
qid=$(printf '%s' "$BODY" | sed -n 's/.*"quarantine_id":\([0-9]*\).*/\1/p')
[ -n "$qid" ] || bail "not quarantined: $BODY"
sql "update showmojo.quarantine set received_at = now() - interval '1 day',
	replayed_at = now() - interval '1 hour', replay_result = 'tried'
	where id = $qid" >/dev/null
SHOWMOJO_DB="host=$TMPD/nowhere" cgi POST "$TMPD/bad.json"
is "$STATUS $BODY" "200 {\"status\":\"spooled\"}" "an invalid body spooled while the database is away"
sleep 3	# the drain comes later than the arrival; what is compared is time
"$SMW" drain >"$TMPD/drain2.out" 2>/dev/null
is "$(cut -d';' -f1 "$TMPD/drain2.out")" \
	"drain: 1 stored, 0 duplicate, 1 quarantined, 0 left, 0 set aside" "both drained"
is "$(sql "select abs(extract(epoch from received_at) - $arrived) < 2
	from showmojo.events where id = 'late-1'")" t \
	"a drained event keeps the time it arrived, not the drain's"
is "$(sql "select received_at < now() - interval '23 hours', replayed_at is not null,
	replay_result, deliveries from showmojo.quarantine where id = $qid")" \
	"t|t|tried|2" "a body already quarantined keeps its first arrival and its replay"

# A directory the program cannot trust is refused at start, by name.
chmod 0777 "$SHOWMOJO_SPOOL"
post '{"event":{"id":"open-1"}}'
is "$STATUS" 503 "a world-writable spool: the delivery is refused (503, misconfigured)"
ok "$(grep -q "SHOWMOJO_SPOOL=$SHOWMOJO_SPOOL: is writable by every user (mode 0777)" "$TMPD/stderr"; echo $?)" \
	"the log names the path and what is wrong"
"$SMW" check >"$TMPD/check" 2>&1
ok "$([ $? -ne 0 ] && grep -q "is writable by every user" "$TMPD/check"; echo $?)" \
	"check says the same and fails"
chmod 0700 "$SHOWMOJO_SPOOL"
ln -s "$SHOWMOJO_SPOOL" "$TMPD/spool-link"
SHOWMOJO_SPOOL="$TMPD/spool-link" post '{"event":{"id":"open-2"}}'
ok "$([ "$STATUS" = 503 ] && grep -q "is a symbolic link" "$TMPD/stderr"; echo $?)" \
	"a spool named through a symbolic link is refused"
done_testing

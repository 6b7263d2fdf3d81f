#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Erasure reaches the spool.  A person's deliveries wait in the spool (one
# due, one whose next try is later), one was set aside damaged, one is a
# writer's half-written leftover, and someone else's waits too.  forget
# --email drains what is due into the tables and erases the person there,
# erases the spool files that hold them (and only those), counts them in
# its record, and a later drain brings nothing back.  prune
# --personal-older-than erases the spool files that arrived before the
# retention period and records them.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-forget
export SHOWMOJO_SPOOL="$TMPD/spool"
own_cluster
new_db
mkdir -m 0700 "$SHOWMOJO_SPOOL"

spool() {	# spool BODY-TEXT: spooled, the database unreachable for it
	SHOWMOJO_DB="host=$TMPD/nowhere" post "$1"
	case "$STATUS $BODY" in '200 {"status":"spooled"'*) ;;
	*) bail "not spooled: $STATUS $BODY" ;; esac
	ls -t "$SHOWMOJO_SPOOL" | grep '^e-' | head -1
}
jo() {	# jo ID [UID]: a delivery of Jo's
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"%s","name":"Jo Doe","email":"Jo@Example.com","phone":"+1 (555) 010-7777"}}}' "$1" "${2:-s-jo}"
}
post "$(jo 1)"
is "$STATUS" 200 "Jo's first delivery stored"
spool "$(jo 2)" >/dev/null
later=$(spool "$(jo 3 s-jo2)")
# Its next try is far off (the schedule line, fixed width, outside the
# checksum): the drain leaves it, forget must still find it.
sed -i '2s/.*/tries 01 next 9999999999/' "$SHOWMOJO_SPOOL/$later"
damaged=$(spool "$(jo 4)")
head -c 300 "$SHOWMOJO_SPOOL/$damaged" >"$SHOWMOJO_SPOOL/bad-$damaged"
rm "$SHOWMOJO_SPOOL/$damaged"
printf 'showmojo-spool 2\n%s' "$(jo 5)" | head -c 200 >"$SHOWMOJO_SPOOL/tmp-99999-1-1"
spool '{"event":{"id":"ann-1","action":"update","showing":{"uid":"s-ann","name":"Ann Roe","email":"ann@example.com"}}}' >/dev/null
holds_jo() { grep -rlai 'jo@example.com\|555) 010-7777' "$SHOWMOJO_SPOOL" | wc -l; }
is "$(holds_jo)" 4 "four spool files hold Jo"

"$SMW" forget --dry-run --email jo@example.com >"$TMPD/dry" 2>&1
sed 's/^/# /' "$TMPD/dry"
ok "$(grep -q 'spool 4; nothing changed' "$TMPD/dry"; echo $?)" "--dry-run counts the four spool files, changes nothing"
is "$(holds_jo)" 4 "after --dry-run: still there"

"$SMW" forget --email jo@example.com >"$TMPD/forget" 2>"$TMPD/forget.err"
is "$?" 0 "forget succeeds"
sed 's/^/# /' "$TMPD/forget"
id=$(sed -n 's/.*recorded as erasure \([0-9]*\)$/\1/p' "$TMPD/forget")
ok "$(grep -q 'spool 3; recorded as erasure' "$TMPD/forget"; echo $?)" \
	"forget erases the three spool files left that hold Jo (one was drained)"
is "$(holds_jo)" 0 "no spool file holds Jo"
is "$(sql "select spool from showmojo.erasures where id = ${id:-0}")" 3 "the erasure record counts them"
is "$(sql "select count(*) from showmojo.events where id = 'ann-1'")/$(ls "$SHOWMOJO_SPOOL" | grep -c .)" \
	"1/0" "Ann's delivery drained and stored; nothing else left"
"$SMW" drain >/dev/null 2>&1
is "$(sql "select count(*) from showmojo.events where payload::text ilike '%jo@example.com%'
	or payload::text like '%010-7777%'")/$(sql "select count(*) from showmojo.showings
	where email ilike 'jo@%' or name = 'Jo Doe'")" "0/0" "a later drain brings nothing of Jo back"

# prune: files that arrived before the retention period, by the time an
# entry holds, or the file's time for what is not a whole entry.
"$top_builddir/tests/tools/spool-fill" "$SHOWMOJO_SPOOL" 1 old $((3 * 86400)) ||
	bail "spool-fill failed"
new=$(spool "$(jo 7 s-new)")
recent=$(spool "$(jo 8 s-recent)")
mv "$SHOWMOJO_SPOOL/$recent" "$SHOWMOJO_SPOOL/bad-$recent"
touch -d '-3 days' "$SHOWMOJO_SPOOL/bad-$recent"	# its entry's time counts
printf 'half' >"$SHOWMOJO_SPOOL/tmp-99999-2-2"
touch -d '-3 days' "$SHOWMOJO_SPOOL/tmp-99999-2-2"
"$SMW" prune --personal-older-than 2 >"$TMPD/prune" 2>&1
is "$?" 0 "prune succeeds"
sed 's/^/# /' "$TMPD/prune"
ok "$(grep -q 'spool 2 erased' "$TMPD/prune"; echo $?)" \
	"prune erases the entry that arrived 3 days ago and the old leftover"
is "$(ls "$SHOWMOJO_SPOOL" | sort | tr '\n' ' ')" "bad-$recent $new " \
	"the recent ones stay, a set-aside entry by the time it holds"
is "$(sql "select spool from showmojo.erasures where command = 'prune' order by id desc limit 1")" 2 \
	"the prune record counts them"
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A spool that cannot take a delivery answers 500, as if there were no
# spool, and keeps nothing of it: on a small file system that is full, at
# SHOWMOJO_SPOOL_MAX, in a directory that does not exist.  Once space is
# freed, deliveries are spooled (200) again; after the drain every
# delivery answered 200 is stored, and the retries of the ones answered
# 500 are too: nothing lost.  Needs root (it mounts a tmpfs).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-full
[ "$(id -u)" -eq 0 ] || bail "mounting a small file system needs root"
own_cluster
new_db
mnt="$TMPD/spool"
mkdir -p "$mnt"
mount -t tmpfs -o size=128k,mode=0700 tmpfs "$mnt" || bail "cannot mount a tmpfs"
trap 'umount "$mnt" 2>/dev/null; cleanup' EXIT
export SHOWMOJO_SPOOL="$mnt"

delivery() {	# delivery ID: a file to post
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"full","name":"n-%s"}}}' \
		"$1" "$1" >"$TMPD/$1.json"
	echo "$TMPD/$1.json"
}
own_cluster_ctl stop || bail "cannot stop the cluster"

cgi POST "$(delivery 1)"
is "$STATUS $BODY" '200 {"status":"spooled","event_id":"1"}' "database down: spooled"
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
cgi POST "$(delivery 2)"
is "$STATUS" 500 "spool on a full file system: 500"
grep -q 'No space left on device' "$TMPD/stderr"
ok $? "the log says the spool's disk is full"
is "$(find "$mnt" -name 'e-*' -o -name 'tmp-*' | wc -l)" 1 \
	"nothing of the refused delivery is left in the spool"
rm -f "$mnt/filler"
cgi POST "$(delivery 3)"
is "$STATUS $BODY" '200 {"status":"spooled","event_id":"3"}' "space freed: spooled again"

size=$(du -cb "$mnt"/e-* | tail -1 | cut -f1)
SHOWMOJO_SPOOL_MAX=$((size + 200)) cgi POST "$(delivery 4)"
is "$STATUS" 500 "SHOWMOJO_SPOOL_MAX reached: 500"
grep -q 'full.*SHOWMOJO_SPOOL_MAX' "$TMPD/stderr"
ok $? "the log names SHOWMOJO_SPOOL_MAX"
SHOWMOJO_SPOOL="$TMPD/missing" cgi POST "$(delivery 5)"
is "$STATUS" 500 "spool directory missing: 500"

own_cluster_ctl start || bail "cannot start the cluster"
"$SMW" drain >"$TMPD/drain.out" 2>"$TMPD/drain.err"
is "$?/$(cat "$TMPD/drain.out" | cut -d';' -f1)" \
	"0/drain: 2 stored, 0 duplicate, 0 quarantined, 0 left, 0 set aside" "the drain stores the two spooled deliveries"
for i in 2 4 5; do	# the sender retries what got 500
	cgi POST "$TMPD/$i.json"
	[ "$STATUS" = 200 ] || echo "# retry of $i: $STATUS"
done
is "$(sql "select string_agg(id, ',' order by id) from showmojo.events")" "1,2,3,4,5" \
	"nothing lost: the spooled ones drained, the refused ones stored on retry"
is "$(find "$mnt" -type f ! -name '.*' | wc -l)" 0 "the spool is empty"

done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full disk: the event table lives on a small file system that is then
# filled.  The delivery is answered 500 (SQLSTATE class 53: a retry can
# cure it), not quarantined; once space is freed, the retry is stored.
# Needs root (it mounts a tmpfs) and a superuser connection (tablespace).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-full
[ "$(id -u)" -eq 0 ] || bail "mounting a small file system needs root"
new_db

ts="smw_full_$$"
mnt="$TMPD/full"
mkdir -p "$mnt"
chmod 0755 "$TMPD"
mount -t tmpfs -o "size=2m,mode=0700,uid=$(id -u postgres)" tmpfs "$mnt" ||
	bail "cannot mount a tmpfs"
trap 'PGDATABASE=postgres sql "drop database if exists \"$TEST_DB\" with (force)" >/dev/null 2>&1
	PGDATABASE=postgres sql "drop tablespace if exists $ts" >/dev/null 2>&1
	umount "$mnt" 2>/dev/null; cleanup' EXIT
sql "create tablespace $ts location '$mnt'" >/dev/null || bail "create tablespace failed"
sql "alter table showmojo.events set tablespace $ts;
	alter index showmojo.events_pkey set tablespace $ts" >/dev/null
sql "create table showmojo.filler (x text) tablespace $ts;
	alter table showmojo.filler alter x set storage plain" >/dev/null
for _ in $(seq 100); do
	sql "insert into showmojo.filler select repeat('x', 1000)
		from generate_series(1, 50)" >/dev/null 2>"$TMPD/fill.err" || break
done
grep -q 'No space left on device' "$TMPD/fill.err"
ok $? "the tablespace is full ($(sql "select count(*) from showmojo.filler") filler rows)"

cgi POST "$DATA/sample.json"
is "$STATUS" 500 "disk full: 500"
grep -q '53100' "$TMPD/stderr"
ok $? "the log names the full disk (53100)"
is "$(sql "select count(*) from showmojo.events")/$(sql "select count(*) from showmojo.quarantine")" \
	"0/0" "disk full: nothing stored, not quarantined"

sql "drop table showmojo.filler" >/dev/null
cgi POST "$DATA/sample.json"
is "$STATUS" 200 "space freed: the retry is stored"

done_testing

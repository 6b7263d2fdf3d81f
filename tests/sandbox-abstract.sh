#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The sandbox lets a serving process reach a PostgreSQL that listens on an
# abstract unix socket (unix_socket_directories = '@name', PostgreSQL 14
# and later): "check" passes, and so do a CGI delivery and a FastCGI
# delivery, both sandboxed.  A cluster of this script's own, with no
# socket in the file system and no TCP port.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-abstract
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing (Debian package spawn-fcgi)"
own_cluster
own_cluster_ctl stop
abstract="smw-test-$$-$RANDOM"
as_pg "$PGBIN/pg_ctl" -D "$OWN_PG/data" -l "$OWN_PG/log" -w \
	-o "-p $PGPORT -c listen_addresses='' -c unix_socket_directories=@$abstract" \
	start >/dev/null 2>&1 || bail "cluster on @$abstract did not start: $(tail -3 "$OWN_PG/log")"
export PGHOST="@$abstract"
ok "$([ -S "$OWN_PG/.s.PGSQL.$PGPORT" ]; echo $(( $? == 0 )))" \
	"the server has no socket in the file system"
grep -q "@$abstract" /proc/net/unix
ok $? "it listens on the abstract socket @$abstract"
new_db
export SHOWMOJO_DB="host=@$abstract port=$PGPORT dbname=$TEST_DB"

"$SMW" check >"$TMPD/check.out" 2>&1
ok $? "check passes ($(tail -1 "$TMPD/check.out"))"

sed -e 's/"1001"/"@ID@"/' "$DATA/sample.json" >"$TMPD/tmpl"
sed -e 's/"1001"/"7001"/' "$DATA/sample.json" >"$TMPD/cgi.json"
cgi POST "$TMPD/cgi.json"
is "$STATUS" 200 "a CGI delivery is answered 200"
grep -q 'outcome=stored' "$TMPD/stderr"
ok $? "and stored"
is "$(sql "select count(*) from showmojo.events where id = '7001'")" 1 \
	"the CGI delivery is in the database"

spawn-fcgi -s "$TMPD/w.sock" -M 0600 -P "$TMPD/w.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null || bail "spawn-fcgi failed"
trap 'kill "$(cat "$TMPD/w.pid")" 2>/dev/null; cleanup' EXIT
"$top_builddir/tests/tools/fcgi-load" "$TMPD/w.sock" tok-abstract \
	"$TMPD/tmpl" 2 7002 >"$TMPD/load.out"
ok $? "two FastCGI deliveries are answered 200 ($(cat "$TMPD/load.out"))"
is "$(sql "select count(*) from showmojo.events where id in ('7002', '7003')")" 2 \
	"and are in the database"
grep -q 'sandbox: Landlock ABI [0-9]*' "$TMPD/w.log"
ok $? "the worker is sandboxed ($(grep -o 'Landlock ABI [0-9]*' "$TMPD/w.log"))"

done_testing

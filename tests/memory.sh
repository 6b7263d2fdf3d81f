#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory: valgrind memcheck on the CGI path (every kind of outcome) and on
# a FastCGI worker serving 10,000 requests: no error, nothing definitely
# lost.  Then the resident memory of a worker (RssAnon: what it allocated
# itself, not the shared libraries) over 100,000 requests stays flat.
# Needs a build without sanitizers (make check-valgrind; tests/run does).
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-mem
new_db
LOAD="$top_builddir/tests/tools/fcgi-load"
command -v valgrind >/dev/null || bail "valgrind missing (Debian package valgrind)"
if ldd "$SMW" | grep -q libasan; then
	bail "valgrind needs a build without --enable-sanitizers"
fi
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"

# CGI: each outcome under memcheck.
cgi_vg() {	# cgi_vg DESC METHOD FILE [AUTH] [ENV...]
	local desc=$1 method=$2 file=$3 auth=${4-Bearer tok-mem}
	shift 4 2>/dev/null || shift $#
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
		CONTENT_LENGTH="$(stat -c %s "$file")" ${auth:+HTTP_AUTHORIZATION="$auth"} \
		"$@" $VG "$SMW" <"$file" >"$TMPD/out" 2>"$TMPD/vg"
	local rc=$?
	is "$rc/$(head -1 "$TMPD/out" | tr -d '\r')" "0/$STATUS_WANT" "memcheck clean: $desc"
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMPD/vg" | head -30
}
printf 'not json' >"$TMPD/bad"
STATUS_WANT="Status: 200 OK" cgi_vg "stored" POST "$DATA/sample.json"
STATUS_WANT="Status: 200 OK" cgi_vg "duplicate" POST "$DATA/sample.json"
STATUS_WANT="Status: 200 OK" cgi_vg "quarantined" POST "$TMPD/bad"
STATUS_WANT="Status: 401 Unauthorized" cgi_vg "401" POST "$DATA/sample.json" "Bearer nope"
STATUS_WANT="Status: 405 Method Not Allowed" cgi_vg "405" PUT "$DATA/sample.json"
STATUS_WANT="Status: 413 Content Too Large" cgi_vg "413" POST "$DATA/sample.json" \
	"Bearer tok-mem" SHOWMOJO_MAX_BODY=10
STATUS_WANT="Status: 200 OK" cgi_vg "health" GET /dev/null
STATUS_WANT="Status: 500 Internal Server Error" cgi_vg "database unreachable" POST \
	"$DATA/sample.json" "Bearer tok-mem" SHOWMOJO_DB="host=127.0.0.1 port=1"
# The operator commands: each ends as it should (replay: 1, the invalid
# delivery above stays invalid), and valgrind's log has no error line.
# The requests refused above would fail check (tests/signals.sh).
psql -X -q -c "TRUNCATE showmojo.counts, showmojo.refused_tokens" ||
	bail "could not empty the counts"
for want in "migrate 0" "check 0" "replay 1" "ingest:$DATA/sample.json 0"; do
	cmd=${want% *}
	rm -f "$TMPD/vg.cmd"
	# shellcheck disable=SC2086
	$VG --log-file="$TMPD/vg.cmd" "$SMW" ${cmd/:/ } >/dev/null 2>&1
	rc=$?
	is "$rc/$(grep -c '^==[0-9]*==' "$TMPD/vg.cmd")" "${want##* }/0" \
		"memcheck clean: ${cmd/:*/} (exit status ${want##* })"
	grep '^==[0-9]*==' "$TMPD/vg.cmd" | sed 's/^/# /' | head -30
done

# A FastCGI worker under memcheck, 10,000 requests, then SIGTERM.
sed -e 's/"1001"/"@ID@"/' -e 's/"sh-42"/"sh-@ID@"/' "$DATA/sample.json" >"$TMPD/tmpl"
spawn-fcgi -s "$TMPD/vg.sock" -M 0600 -P "$TMPD/vg.pid" -- \
	/bin/sh -c "exec $VG --log-file=$TMPD/worker.vg \"$SMW\" 2>/dev/null" >/dev/null ||
	bail "spawn-fcgi failed"
for _ in $(seq 100); do [ -S "$TMPD/vg.sock" ] && break; sleep 0.1; done
"$LOAD" "$TMPD/vg.sock" tok-mem "$TMPD/tmpl" 10000 1000000 >"$TMPD/load"
is "$(cat "$TMPD/load")" "sent 10000, status 200: 10000, other: 0" \
	"worker under memcheck served 10,000 deliveries"
pid=$(cat "$TMPD/vg.pid")
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "worker exits on SIGTERM"
# Errors are the ==PID== lines; valgrind's own --PID-- notes (such as the
# Landlock calls it does not know, which then fail with ENOSYS) are not.
ok "$(grep -c '^==[0-9]*==' "$TMPD/worker.vg")" "worker memcheck: no error, nothing definitely lost"
grep '^==[0-9]*==' "$TMPD/worker.vg" | sed 's/^/# /' | head -30
is "$(sql "select count(*) from showmojo.events where id::bigint >= 1000000")" 10000 \
	"all 10,000 stored"

# Resident memory over 100,000 requests (new events, then repeats).
spawn-fcgi -s "$TMPD/rss.sock" -M 0600 -P "$TMPD/rss.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>/dev/null" >/dev/null || bail "spawn-fcgi failed"
rpid=$(cat "$TMPD/rss.pid")
rss() { awk '/^RssAnon/ { print $2 }' "/proc/$rpid/status"; }
"$LOAD" "$TMPD/rss.sock" tok-mem "$TMPD/tmpl" 10000 2000000 >/dev/null
r10=$(rss)
"$LOAD" "$TMPD/rss.sock" tok-mem "$TMPD/tmpl" 40000 2000000 >/dev/null
r50=$(rss)
"$LOAD" "$TMPD/rss.sock" tok-mem "$TMPD/tmpl" 50000 2000000 >"$TMPD/load"
r100=$(rss)
kill "$rpid"
echo "# RssAnon after 10k: $r10 kB, 50k: $r50 kB, 100k: $r100 kB"
is "$(cat "$TMPD/load")" "sent 50000, status 200: 50000, other: 0" \
	"the last 50,000 answered 200"
ok "$(( r100 - r10 > 64 ))" "RssAnon flat from 10k to 100k requests ($r10 -> $r100 kB)"
ok "$(( r100 > 4096 ))" "RssAnon at most 4 MiB after 100k requests ($r100 kB)"

done_testing

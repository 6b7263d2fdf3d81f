#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every row of the outcomes table (doc/design.md, "Outcomes") through the
# real binary (CGI), each with its database effect; the check subcommand.  New event,
# duplicate and older event are in cgi.sh; transient failures inside the
# transaction in store.sh.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS="tok-old, tok-new"
new_db
counts() {
	sql "select (select count(*) from showmojo.events) || '/' ||
		(select coalesce(sum(deliveries), 0) from showmojo.quarantine)"
}

# Authentication: rotation, scheme word case-insensitive.
cgi POST "$DATA/sample.json" "Bearer tok-new"
is "$STATUS" 200 "second token of the rotation accepted"
sql "truncate showmojo.events, showmojo.showings" >/dev/null
cgi POST "$DATA/sample.json" "bearer   tok-old"
is "$STATUS" 200 "scheme word matched case-insensitively, first token accepted"
sql "truncate showmojo.events, showmojo.showings" >/dev/null

# 401: missing or wrong token; nothing written, the body is not even read
# (stdin is a FIFO nobody writes: reading it would hang).
mkfifo "$TMPD/fifo"
for auth in "" "Bearer wrong" "Basic dG9rLW9sZDo=" "Bearer tok-ol" \
	"Bearer tok-old2" "Bearer"; do
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=100 \
		${auth:+HTTP_AUTHORIZATION="$auth"} \
		timeout 5 "$SMW" <>"$TMPD/fifo" >"$TMPD/response" 2>"$TMPD/stderr"
	rc=$?
	cat "$TMPD/stderr" >>"$TMPD/stderr.all"
	is "$rc/$(head -1 "$TMPD/response" | tr -d '\r')" \
		"0/Status: 401 Unauthorized" "401 for Authorization '${auth:-<none>}' without reading the body"
done
grep -q '^WWW-Authenticate: Bearer' "$TMPD/response"
ok $? "401 carries WWW-Authenticate: Bearer"
is "$(counts)" "0/0" "401: nothing written"
grep -q 'status=401' "$TMPD/stderr.all" &&
	! grep -q 'tok-ol\|Bearer wrong\|dG9r' "$TMPD/stderr.all"
ok $? "401s are logged, the presented credentials are not"

# No credential configured: nothing accepted, the log says what to set.
(unset SHOWMOJO_TOKENS; cgi POST "$DATA/sample.json" ""
 echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 503 "no token configured: 503"
grep -q 'set SHOWMOJO_TOKENS or SHOWMOJO_TOKEN_FILE' "$TMPD/stderr"
ok $? "the log says what to configure"
(unset SHOWMOJO_TOKENS; export SHOWMOJO_AUTH=none
 cgi POST "$DATA/sample.json" ""; echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 200 "SHOWMOJO_AUTH=none accepts without a token"
sql "truncate showmojo.events, showmojo.showings" >/dev/null

# Token from a file.
printf '# rotated 2026-11\ntok-file\r\n\n' >"$TMPD/tokens"
(unset SHOWMOJO_TOKENS; export SHOWMOJO_TOKEN_FILE="$TMPD/tokens"
 cgi POST "$DATA/sample.json" "Bearer tok-file"; echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 200 "token from SHOWMOJO_TOKEN_FILE accepted"
sql "truncate showmojo.events, showmojo.showings" >/dev/null

# 405 with Allow.
for m in PUT DELETE PATCH OPTIONS; do
	cgi "$m" "$DATA/sample.json"
	is "$STATUS" 405 "$m: 405"
done
grep -q '^Allow: GET, HEAD, POST' "$TMPD/response"
ok $? "405 carries Allow"
is "$(counts)" "0/0" "405: nothing written"

# 413: the limit is checked against CONTENT_LENGTH before reading.
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=1048577 \
	HTTP_AUTHORIZATION="Bearer tok-old" \
	timeout 5 "$SMW" <>"$TMPD/fifo" >"$TMPD/response" 2>"$TMPD/stderr"
is "$?/$(head -1 "$TMPD/response" | tr -d '\r')" "0/Status: 413 Content Too Large" \
	"413 for a body over the default limit, without reading it"
(export SHOWMOJO_MAX_BODY=100; cgi POST "$DATA/sample.json"
 echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 413 "413 for a body over SHOWMOJO_MAX_BODY"
is "$(counts)" "0/0" "413: nothing written"

# Quarantine (default) and reject.
printf 'this is not json' >"$TMPD/bad"
cgi POST "$TMPD/bad"
is "$STATUS" 200 "invalid delivery: 200 by default"
is "$BODY" '{"status":"quarantined","quarantine_id":1}' "body says quarantined"
is "$(sql "select reason, convert_from(body, 'UTF8'), content_type,
	remote_addr, request_uri from showmojo.quarantine")" \
	"not JSON: lexical error: invalid string in json text.|this is not json|application/json|127.0.0.1|/showmojo" \
	"raw body, reason and request metadata kept"
(export SHOWMOJO_ON_INVALID=reject; cgi POST "$TMPD/bad"
 echo "$STATUS $BODY" >"$TMPD/status")
is "$(cat "$TMPD/status")" '400 {"status":"quarantined","quarantine_id":1}' \
	"reject mode: 400, still kept (the same body: the same row)"
is "$(counts)" "0/2" "invalid deliveries are in the quarantine only"

# Transient: the database is unreachable.
(export SHOWMOJO_DB="host=127.0.0.1 port=1 connect_timeout=2"
 cgi POST "$DATA/sample.json"; echo "$STATUS $BODY" >"$TMPD/status")
is "$(cat "$TMPD/status")" '500 {"error":"database unavailable"}' \
	"database unreachable: 500"
(export SHOWMOJO_DB="host=127.0.0.1 port=1 connect_timeout=2"
 cgi POST "$TMPD/bad"; echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 500 "invalid delivery with the database unreachable: 500 (nowhere to keep it)"

# Health.
cgi GET /dev/null
is "$STATUS" 200 "GET: 200"
cgi HEAD /dev/null
is "$STATUS/$(sed '1,/^\r$/d' "$TMPD/response" | wc -c)" "200/0" "HEAD: 200 without a body"
(export SHOWMOJO_DB="host=127.0.0.1 port=1 connect_timeout=2"
 cgi GET /dev/null; echo "$STATUS" >"$TMPD/status")
is "$(cat "$TMPD/status")" 503 "GET with the database unreachable: 503"
sql "create table saved as select * from showmojo.schema_migrations
	where version = (select max(version) from showmojo.schema_migrations);
	delete from showmojo.schema_migrations where version = (select version from saved)" >/dev/null
cgi GET /dev/null
is "$STATUS" 503 "GET with the schema behind: 503"

# check.
"$SMW" check >"$TMPD/check" 2>&1
is "$?" 1 "check fails with the schema behind"
grep -q 'run "showmojo-webhook migrate"' "$TMPD/check"
ok $? "check says to migrate"
sql "insert into showmojo.schema_migrations select * from saved" >/dev/null
# The requests refused above would fail it too (tests/signals.sh).
sql "truncate showmojo.counts, showmojo.refused_tokens" >/dev/null
"$SMW" check >"$TMPD/check" 2>&1
is "$?" 0 "check passes with the schema current"
grep -q '^database: ok, schema showmojo at version' "$TMPD/check"
ok $? "check reports the schema version"
(export SHOWMOJO_DB="host=127.0.0.1 port=1 connect_timeout=2"
 "$SMW" check >"$TMPD/check" 2>&1; echo $? >"$TMPD/status")
is "$(cat "$TMPD/status")" 1 "check fails when the database is unreachable"
grep -q '^database: unreachable' "$TMPD/check"
ok $? "check says the database is unreachable"
(unset SHOWMOJO_TOKENS; "$SMW" check >"$TMPD/check" 2>&1; echo $? >"$TMPD/status")
is "$(cat "$TMPD/status")" 1 "check fails without a credential"
! grep -q 'tok-' "$TMPD/check"
ok $? "check prints no token"

# A CGI request waiting on a stalled client stops at SIGTERM, as a web
# server's timeout expects (libfcgi would otherwise catch it).
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=100 \
	HTTP_AUTHORIZATION="Bearer tok-old" \
	timeout -k 3 1 "$SMW" <>"$TMPD/fifo" >/dev/null 2>&1
is "$?" 124 "a CGI request blocked on its body ends at SIGTERM"
is "$(counts)" "0/2" "and leaves nothing behind"

# Query-string arguments never reach the subcommands under CGI.
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET QUERY_STRING=migrate \
	"$SMW" migrate >"$TMPD/response" 2>&1
grep -q '^Status: 200' "$TMPD/response"
ok $? "under CGI, arguments are ignored (a GET stays a health check)"

done_testing

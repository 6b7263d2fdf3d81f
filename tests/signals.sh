#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refused requests are counted by reason, with the fingerprint of a
# refused token and never the token, by the program run as CGI and by a
# pool of FastCGI workers behind a real nginx; "check" says in words what
# they mean and what to do; "check --metrics" gives them as Prometheus
# counters (promtool checks the text).  See lib/tally.h.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"
command -v promtool >/dev/null || bail "promtool missing (Debian package prometheus)"

# count NAME: the total recorded for counter NAME (0 when none).
count() {
	sql "SELECT coalesce((SELECT total FROM showmojo.counts WHERE name = '$1'), 0)"
}
fingerprint() {
	printf '%s' "$1" | sha256sum | cut -c1-8
}

deploy_setup
export SHOWMOJO_TOKENS=cgi-token
WRONG=regenerated-in-showmojo-$$
FP=$(fingerprint "$WRONG")

# --- CGI: one process a request, each writes its counts before it exits ---
post '{"event":{"id":"s1","action":"update"}}'
is "$STATUS" 200 "CGI: a delivery is stored"
printf '{"event":{"id":"s2"}}' >"$TMPD/d.json"
cgi POST "$TMPD/d.json" ""
is "$STATUS" 401 "CGI: no token: 401"
grep -q 'reason=no bearer token$' "$TMPD/stderr"
ok $? "CGI: the log says no token was offered"
for i in 1 2 3; do
	cgi POST "$TMPD/d.json" "Bearer $WRONG"
done
is "$STATUS" 401 "CGI: a wrong token: 401"
grep -q "reason=wrong bearer token fingerprint=$FP\$" "$TMPD/stderr"
ok $? "CGI: the log line carries the token's fingerprint ($FP)"
! grep -rq "$WRONG" "$TMPD/stderr"
ok $? "CGI: ...and never the token"
cgi PUT "$TMPD/d.json"
is "$STATUS" 405 "CGI: PUT: 405"
SHOWMOJO_MAX_BODY=10 cgi POST "$TMPD/d.json"
is "$STATUS" 413 "CGI: a body over SHOWMOJO_MAX_BODY: 413"
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=12x \
	HTTP_AUTHORIZATION="Bearer cgi-token" "$SMW" </dev/null \
	>"$TMPD/response" 2>/dev/null
is "$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/response")" 400 \
	"CGI: a malformed Content-Length: 400"
SHOWMOJO_TOKENS= cgi POST "$TMPD/d.json"
is "$STATUS" 503 "CGI: no token configured: 503"
post '{"event":{"id":"s1","action":"update"}}'
post 'not json'

is "$(sql "SELECT string_agg(name || '=' || total, ' ' ORDER BY name) FROM showmojo.counts")" \
	"deliveries:duplicate=1 deliveries:quarantined=1 deliveries:stored=1 rejected:bad_request=1 rejected:method=1 rejected:misconfigured=1 rejected:no_token=1 rejected:too_large=1 rejected:wrong_token=3" \
	"CGI: every request counted, by outcome or reason"
is "$(sql "SELECT fingerprint, refused, first_at <= latest_at FROM showmojo.refused_tokens")" \
	"$FP|3|t" "CGI: the refused token is recorded by its fingerprint"
! psql -X -Atq -c "SELECT * FROM showmojo.counts, showmojo.refused_tokens" |
	grep -q "$WRONG"
ok $? "CGI: the token itself is nowhere in the database"

# --- check: in words, what to do ---
SHOWMOJO_TOKENS=cgi-token,other-token "$SMW" check >"$TMPD/check" 2>&1
is "$?" 1 "check fails after refusals newer than the newest delivery"
sed 's/^/# /' "$TMPD/check"
grep -q "^configuration: tokens' fingerprints: $(fingerprint cgi-token), $(fingerprint other-token)\$" "$TMPD/check"
ok $? "check lists the configured tokens' fingerprints"
grep -q "^refused: 3 deliveries with an unknown token since .* (fingerprint $FP, latest .*): the token in ShowMojo was probably regenerated; add it to SHOWMOJO_TOKENS" "$TMPD/check"
ok $? "check: the unknown token, its count, fingerprint and what to do"
grep -q "^refused: 1 request without a token in all, the latest .*: is ShowMojo configured with an http:// URL?" "$TMPD/check"
ok $? "check: no token: the http:// URL is named"
grep -q "^refused: 1 request larger than SHOWMOJO_MAX_BODY" "$TMPD/check"
ok $? "check: too large: SHOWMOJO_MAX_BODY is named"
post '{"event":{"id":"s3","action":"update"}}'
"$SMW" check >"$TMPD/check" 2>&1
is "$?" 0 "check passes once a delivery is stored after the refusals"
grep -q "fingerprint $FP, .*deliveries were stored since" "$TMPD/check"
ok $? "...and says why: ShowMojo's token is accepted"

# --- metrics ---
"$SMW" check --metrics >"$TMPD/metrics" 2>&1
is "$?" 0 "check --metrics succeeds"
promtool check metrics <"$TMPD/metrics" >"$TMPD/promtool" 2>&1
is "$?" 0 "promtool accepts the metrics"
sed 's/^/# promtool: /' "$TMPD/promtool"
is "$(grep -E '^showmojo_(rejected|deliveries)_total\{(reason="(wrong_token|no_token)"|outcome="stored")\}' "$TMPD/metrics")" \
	'showmojo_deliveries_total{outcome="stored"} 2
showmojo_rejected_total{reason="no_token"} 1
showmojo_rejected_total{reason="wrong_token"} 3' "metrics: the counters"
grep -q '^# TYPE showmojo_rejected_total counter$' "$TMPD/metrics"
ok $? "metrics: the counters are typed counter"
latest=$(sed -n 's/^showmojo_last_unauthorized_timestamp_seconds //p' "$TMPD/metrics")
ok "$(awk -v t="$latest" -v now="$(date +%s)" 'BEGIN { exit !(now - t >= 0 && now - t < 600) }'; echo $?)" \
	"metrics: the latest 401's time"
is "$(sed -n 's/^showmojo_schema_version //p' "$TMPD/metrics")" \
	"$(sed -n 's/^#define SMW_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/lib/store.h")" \
	"metrics: the schema version"

# --- FastCGI: a pool behind nginx; counts written at most every 10 s ---
sql "TRUNCATE showmojo.counts, showmojo.refused_tokens"
start_pool 2
start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"
http POST "$(delivery 7001)"
is "$STATUS" 200 "FastCGI: a delivery is stored"
http POST "$(delivery 7002)" ""
is "$STATUS" 401 "FastCGI: no token: 401"
for i in 1 2 3 4 5; do
	http POST "$(delivery 7003)" "Bearer $WRONG"
done
is "$STATUS" 401 "FastCGI: a wrong token: 401"
http PUT "$(delivery 7004)"
is "$STATUS" 405 "FastCGI: PUT: 405"
v=$(wait_sql 60 "SELECT 1 FROM showmojo.counts WHERE name = 'rejected:wrong_token' AND total = 5 AND EXISTS (SELECT FROM showmojo.counts WHERE name = 'rejected:method') AND EXISTS (SELECT FROM showmojo.counts WHERE name = 'rejected:no_token')")
is "$v" 1 "FastCGI: idle workers write their counts when due"
is "$(count deliveries:stored)/$(count rejected:no_token)/$(count rejected:method)" \
	1/1/1 "FastCGI: each request counted once"
is "$(sql "SELECT fingerprint, refused FROM showmojo.refused_tokens")" "$FP|5" \
	"FastCGI: the refused token's fingerprint"
# Each worker logs the first refusal of a kind in an interval (its first
# write opens a second one), then the rest in one line.
one=$(grep -c "reason=wrong bearer token fingerprint=$FP\$" "$TMPD/log/workers.log")
more=$(sed -n "s/.*refused \([0-9]*\) more requests in .* reason=wrong_token fingerprint=$FP\$/\1/p" \
	"$TMPD/log/workers.log" | awk '{ n += $1 } END { print n + 0 }')
is "$one+$more/$([ "$one" -le 4 ] && echo few)" "$one+$((5 - one))/few" \
	"FastCGI: the log names the fingerprint, one line a worker, then the rest counted"
! grep -q "$WRONG" "$TMPD/log/workers.log"
ok $? "FastCGI: ...and never the token"

# A count still in memory is written when the worker stops.
http PUT "$(delivery 7005)"
is "$STATUS" 405 "FastCGI: another PUT"
"$DEPLOY/spawn-fcgi/showmojo-webhook-pool" stop "$TMPD/pool.conf" >/dev/null 2>&1
v=$(wait_sql 30 "SELECT 1 FROM showmojo.counts WHERE name = 'rejected:method' AND total = 2")
is "$v" 1 "FastCGI: a stopping worker writes what it counted"

deploy_done

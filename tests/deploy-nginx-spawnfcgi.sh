#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nginx (deploy/nginx/showmojo-webhook.conf) in front of the FastCGI
# worker pool that spawn-fcgi starts (deploy/spawn-fcgi): a real nginx on
# a loopback port, real workers, a real PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
start_pool
start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"

"$DEPLOY/spawn-fcgi/showmojo-webhook-pool" status "$TMPD/pool.conf" \
	>"$TMPD/status" 2>&1
ok $? "the pool reports its workers running"
is "$(stat -c '%a %G' "$SOCK")" "660 www-data" \
	"the socket: mode 0660, the web server's group"
is "$(ps -o user= -p "$(head -1 "$TMPD/run/pool.pid")")" www-data \
	"workers run as the configured user, not root"

deploy_checks
http POST "$(delivery 3003 1048577)"
case $BODY in
'{'*) ok 1 "the 413 comes from nginx, before the body is buffered"
	echo "# body: $BODY" ;;
*) ok 0 "the 413 comes from nginx, before the body is buffered" ;;
esac

http HEAD
is "$STATUS" 200 "HEAD: health 200"
http PUT "$(delivery 5005)"
is "$STATUS" 405 "PUT: 405"
echo "$HEADERS" | grep -qi '^Allow: GET, HEAD, POST'
ok $? "PUT: Allow header"

# A chunked request body: nginx reads it whole before the worker sees it.
f=$(delivery 6006)
STATUS=$(curl -s -o "$TMPD/http.body" -w '%{http_code}' -X POST \
	-H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $TOKEN" --data-binary "@$f" \
	"http://127.0.0.1:$PORT$ENDPOINT")
is "$STATUS" 200 "chunked POST: 200"
is "$(sql "SELECT count(*) FROM showmojo.events WHERE id = '6006'")" 1 \
	"chunked POST: stored"

grep -q 'delivery event=1001 action=confirm outcome=stored status=200' \
	"$TMPD/log/workers.log"
ok $? "the workers log each delivery to the pool's log"

# Stopping the pool stops every worker and removes the socket.
pids=$(cat "$TMPD/run/pool.pid")
"$DEPLOY/spawn-fcgi/showmojo-webhook-pool" stop "$TMPD/pool.conf" \
	>/dev/null 2>&1
# shellcheck disable=SC2086
wait_gone $pids
ok $? "pool stop: workers gone"
[ ! -e "$SOCK" ]
ok $? "pool stop: socket removed"
http GET
is "$STATUS" 502 "nginx without workers: 502"

deploy_done

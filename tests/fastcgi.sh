#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The FastCGI worker (spawned as in production by spawn-fcgi, spoken to by
# libfcgi's own cgi-fcgi client): one database connection kept across
# requests; a new one after the old is gone (terminated backend, restarted
# server); a worker started while the database is down answers quickly and
# recovers on its own.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-fcgi
own_cluster	# restarted and stopped below
new_db
command -v cgi-fcgi >/dev/null || bail "cgi-fcgi missing (Debian package libfcgi-bin)"

trap 'stop_workers; cleanup' EXIT

fcgi() {	# fcgi NAME METHOD [BODY-TEXT]: sets STATUS and BODY
	printf '%s' "${3-}" >"$TMPD/fbody"
	env REQUEST_METHOD="$2" CONTENT_LENGTH="$(stat -c %s "$TMPD/fbody")" \
		HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" \
		timeout 20 cgi-fcgi -bind -connect "$TMPD/$1.sock" \
		<"$TMPD/fbody" >"$TMPD/fresp" 2>/dev/null
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/fresp")
	BODY=$(sed '1,/^\r$/d' "$TMPD/fresp")
}
delivery() {	# delivery ID
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"f","name":"n%s"}}}' "$1" "$1"
}
backends() {
	sql "select string_agg(pid::text, ',') from pg_stat_activity
		where application_name = 'showmojo-webhook' and datname = current_database()"
}

start_worker w
statuses=
for i in 1 2 3 4 5; do
	fcgi w POST "$(delivery $i)"
	statuses="$statuses$STATUS "
done
is "$statuses" "200 200 200 200 200 " "five deliveries through one worker"
pid1=$(backends)
ok "$(case $pid1 in *,*|'') echo 1;; *) echo 0;; esac)" \
	"the worker holds one database connection ($pid1)"
fcgi w GET
is "$STATUS/$(backends)" "200/$pid1" "the same connection serves the next request"

sql "select pg_terminate_backend($pid1)" >/dev/null
wait_sql 60 "select 1 where not exists (select 1 from pg_stat_activity
	where pid = $pid1)" >/dev/null
fcgi w POST "$(delivery 6)"
is "$STATUS" 200 "after its backend is terminated, the next delivery is stored"
pid2=$(backends)
ok "$([ -n "$pid2" ] && [ "$pid2" != "$pid1" ] && echo 0 || echo 1)" \
	"on a new connection ($pid1 -> $pid2)"

# Restart the whole server between two requests: no delivery fails.
own_cluster_ctl restart || bail "could not restart the cluster"
fcgi w POST "$(delivery 7)"
is "$STATUS" 200 "after a server restart, the next delivery is stored"
is "$(sql "select count(*) from showmojo.events")" 7 "all seven events stored"

# A worker that starts while the database is down.
own_cluster_ctl stop
start_worker down
t0=$(date +%s)
fcgi down POST "$(delivery 8)"
is "$STATUS" 500 "database down: 500"
fcgi down GET
is "$STATUS" 503 "database down: health 503"
ok "$(( $(date +%s) - t0 > 15 ))" "both answered within 15 s"
own_cluster_ctl start || bail "could not start the cluster"
fcgi down POST "$(delivery 8)"
is "$STATUS" 200 "database back: the same worker stores the retry"
fcgi down GET
is "$STATUS" 200 "and its health is 200"
kill -0 "$(cat "$TMPD/down.pid")"
ok $? "the worker did not exit"
grep -q 'delivery event=8 action=update outcome=error status=500' "$TMPD/down.log"
ok $? "the failed attempt is logged"

done_testing

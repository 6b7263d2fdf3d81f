# SPDX-License-Identifier: MIT
# Shared by the deployment tests (tests/deploy-*.sh): a real web server
# (nginx or Apache from Debian) on a free loopback port with a private
# configuration, pid and logs under $TMPD, built from the files shipped in
# deploy/ with only paths, ports and the database connection substituted;
# then the same end-to-end checks through it with curl.  Source it after
# tests/lib.sh; it needs root (the servers' workers run as www-data).

DEPLOY="$top_srcdir/deploy"
TOKEN="t0k-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PORT=
ENDPOINT=/showmojo
STOPS=()	# commands run at exit, last first

[ "$(id -u)" -eq 0 ] || bail "the deployment tests run web servers: run as root"
command -v curl >/dev/null || bail "curl missing: run tests/run"

# Workers run as other users (www-data, nobody): they must reach the
# files and sockets under $TMPD and the program.
chmod 0755 "$TMPD"

at_exit() {	# at_exit COMMAND...: run at exit, before tests/lib.sh's cleanup
	STOPS+=("$*")
}
deploy_cleanup() {
	local i
	for ((i = ${#STOPS[@]} - 1; i >= 0; i--)); do
		eval "${STOPS[i]}" >/dev/null 2>&1 || true
	done
	cleanup
}
trap deploy_cleanup EXIT
trap 'exit 1' INT TERM HUP

# A loopback TCP port in 18000-18999 that nobody listens on now.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((18000 + RANDOM % 1000))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	bail "no free port in 18000-18999"
}

# A libpq value, quoted when it needs to be.
pq_quote() {
	local v=$1
	case $v in
	'' | *[\ \'\\]*)
		v=${v//\\/\\\\}
		v=${v//\'/\\\'}
		printf "'%s'" "$v"
		;;
	*) printf '%s' "$v" ;;
	esac
}

# The whole connection string for the test database: web-server workers
# do not inherit the PG* variables that tests/run's pg_virtualenv sets.
conninfo() {
	local c
	c="dbname=$(pq_quote "$TEST_DB")"
	[ -z "${PGHOST:-}" ] || c="host=$(pq_quote "$PGHOST") $c"
	[ -z "${PGPORT:-}" ] || c="$c port=$(pq_quote "$PGPORT")"
	[ -z "${PGUSER:-}" ] || c="$c user=$(pq_quote "$PGUSER")"
	[ -z "${PGPASSWORD:-}" ] || c="$c password=$(pq_quote "$PGPASSWORD")"
	printf '%s' "$c"
}

# Fresh database, token file, socket directory.
deploy_setup() {
	new_db
	DBCONN=$(conninfo)
	printf '# ShowMojo token\n%s\n' "$TOKEN" >"$TMPD/tokens"
	chmod 0644 "$TMPD/tokens"
	SOCK="$TMPD/run/showmojo-webhook.sock"
	mkdir -p "$TMPD/run" "$TMPD/log"
	chmod 0755 "$TMPD/run"
	chmod 0777 "$TMPD/log"
}

# sed replacement text, escaped.
sed_esc() {
	printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

# template FILE > OUT: a shipped file with this test's paths, port and
# database in place of the installed defaults.
template() {
	sed -e "s|/usr/local/bin/showmojo-webhook|$(sed_esc "$SMW")|g" \
		-e "s|/run/showmojo-webhook/showmojo-webhook.sock|$(sed_esc "$SOCK")|g" \
		-e "s|/run/showmojo-webhook/pool.pid|$(sed_esc "$TMPD/run/pool.pid")|g" \
		-e "s|/var/log/showmojo-webhook/workers.log|$(sed_esc "$TMPD/log/workers.log")|g" \
		-e "s|/etc/showmojo-webhook/tokens|$(sed_esc "$TMPD/tokens")|g" \
		-e "s|/home/USER/showmojo/tokens|$(sed_esc "$TMPD/tokens")|g" \
		-e "s|/etc/showmojo-webhook/environment|$(sed_esc "$TMPD/environment")|g" \
		-e "s|host=/run/postgresql dbname=showmojo|$(sed_esc "$DBCONN")|g" \
		"$1"
}

# wait_http: until the server answers on $PORT (any status), 10 s at most.
wait_http() {
	local i code
	for ((i = 0; i < 100; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 \
			"http://127.0.0.1:$PORT/" 2>/dev/null) || true
		[ "$code" != 000 ] && [ -n "$code" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PID...: until these processes have exited, 10 s at most.
wait_gone() {
	local i p alive
	for ((i = 0; i < 100; i++)); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	return 1
}

# kill_pidfile FILE: SIGTERM the pid in FILE and wait for it.
kill_pidfile() {
	local pid
	[ -s "$1" ] || return 0
	pid=$(head -1 "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_gone "$pid" || kill -KILL "$pid" 2>/dev/null
}

# start_nginx SNIPPET [DIR]: nginx from Debian, run as root with www-data
# workers, a private configuration around the shipped location snippet,
# in DIR (default $TMPD/nginx; another DIR for a second instance).
start_nginx() {
	local snippet=$1 d=${2:-$TMPD/nginx} try
	mkdir -p "$d/temp"
	template "$snippet" >"$d/showmojo-webhook.conf"
	# The snippet includes fastcgi_params relative to the configuration,
	# as it does in /etc/nginx.
	cp /etc/nginx/fastcgi_params "$d/fastcgi_params"
	for ((try = 0; try < 5; try++)); do
		PORT=$(free_port)
		cat >"$d/nginx.conf" <<-EOF
			user www-data;
			worker_processes 1;
			pid $d/nginx.pid;
			error_log $d/error.log info;
			events { worker_connections 64; }
			http {
			    access_log $d/access.log;
			    client_body_temp_path $d/temp/body;
			    fastcgi_temp_path $d/temp/fastcgi;
			    proxy_temp_path $d/temp/proxy;
			    scgi_temp_path $d/temp/scgi;
			    uwsgi_temp_path $d/temp/uwsgi;
			    server {
			        listen 127.0.0.1:$PORT;
			        server_name localhost;
			        include $d/showmojo-webhook.conf;
			    }
			}
		EOF
		nginx -t -q -p "$d" -c "$d/nginx.conf" 2>"$d/configtest" || {
			sed "s/^/# /" "$d/configtest"
			bail "nginx refuses the configuration"
		}
		if nginx -p "$d" -c "$d/nginx.conf" 2>>"$d/error.log"; then
			at_exit kill_pidfile "$d/nginx.pid"
			wait_http && return 0
			kill_pidfile "$d/nginx.pid"
		fi
		grep -q 'Address already in use' "$d/error.log" || break
	done
	sed 's/^/# /' "$d/error.log"
	bail "nginx did not start"
}

# start_apache SITE-CONF MODULE...: apache2 from Debian with only the named
# modules (and what every configuration needs), a private configuration
# and the site configuration inside a virtual host on a free port.
# MPM: event, as Debian's default.
start_apache() {
	local site=$1 d="$TMPD/apache" m try
	shift
	mkdir -p "$d/run" "$d/fcgid"
	chown www-data "$d/fcgid"
	{
		for m in mpm_event authz_core authz_host "$@"; do
			echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
		done
	} >"$d/modules.conf"
	for ((try = 0; try < 5; try++)); do
		PORT=$(free_port)
		cat >"$d/httpd.conf" <<-EOF
			ServerRoot $d
			ServerName 127.0.0.1
			Listen 127.0.0.1:$PORT
			PidFile $d/httpd.pid
			DefaultRuntimeDir $d/run
			ErrorLog $d/error.log
			LogLevel warn
			User www-data
			Group www-data
			Include $d/modules.conf
			<IfModule fcgid_module>
			    FcgidIPCDir $d/fcgid
			    FcgidProcessTableFile $d/fcgid/shm
			</IfModule>
			<IfModule mime_module>
			    TypesConfig /etc/mime.types
			</IfModule>
			<IfModule cgid_module>
			    ScriptSock $d/run/cgisock
			</IfModule>
			DocumentRoot $TMPD/www
			<Directory />
			    AllowOverride None
			    Require all denied
			</Directory>
			<FilesMatch "^\.ht">
			    Require all denied
			</FilesMatch>
			<VirtualHost 127.0.0.1:$PORT>
			    Include $d/site.conf
			</VirtualHost>
		EOF
		mkdir -p "$TMPD/www"
		template "$site" >"$d/site.conf"
		apache2 -t -f "$d/httpd.conf" >"$d/configtest" 2>&1 || {
			sed 's/^/# /' "$d/configtest"
			bail "apache2 refuses the configuration"
		}
		: >"$d/error.log"
		if apache2 -f "$d/httpd.conf" -k start 2>>"$d/error.log"; then
			at_exit stop_apache
			wait_http && return 0
			stop_apache
		fi
		grep -q 'Address already in use' "$d/error.log" || break
	done
	sed 's/^/# /' "$d/error.log"
	bail "apache2 did not start"
}
stop_apache() {
	local d="$TMPD/apache" pid
	[ -s "$d/httpd.pid" ] || return 0
	pid=$(cat "$d/httpd.pid")
	kill -TERM "$pid" 2>/dev/null
	wait_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	# mod_fcgid's and mod_cgid's children go with the server.
	pkill_children_of "$pid"
}
pkill_children_of() {	# the orphans of a server stopped the hard way
	local p
	for p in $(ps -eo pid=,ppid= | awk -v pp="$1" '$2 == pp { print $1 }'); do
		kill -KILL "$p" 2>/dev/null
	done
}

# start_pool [WORKERS]: the shipped spawn-fcgi pool script and
# configuration, the workers as www-data (no test-only user exists).
start_pool() {
	template "$DEPLOY/spawn-fcgi/pool.conf" |
		sed -e 's/^SMW_USER=.*/SMW_USER=www-data/' \
			-e 's/^SMW_GROUP=.*/SMW_GROUP=www-data/' \
			-e "s/^SMW_WORKERS=.*/SMW_WORKERS=${1:-2}/" >"$TMPD/pool.conf"
	at_exit "'$DEPLOY/spawn-fcgi/showmojo-webhook-pool' stop '$TMPD/pool.conf'"
	"$DEPLOY/spawn-fcgi/showmojo-webhook-pool" start "$TMPD/pool.conf" \
		>"$TMPD/pool.out" 2>&1 || {
		sed 's/^/# /' "$TMPD/pool.out"
		bail "the spawn-fcgi pool did not start"
	}
}

# http METHOD [FILE [AUTHORIZATION [chunked]]]: one request with curl.
# Sets STATUS, BODY and HEADERS (the response's header lines).
http() {
	local method=$1 file=${2:-} auth=${3-Bearer $TOKEN} chunked=${4:-}
	local -a args=(-s -m 30 -o "$TMPD/http.body" -D "$TMPD/http.headers"
		-w '%{http_code}')
	if [ "$method" = HEAD ]; then
		args+=(-I)
	else
		args+=(-X "$method")
	fi
	[ -z "$file" ] || args+=(--data-binary "@$file"
		-H 'Content-Type: application/json')
	[ -z "$auth" ] || args+=(-H "Authorization: $auth")
	[ -z "$chunked" ] || args+=(-H 'Transfer-Encoding: chunked')
	STATUS=$(curl "${args[@]}" "http://127.0.0.1:$PORT$ENDPOINT" \
		2>"$TMPD/http.err") || STATUS=${STATUS:-000}
	BODY=$(cat "$TMPD/http.body" 2>/dev/null)
	HEADERS=$(tr -d '\r' <"$TMPD/http.headers" 2>/dev/null)
}

# delivery ID [SIZE]: tests/data/sample.json with another event id; padded
# to exactly SIZE bytes when asked, with an unknown key at the front so
# that a truncated copy is not valid JSON.  Prints the file name.
delivery() {
	local id=$1 size=${2:-} f="$TMPD/delivery-$1.json" n
	sed "s/\"id\": \"1001\"/\"id\": \"$id\"/" "$DATA/sample.json" >"$f"
	if [ -n "$size" ]; then
		n=$((size - $(stat -c %s "$f") - 9))
		{
			printf '{"pad":"'
			head -c "$n" /dev/zero | tr '\0' x
			printf '",'
			tail -c +2 "$f"
		} >"$f.padded"
		mv "$f.padded" "$f"
	fi
	echo "$f"
}

count_events() {
	sql "SELECT count(*) FROM showmojo.events"
}

# The checks every setup passes: health, a stored delivery, the token
# reaching the program, refused tokens, and the body limit agreeing
# between the web server and the program.
deploy_checks() {
	local f before limit=1048576 codes i t0 ms

	http GET
	is "$STATUS" 200 "GET: health 200"
	case $BODY in
	*'"status":"ok"'*) ok 0 "GET: the program answered (database and schema ok)" ;;
	*) ok 1 "GET: the program answered (database and schema ok)"
		echo "# body: $BODY" ;;
	esac

	f=$(delivery 1001)
	http POST "$f"
	is "$STATUS" 200 "POST with the token: 200"
	case $BODY in
	*'"status":"stored"'*'"event_id":"1001"'*) ok 0 "POST: stored event 1001" ;;
	*) ok 1 "POST: stored event 1001"
		echo "# body: $BODY" ;;
	esac
	is "$(sql "SELECT id, action, showing_uid FROM showmojo.events")" \
		"1001|confirm|sh-42" "the event row is in PostgreSQL"
	is "$(sql "SELECT uid, name, last_event_id FROM showmojo.showings")" \
		"sh-42|Jordan Smith|1001" "the showing row is in PostgreSQL"

	http POST "$f"
	is "$STATUS" 200 "the same delivery again: 200"
	is "$(count_events)" 1 "...and still one event"

	f=$(delivery 2002)
	before=$(count_events)
	http POST "$f" "Bearer wrong-$TOKEN"
	is "$STATUS" 401 "wrong token: 401"
	echo "$HEADERS" | grep -qi '^WWW-Authenticate: Bearer'
	ok $? "wrong token: WWW-Authenticate: Bearer"
	http POST "$f" ""
	is "$STATUS" 401 "no Authorization header: 401"
	# The program answers 401 without reading the body: the answer must
	# reach the client all the same, every time.
	codes=
	t0=$(date +%s%N)
	for ((i = 0; i < 20; i++)); do
		http POST "$f" "Bearer wrong-$TOKEN"
		codes="$codes$STATUS "
	done
	is "$codes" "$(printf '401 %.0s' {1..20})" "20 refused deliveries in a row: 401 every time"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -lt 5000 ]
	ok $? "...answered at once (20 in ${ms} ms)"
	is "$(count_events)" "$before" "refused deliveries wrote nothing"

	f=$(delivery 3003 $((limit + 1)))
	http POST "$f"
	is "$STATUS" 413 "body of SHOWMOJO_MAX_BODY + 1 bytes: 413"
	is "$(count_events)" "$before" "...and nothing stored"
	http POST "$f" "Bearer $TOKEN" chunked
	is "$STATUS" 413 "the same body chunked (no Content-Length): 413"
	is "$(count_events)" "$before" "...and nothing stored"
	f=$(delivery 3005 $((3 * limit)))
	http POST "$f"
	is "$STATUS" 413 "body of 3 MiB: 413"
	is "$(count_events)" "$before" "...and nothing stored"

	f=$(delivery 4004 $limit)
	http POST "$f"
	is "$STATUS" 200 "body of exactly SHOWMOJO_MAX_BODY bytes: 200"
	is "$(sql "SELECT count(*) FROM showmojo.events WHERE id = '4004'")" 1 \
		"...stored: the web server's limit is not lower than the program's"

	f=$(delivery 6006)
	http POST "$f" "Bearer $TOKEN" chunked
	is "$STATUS" 200 "chunked POST (no Content-Length): 200"
	is "$(sql "SELECT count(*) FROM showmojo.events WHERE id = '6006'")" 1 \
		"...stored whole"
}

# deploy_done: the TAP plan; the servers' logs as comments when a test
# failed.
deploy_done() {
	local f
	if [ "$tap_failed" -gt 0 ]; then
		for f in "$TMPD"/nginx/error.log "$TMPD"/apache/error.log \
			"$TMPD"/log/*.log "$TMPD"/http.err; do
			[ -s "$f" ] || continue
			echo "# --- $f (last lines)"
			tail -n 30 "$f" | sed 's/^/# /'
		done
	fi
	done_testing
}

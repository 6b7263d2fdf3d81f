# SPDX-License-Identifier: MIT
# Shared by the shell tests: TAP output, a fresh database per test script
# on the PostgreSQL that tests/run started, and the program called the way
# a web server calls a CGI program.  Source it; it sets -u.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SMW="$top_builddir/cgi/showmojo-webhook"
DATA="$top_srcdir/tests/data"
export SHOWMOJO_SQLDIR="$top_srcdir/sql"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/smw-test.XXXXXX")

tap_n=0
tap_failed=0
ok() {	# ok COND-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}
is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
	fi
}
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
bail() {
	echo "Bail out! $*"
	exit 1
}

skip_all() {	# skip_all REASON: the whole script is skipped (TAP's
	# "1..0 # SKIP", which automake's TAP driver reports as SKIP)
	echo "1..0 # SKIP $*"
	exit 0
}

# Database tests fail, never skip, without a server: tests/run provides one.
need_db() {
	psql -Atqc 'select 1' >/dev/null 2>&1 ||
		bail "no PostgreSQL reachable through PG* variables: run tests/run"
}

# A PostgreSQL cluster of this script's own (initdb in $TMPD, unix socket
# only), for tests that stop or restart the server: the shared cluster of
# tests/run serves other tests at the same time.  PG* point at it after.
PGBIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
as_pg() {	# as_pg COMMAND...: as the postgres user when we are root
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
own_cluster() {
	OWN_PG="$TMPD/pg"
	chmod 0755 "$TMPD"
	mkdir -p "$OWN_PG"
	[ "$(id -u)" -ne 0 ] || chown postgres "$OWN_PG"
	as_pg "$PGBIN/initdb" -D "$OWN_PG/data" -E UTF8 --locale=C.UTF-8 \
		-A trust -U postgres >"$TMPD/initdb.log" 2>&1 ||
		bail "initdb failed: $(tail -3 "$TMPD/initdb.log")"
	PGHOST=$OWN_PG PGPORT=$((20000 + $$ % 10000)) PGUSER=postgres PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
	unset PGPASSWORD
	own_cluster_ctl start
}
own_cluster_ctl() {	# own_cluster_ctl start|stop|restart
	as_pg "$PGBIN/pg_ctl" -D "$OWN_PG/data" -l "$OWN_PG/log" -w -m fast \
		-o "-p $PGPORT -k $OWN_PG -c listen_addresses=''" "$1" >/dev/null 2>&1
}
own_cluster_tcp() {	# the own cluster restarted to listen on 127.0.0.1 too
	own_cluster_ctl stop
	as_pg "$PGBIN/pg_ctl" -D "$OWN_PG/data" -l "$OWN_PG/log" -w \
		-o "-p $PGPORT -k $OWN_PG -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 ||
		bail "could not start the cluster on 127.0.0.1:$PGPORT"
}

# A new database for this script, migrated, dropped at exit.
new_db() {
	need_db
	TEST_DB="smw_t_$(basename "$0" .sh | tr -c 'a-z0-9\n' _)_$$"
	createdb -E UTF8 -T template0 "$TEST_DB" || bail "createdb failed"
	export PGDATABASE="$TEST_DB"
	export SHOWMOJO_DB="dbname=$TEST_DB"
	"$SMW" migrate >"$TMPD/migrate.out" 2>&1 || {
		cat "$TMPD/migrate.out"
		bail "migrate failed"
	}
}

cleanup() {
	if [ -n "${TEST_DB:-}" ] && [ -z "${KEEP_DB:-}" ]; then
		psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$TEST_DB\" WITH (FORCE)" \
			>/dev/null 2>&1
	fi
	[ -z "${OWN_PG:-}" ] || own_cluster_ctl stop
	rm -rf "$TMPD"
}
trap cleanup EXIT

sql() {	# sql QUERY: one value per line, fields separated by |
	psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"
}

# wait_sql SECONDS QUERY: poll until QUERY gives a non-empty first line,
# print it; status 1 when SECONDS pass first.  For waiting on a state the
# server shows (pg_stat_activity, pg_locks), never on a fixed sleep.
wait_sql() {
	local end=$((SECONDS + $1)) v
	while :; do
		v=$(psql -X -Atq -c "$2" 2>/dev/null | head -1)
		[ -z "$v" ] || { echo "$v"; return 0; }
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# cgi METHOD FILE [AUTH-HEADER]: run the program as a CGI server would.
# Sets STATUS (the number), BODY (the response body) and leaves the whole
# response in $TMPD/response and the log in $TMPD/stderr.
cgi() {
	local method=$1 file=$2 auth=${3-Bearer ${SHOWMOJO_TOKENS%%,*}}
	local len
	len=$(stat -c %s "$file")
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
		CONTENT_LENGTH="$len" CONTENT_TYPE=application/json \
		REMOTE_ADDR=127.0.0.1 REQUEST_URI=/showmojo \
		${auth:+HTTP_AUTHORIZATION="$auth"} \
		"$SMW" <"$file" >"$TMPD/response" 2>"$TMPD/stderr"
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/response")
	BODY=$(sed '1,/^\r$/d' "$TMPD/response")
}

# post JSON-TEXT: cgi POST with the text as body.
post() {
	printf '%s' "$1" >"$TMPD/body.json"
	cgi POST "$TMPD/body.json"
}

# verify_units WHAT UNIT-FILE...: systemd-analyze verify reads the unit
# files without a complaint (its status 0, nothing printed); SKIP where
# systemd-analyze is not installed.  unit_key UNIT-FILE KEY: the values of
# KEY= in a unit file, one a line.
verify_units() {
	local what=$1 rc
	shift
	if ! command -v systemd-analyze >/dev/null; then
		ok 0 "# SKIP systemd-analyze not installed"
		return
	fi
	systemd-analyze verify --man=no "$@" >"$TMPD/verify" 2>&1
	rc=$?
	sed 's/^/# /' "$TMPD/verify"
	[ "$rc" -eq 0 ] && [ ! -s "$TMPD/verify" ]
	ok $? "systemd-analyze verify: $what are clean"
}
unit_key() {
	sed -n "s/^$2=//p" "$1"
}

# start_worker NAME: a FastCGI worker of the program on $TMPD/NAME.sock,
# spawned as in production (spawn-fcgi), its log in $TMPD/NAME.log; PID is
# its process id.  stop_workers [SIGNAL] ends every worker started so (a
# pool's pid file lists several; spawn-fcgi ends a single pid with no
# newline, so each file is read apart); a script's EXIT trap calls it.
start_worker() {
	spawn-fcgi -s "$TMPD/$1.sock" -M 0600 -P "$TMPD/$1.pid" -- \
		/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/$1.log\"" >/dev/null ||
		bail "spawn-fcgi failed"
	PID=$(cat "$TMPD/$1.pid")
}
stop_workers() {
	local f p
	for f in "$TMPD"/*.pid; do
		[ -e "$f" ] || continue
		for p in $(cat "$f"); do
			kill -"${1:-TERM}" "$p" 2>/dev/null
		done
	done
}

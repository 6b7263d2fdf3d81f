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

# Database tests fail, never skip, without a server: tests/run provides one.
need_db() {
	psql -Atqc 'select 1' >/dev/null 2>&1 ||
		bail "no PostgreSQL reachable through PG* variables: run tests/run"
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
	rm -rf "$TMPD"
}
trap cleanup EXIT

sql() {	# sql QUERY: one value per line, fields separated by |
	psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"
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

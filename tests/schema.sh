#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SHOWMOJO_SCHEMA, end to end, with a name that needs quoting ("Show
# Mojo"): migrate, check, health, deliveries (stored, duplicate,
# quarantined), ingest, replay, the views as people query them (psql with
# search_path set to the quoted name) and the two group roles.  Then a
# name made to break out of its quotes: it is only ever a name.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-schema SHOWMOJO_SCHEMA='Show Mojo'
new_db
# q QUERY: psql in the schema, one value per line, fields separated by |
q() {
	PGOPTIONS='-c search_path="Show\ Mojo"' psql -X -Atq -v ON_ERROR_STOP=1 -c "$1" 2>&1
}

is "$(sql "select string_agg(nspname, ',' order by nspname) from pg_namespace
	where nspname ilike '%mojo%'")" "Show Mojo" \
	"migrate created the schema \"Show Mojo\", and no other"
version=$(sed -n 's/^#define SMW_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/lib/store.h")
is "$("$SMW" check 2>&1 | sed -n 's/^database: //p')" "ok, schema Show Mojo at version $version" \
	"check finds the schema at the current version"
cgi GET /dev/null
is "$STATUS" 200 "health: 200"

# --- deliveries -------------------------------------------------------------

cgi POST "$DATA/sample.json"
is "$STATUS $BODY" '200 {"status":"stored","event_id":"1001"}' "a delivery is stored"
cgi POST "$DATA/sample.json"
is "$STATUS $BODY" '200 {"status":"duplicate","event_id":"1001"}' "the same again is a duplicate"
printf 'not json' >"$TMPD/bad"
cgi POST "$TMPD/bad"
is "$STATUS $(printf '%s' "$BODY" | cut -c1-24)" '200 {"status":"quarantined",' \
	"an invalid delivery is quarantined"
sed -e 's/"1001"/"1002"/' "$DATA/sample.json" >"$TMPD/1002.json"
"$SMW" ingest "$TMPD/1002.json" >"$TMPD/out" 2>&1
is "$?:$(cat "$TMPD/out")" "0:$TMPD/1002.json: stored 1002" "ingest stores a saved delivery"

# A delivery kept in the quarantine that is valid now: replay stores it
# and leaves the invalid one.
sed -e 's/"1001"/"1003"/' "$DATA/sample.json" >"$TMPD/1003.json"
q "insert into quarantine (reason, body)
	values ('kept for replay', decode('$(od -An -tx1 -v "$TMPD/1003.json" | tr -d ' \n')', 'hex'))" \
	>/dev/null
"$SMW" replay >"$TMPD/out" 2>&1
is "$?:$(tail -1 "$TMPD/out")" "1:replay: 1 stored, 0 duplicate, 1 still invalid" \
	"replay stores the valid one (exit 1: one still invalid)"
is "$(q "select string_agg(id, ',' order by id) from events")|$(q "select count(*) from showings")|$(q "select count(*) filter (where replayed_at is null) || '/' || count(*) from quarantine")" \
	"1001,1002,1003|1|1/2" "in \"Show Mojo\": three events, one showing, one quarantined delivery still pending"

# --- views --------------------------------------------------------------------

is "$(q "select showing_uid, listing_uid, zone, showtime_local from showings_local")" \
	"sh-42|lst-9|America/New_York|2026-11-22 14:30:00" \
	"showings_local through search_path \"Show Mojo\""
is "$(q "select string_agg(event_id || ':' || category, ',' order by event_id)
	from prospect_timeline where showing_uid = 'sh-42'")" \
	"1001:confirmation,1002:confirmation,1003:confirmation" "prospect_timeline"
is "$(q "select day, category, action, events, showings from events_daily")" \
	"2026-11-20|confirmation|confirm|3|1" "events_daily"
is "$(q "select count(*) from quarantine_summary")" 1 "quarantine_summary"
is "$(q "select count(*) from time_zones where in_reference") $(q "select count(*) from actions")" \
	"144 121" "the reference tables"

# --- roles ----------------------------------------------------------------------

app="smw_sapp_$$"
ro="smw_sro_$$"
pw="pw-$$-$RANDOM"
sql "create role $app login password '$pw' in role showmojo_writer;
	create role $ro login password '$pw' in role showmojo_reader" >/dev/null
trap 'PGDATABASE=postgres sql "drop role if exists $app; drop role if exists $ro" >/dev/null 2>&1; cleanup' EXIT
as() {	# as ROLE QUERY: psql as a login role, in the schema
	PGUSER=$1 PGPASSWORD=$pw PGHOST=${PGHOST:-localhost} \
		PGOPTIONS='-c search_path="Show\ Mojo"' psql -X -Atq -c "$2" 2>&1
}
like() { case $1 in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; echo "#   got: $1" ;; esac; }

sed -e 's/"1001"/"1004"/' "$DATA/sample.json" >"$TMPD/1004.json"
SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$app password=$pw" \
	cgi POST "$TMPD/1004.json"
is "$STATUS $BODY" '200 {"status":"stored","event_id":"1004"}' \
	"the program as a member of showmojo_writer stores a delivery"
SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$app password=$pw" \
	cgi GET /dev/null
is "$STATUS" 200 "and answers the health check"
SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$app password=$pw" \
	"$SMW" replay >"$TMPD/out" 2>&1
is "$?:$(tail -1 "$TMPD/out")" "1:replay: 0 stored, 0 duplicate, 1 still invalid" \
	"and replays the quarantine"
like "$(as "$app" "delete from events")" "permission denied" \
	"the writer cannot delete events"
views=$(sql "select string_agg(table_name, ' ' order by table_name)
	from information_schema.views where table_schema = 'Show Mojo'")
bad=
for v in $views; do
	as "$ro" "select count(*) from \"$v\"" | grep -q '^[0-9]*$' || bad="$bad $v"
done
is "${bad:-none}" none "showmojo_reader reads every view of \"Show Mojo\" ($(echo "$views" | wc -w))"
like "$(as "$ro" "insert into quarantine (reason, body) values ('x', 'x')")" \
	"permission denied" "the reader cannot write"

# --- a name made to break out of its quotes -------------------------------

hostile='x"; DROP SCHEMA "Show Mojo" CASCADE; --'
SHOWMOJO_SCHEMA=$hostile "$SMW" migrate >"$TMPD/out" 2>&1
ok $? "migrate with SHOWMOJO_SCHEMA='$hostile'"
sed -e 's/"1001"/"2001"/' "$DATA/sample.json" >"$TMPD/2001.json"
SHOWMOJO_SCHEMA=$hostile cgi POST "$TMPD/2001.json"
is "$STATUS $BODY" '200 {"status":"stored","event_id":"2001"}' \
	"a delivery stored in that schema"
is "$(sql "select string_agg(nspname, ',' order by nspname) from pg_namespace
	where nspname ilike '%mojo%'")" "Show Mojo,$hostile" \
	"the name is a schema of its own, nothing else was run"
is "$(sql "select count(*) from \"Show Mojo\".events")/$(sql "select string_agg(id, ',')
	from \"${hostile//\"/\"\"}\".events")" "4/2001" \
	"\"Show Mojo\" is untouched; the delivery is in the other schema"

done_testing

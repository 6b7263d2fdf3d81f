#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The program runs as a login role that is only a member of
# showmojo_writer; people who query join showmojo_reader.  Each can do
# what it needs and no more.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-roles
new_db
is "$(sql "select string_agg(rolname, ',' order by rolname) from pg_roles
	where rolname like 'showmojo\_%'")" "showmojo_analyst,showmojo_reader,showmojo_writer" \
	"migrate created the three group roles"

app="smw_app_$$"
ro="smw_ro_$$"
pw="pw-$$-$RANDOM"
sql "create role $app login password '$pw' in role showmojo_writer;
	create role $ro login password '$pw' in role showmojo_reader" >/dev/null
trap 'PGDATABASE=postgres sql "drop role if exists $app; drop role if exists $ro" >/dev/null 2>&1; cleanup' EXIT
as() {	# as ROLE QUERY
	PGUSER=$1 PGPASSWORD=$pw PGHOST=${PGHOST:-localhost} psql -X -Atq -c "$2" 2>&1
}

# The program as the writer.
export SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$app password=$pw"
cgi POST "$DATA/sample.json"
is "$STATUS" 200 "the writer stores a delivery"
printf 'not json' >"$TMPD/bad"
cgi POST "$TMPD/bad"
is "$STATUS" 200 "the writer quarantines"
"$SMW" replay >/dev/null 2>&1
is "$?" 1 "the writer can replay (one still invalid)"
cgi GET /dev/null
is "$STATUS" 200 "the writer answers the health check"
like() { case $1 in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; echo "#   got: $1" ;; esac; }
like "$(as "$app" "delete from showmojo.events")" "permission denied" \
	"the writer cannot delete events"
like "$(as "$app" "update showmojo.events set action = 'x'")" "permission denied" \
	"the writer cannot rewrite events"
like "$(as "$app" "drop table showmojo.showings")" "must be owner" \
	"the writer cannot drop tables"

# The reader sees tables and views created by later migrations.
is "$(as "$ro" "select count(*) from showmojo.events")" 1 "the reader reads events"
views=$(sql "select string_agg(table_name, ' ') from information_schema.views
	where table_schema = 'showmojo'")
bad=0
for v in $views; do
	as "$ro" "select count(*) from showmojo.$v" | grep -q '^[0-9]*$' || bad=$((bad + 1))
done
is "$bad" 0 "the reader reads every view ($views)"
like "$(as "$ro" "insert into showmojo.quarantine (reason, body) values ('x', 'x')")" \
	"permission denied" "the reader cannot write"

done_testing

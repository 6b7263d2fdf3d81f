#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# migrate as an operator sees it.  Without its migrations (a build tree,
# nothing installed) it says how to name sql/ and touches no database.
# In a cluster of its own, run by a role that owns its database but may
# not create roles, it shows the server's warning that 002 could not
# create the group roles, and keeps the notices ("already exists,
# skipping") of a second run quiet.
. "$top_srcdir/tests/lib.sh"

# --- no migrations directory ------------------------------------------------

need_db
db="smw_t_migrate_nodir_$$"
createdb -E UTF8 -T template0 "$db" || bail "createdb failed"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1; cleanup' EXIT
hint() {	# hint DESC: the last run failed and said how to name sql/
	is "$rc" 1 "$1: exit status 1"
	case $(cat "$TMPD/err") in
	*"migrations directory $2: No such file or directory; "*"SHOWMOJO_SQLDIR=DIR showmojo-webhook migrate"*"showmojo-webhook migrate DIR"*)
		ok 0 "$1: the message names the directory and both ways to point at sql/" ;;
	*) ok 1 "$1: the message names the directory and both ways to point at sql/"
	   sed 's/^/#   /' "$TMPD/err" ;;
	esac
}
SHOWMOJO_DB="dbname=$db" SHOWMOJO_SQLDIR="$TMPD/nowhere" "$SMW" migrate \
	>/dev/null 2>"$TMPD/err"
rc=$?
hint "SHOWMOJO_SQLDIR missing" "$TMPD/nowhere"
SHOWMOJO_DB="dbname=$db" "$SMW" migrate "$TMPD/elsewhere" >/dev/null 2>"$TMPD/err"
rc=$?
hint "migrate DIR missing" "$TMPD/elsewhere"
is "$(PGDATABASE=$db sql "select count(*) from pg_namespace where nspname = 'showmojo'")" 0 \
	"nothing created in the database"
# The built-in default is the installed data directory: missing in a
# build tree, unless this build was installed.
SHOWMOJO_DB="dbname=$db" env -u SHOWMOJO_SQLDIR "$SMW" migrate \
	>"$TMPD/out" 2>"$TMPD/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^migrate: [0-9]* applied' "$TMPD/out"; then
	ok 0 "without SHOWMOJO_SQLDIR: the installed migrations applied (this build is installed)"
else
	dir=$(sed -n 's/.*migrations directory \([^:]*\): .*/\1/p' "$TMPD/err")
	case $dir in
	/*/sql) ok 0 "without SHOWMOJO_SQLDIR: the installed data directory ($dir)" ;;
	*) ok 1 "without SHOWMOJO_SQLDIR: the installed data directory"
	   sed 's/^/#   /' "$TMPD/err" ;;
	esac
	hint "without SHOWMOJO_SQLDIR, not installed" "$dir"
fi

dropdb "$db" || bail "dropdb failed"
trap cleanup EXIT

# --- warnings: a role that may not create roles ----------------------------

# A cluster of our own: the group roles must not exist yet (002 creates
# them once per cluster).
own_cluster
psql -X -q -v ON_ERROR_STOP=1 -c "create role smw_owner login nocreaterole" \
	-c "create database smw_mig owner smw_owner encoding 'UTF8' template template0" \
	>/dev/null || bail "could not create the owner"
export SHOWMOJO_DB="dbname=smw_mig user=smw_owner"
"$SMW" migrate >"$TMPD/out" 2>"$TMPD/err"
is "$?:$(sed 's/ at version.*//' "$TMPD/out")" "0:migrate: $(ls "$top_srcdir"/sql/[0-9][0-9][0-9]-*.sql | wc -l) applied, schema showmojo" \
	"a database owner without CREATEROLE migrates"
for r in showmojo_writer showmojo_reader; do
	grep -q "warning: database: migrate: role $r not created (no CREATEROLE): a superuser can run CREATE ROLE $r NOLOGIN" "$TMPD/err"
	ok $? "the server's warning for $r reaches the operator"
done
grep 'warning' "$TMPD/err" >/dev/null || sed 's/^/#   /' "$TMPD/err"
is "$(psql -X -Atq -c "select count(*) from pg_roles where rolname like 'showmojo\_%'")" 0 \
	"no group role was created"
! grep -qi 'notice\|skipping' "$TMPD/err"
ok $? "no notice on the first run"

"$SMW" migrate >"$TMPD/out" 2>"$TMPD/err"
is "$?:$(sed 's/ at version.*//' "$TMPD/out")" "0:migrate: 0 applied, schema showmojo" \
	"migrating again applies nothing"
is "$(cat "$TMPD/err")" "" \
	"migrating again is silent: the server's notices (schema and table already exist) stay quiet"

done_testing

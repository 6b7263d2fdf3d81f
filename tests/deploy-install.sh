#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make install: a build of its own configured with --prefix under $TMPD,
# installed into a DESTDIR; the tree is checked, then put where the prefix
# says (a symbolic link) and the installed program migrates a fresh
# database from the installed migrations, with no SHOWMOJO_SQLDIR; make
# uninstall leaves nothing behind.
. "$(dirname "$0")/lib.sh"

need_db
TEST_DB="smw_t_deploy_install_$$"
createdb -E UTF8 -T template0 "$TEST_DB" || bail "createdb failed"
export PGDATABASE="$TEST_DB"

build="$TMPD/build" prefix="$TMPD/prefix" stage="$TMPD/stage"
mkdir -p "$build"
(
	cd "$build" &&
		"$top_srcdir/configure" -q --prefix="$prefix" >configure.out 2>&1 &&
		make -j2 >make.out 2>&1
) || {
	tail -30 "$build/config.log" "$build/make.out" 2>/dev/null | sed 's/^/# /'
	bail "configure or make failed"
}
make -C "$build" install DESTDIR="$stage" >"$TMPD/install.out" 2>&1
ok $? "make install DESTDIR=..."

root="$stage$prefix"
data="$root/share/showmojo-webhook"
[ -x "$root/bin/showmojo-webhook" ]
ok $? "the program: \$(bindir)/showmojo-webhook"
want=$(cd "$top_srcdir/sql" && ls ./*.sql | sed 's|^\./||')
is "$(cd "$data/sql" && ls ./*.sql | sed 's|^\./||')" "$want" \
	"every migration of sql/ in \$(pkgdatadir)/sql"
[ -s "$root/share/man/man8/showmojo-webhook.8" ]
ok $? "the man page: \$(mandir)/man8/showmojo-webhook.8"
for f in nginx/showmojo-webhook.conf apache/showmojo-webhook-fcgid.conf \
	apache/showmojo-webhook-proxy-fcgi.conf apache/showmojo-webhook-cgi.conf \
	apache/htaccess systemd/showmojo-webhook.socket \
	systemd/showmojo-webhook@.service systemd/environment \
	systemd/showmojo-webhook-prune.service systemd/showmojo-webhook-prune.timer \
	systemd/showmojo-webhook-metrics.service \
	systemd/showmojo-webhook-metrics.timer \
	prometheus/showmojo-webhook.rules.yml \
	prometheus/showmojo-webhook.rules.test.yml \
	spawn-fcgi/pool.conf spawn-fcgi/showmojo-webhook-pool; do
	[ -s "$data/deploy/$f" ]
	ok $? "example configuration: \$(pkgdatadir)/deploy/$f"
done
[ -x "$data/deploy/spawn-fcgi/showmojo-webhook-pool" ]
ok $? "the pool script stays executable"
is "$(sed -n 's/^ExecStart=//p' "$data/deploy/systemd/showmojo-webhook@.service")" \
	"$prefix/bin/showmojo-webhook" "the installed unit starts the installed program"
is "$(sed -n 's/^SMW_PROGRAM=//p' "$data/deploy/spawn-fcgi/pool.conf")" \
	"$prefix/bin/showmojo-webhook" "the installed pool configuration names it too"
grep -q "$prefix/share/showmojo-webhook/sql" "$root/share/man/man8/showmojo-webhook.8"
ok $? "the installed man page names the installed migrations"
! grep -rqE "/usr/local/(bin|share)/showmojo-webhook" "$data/deploy" "$root/share/man/man8/showmojo-webhook.8"
ok $? "no /usr/local path left in the installed files"
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$root/share/man/man8/showmojo-webhook.8" 2>&1 |
		grep -q '^ENVIRONMENT'
	ok $? "the man page renders"
fi

# The staged tree where --prefix said it would be.
ln -s "$root" "$prefix"
unset SHOWMOJO_SQLDIR
export SHOWMOJO_DB="dbname=$TEST_DB"
out=$("$prefix/bin/showmojo-webhook" migrate 2>&1)
ok $? "the installed program migrates without SHOWMOJO_SQLDIR"
echo "$out" | sed 's/^/# /'
n=$(echo "$want" | wc -l)
case $out in
*"migrate: $n applied"*) ok 0 "...applying all $n installed migrations" ;;
*) ok 1 "...applying all $n installed migrations" ;;
esac
is "$(sql "SELECT count(*) FROM information_schema.tables
	WHERE table_schema = 'showmojo' AND table_name IN
	('events', 'showings', 'quarantine')")" 3 "the schema is there"
out=$("$prefix/bin/showmojo-webhook" migrate 2>&1)
case $out in
*"migrate: 0 applied"*) ok 0 "migrate again: nothing to apply" ;;
*) ok 1 "migrate again: nothing to apply"
	echo "# $out" ;;
esac
SHOWMOJO_AUTH=none "$prefix/bin/showmojo-webhook" check >"$TMPD/check.out" 2>&1
ok $? "the installed program's check passes"
rm "$prefix"

make -C "$build" uninstall DESTDIR="$stage" >"$TMPD/uninstall.out" 2>&1
ok $? "make uninstall DESTDIR=..."
left=$(find "$stage" -type f | sed "s|^$stage||")
is "$left" "" "make uninstall leaves no file behind"

done_testing

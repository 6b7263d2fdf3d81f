#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package (debian/), tested as installed: built with
# dpkg-buildpackage from a copy of the source tree, checked by lintian,
# installed with apt; the files, the system user, the modes, no unit
# enabled; the installed program migrates a fresh database from the
# installed migrations and serves a delivery through nginx and the
# installed spawn-fcgi recipe, as the package's user; "check"; an upgrade
# to the same package keeps the token and the environment file; a purge
# leaves nothing of the package behind.  Needs root; changes the machine
# (a package, a system user) and undoes it at exit, whatever happened.
# tests/run runs it as a stage of its own, never "make check".
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP installs a package: run as root"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

PKG=showmojo-webhook
USR=showmojo-webhook
SMW=/usr/bin/showmojo-webhook
SHARE=/usr/share/showmojo-webhook
ETC=/etc/showmojo-webhook
VAR=/var/lib/showmojo-webhook
UNITS="showmojo-webhook.socket showmojo-webhook@.service
showmojo-webhook-drain.service showmojo-webhook-drain.timer
showmojo-webhook-prune.service showmojo-webhook-prune.timer
showmojo-webhook-metrics.service showmojo-webhook-metrics.timer"
# The installed program finds its own migrations.
unset SHOWMOJO_SQLDIR
export DEBIAN_FRONTEND=noninteractive

for c in dpkg-buildpackage dh lintian apt-get nginx spawn-fcgi curl; do
	command -v "$c" >/dev/null || bail "$c missing: run tests/run"
done
[ -f "$top_srcdir/debian/control" ] || bail "no debian/ in $top_srcdir"
need_db
# What the test removes at the end must not be someone else's.
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -qv not-installed; then
	bail "$PKG is installed (or its configuration is): the test would purge it"
fi
for d in "$ETC" "$VAR" "$SHARE" /var/log/showmojo-webhook; do
	[ ! -e "$d" ] || bail "$d exists: the test would remove it"
done
user_before=
getent passwd "$USR" >/dev/null && user_before=1

# Every file whose name says showmojo-webhook outside the test's own
# directory: the same set before the install and after the purge.
leftovers() {
	find /etc /var /usr /lib /opt /srv /run \
		\( -path "$TMPD" -o -path /var/lib/postgresql \) -prune \
		-o -name '*showmojo-webhook*' -print 2>/dev/null | sort
}
before=$(leftovers)

purge() {	# at exit: the package and, when the test made it, the user
	apt-get purge -y -qq "$PKG" </dev/null >"$TMPD/purge-at-exit.out" 2>&1 ||
		dpkg --purge "$PKG" >>"$TMPD/purge-at-exit.out" 2>&1
	if [ -z "$user_before" ] && getent passwd "$USR" >/dev/null; then
		deluser --system --quiet "$USR"
		! getent group "$USR" >/dev/null || delgroup --system --quiet "$USR"
	fi
}
at_exit purge

# --- the build, from a copy of the tree ---
src="$TMPD/src/$PKG"
mkdir -p "$src"
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = \
	"$(cd "$top_srcdir" && pwd -P)" ]; then
	# The files of the checkout as they are now, without what is ignored
	# (configure, Makefile.in, build trees).
	git -C "$top_srcdir" ls-files -z -c -o --exclude-standard |
		(cd "$top_srcdir" && while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done) |
		(cd "$top_srcdir" && xargs -0 -r cp -a --parents -t "$src")
else
	# An unpacked tarball: everything but what a build made in it.
	tar -C "$top_srcdir" --exclude-vcs --exclude=autom4te.cache \
		--exclude=./config.status --exclude=./config.log \
		--exclude=./Makefile --exclude='*.o' --exclude='*.a' \
		--exclude='*.t' --exclude='*.trs' --exclude='*.log' \
		--exclude=.deps --exclude=.dirstamp \
		--exclude=./cgi/showmojo-webhook --exclude='./debian/.debhelper' \
		--exclude="./debian/$PKG" --exclude=./debian/files \
		-cf - . | tar -C "$src" -xf -
fi
[ -f "$src/debian/rules" ] && [ -f "$src/configure.ac" ]
ok $? "a copy of the source tree"
t0=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$TMPD/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b ($((SECONDS - t0)) s)"
[ "$rc" -eq 0 ] || {
	tail -40 "$TMPD/build.log" | sed 's/^/# /'
	bail "the package did not build"
}
deb=$(ls "$TMPD/src/${PKG}"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || bail "no .deb built"
is "$(dpkg-deb -f "$deb" Package Section Priority | tr '\n' ' ')" \
	"Package: $PKG Section: web Priority: optional " "the package's control fields"
deps=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $deps"
case $deps in
*libfcgi0ldbl*libpq5*libyajl2*) ok 0 "run-time libraries from shlibs: libfcgi, libpq, yajl" ;;
*) ok 1 "run-time libraries from shlibs: libfcgi, libpq, yajl" ;;
esac
is "$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/ *(.*//; s/^ *//' |
	grep -vxE 'adduser|libc6|libfcgi0ldbl|libpq5|libyajl2')" "" \
	"...and nothing else but adduser and libc"

# --- lintian ---
lintian --pedantic -I "$deb" >"$TMPD/lintian.out" 2>"$TMPD/lintian.err"
rc=$?
sed 's/^/# lintian: /' "$TMPD/lintian.out"
ok $rc "lintian: exit status 0"
is "$(grep -c '^E:' "$TMPD/lintian.out")" 0 "lintian: no error"
is "$(grep -c '^W:' "$TMPD/lintian.out")" 0 \
	"lintian: no warning (debian/$PKG.lintian-overrides says why for each)"

# --- install ---
apt-get install -y "$deb" </dev/null >"$TMPD/install.out" 2>&1
rc=$?
ok $rc "apt-get install ./${deb##*/}"
[ "$rc" -eq 0 ] || {
	tail -20 "$TMPD/install.out" | sed 's/^/# /'
	bail "the package did not install"
}
is "$(dpkg-query -W -f='${Status}' "$PKG")" "install ok installed" "dpkg: installed"

[ -x "$SMW" ]
ok $? "the program: $SMW"
missing=
for f in "$top_srcdir"/man/*.[1-9] "$top_srcdir"/cgi/*.[1-9]; do
	[ -e "$f" ] || continue
	n=${f##*/}
	[ -s "/usr/share/man/man${n##*.}/$n.gz" ] || missing="$missing $n"
done
is "$missing" "" "every man page of the tree in /usr/share/man"
[ -s /usr/share/man/man8/showmojo-webhook.8.gz ]
ok $? "...showmojo-webhook(8) among them"
zcat /usr/share/man/man8/showmojo-webhook.8.gz | grep -q "$SHARE/sql"
ok $? "...naming the installed migrations"
want=$(cd "$top_srcdir/sql" && ls ./*.sql | sed 's|^\./||')
is "$(cd "$SHARE/sql" && ls ./*.sql | sed 's|^\./||')" "$want" \
	"every migration of sql/ in $SHARE/sql"
missing=
for f in nginx/showmojo-webhook.conf apache/showmojo-webhook-fcgid.conf \
	apache/showmojo-webhook-proxy-fcgi.conf apache/showmojo-webhook-cgi.conf \
	apache/htaccess spawn-fcgi/pool.conf spawn-fcgi/showmojo-webhook-pool \
	systemd/environment $UNITS; do
	case $f in */*) ;; *) f=systemd/$f ;; esac
	[ -s "$SHARE/deploy/$f" ] || missing="$missing $f"
done
is "$missing" "" "the deployment recipes in $SHARE/deploy"
[ -x "$SHARE/deploy/spawn-fcgi/showmojo-webhook-pool" ]
ok $? "...the pool script executable"
! grep -rqE '/usr/local/(bin|share)/showmojo-webhook' "$SHARE/deploy" \
	/lib/systemd/system/showmojo-webhook*
ok $? "...naming /usr/bin/showmojo-webhook, no /usr/local path"
is "$(sed -n 's/^SMW_PROGRAM=//p' "$SHARE/deploy/spawn-fcgi/pool.conf")" "$SMW" \
	"...the pool configuration names the installed program"
missing=
for u in $UNITS; do
	[ -s "/lib/systemd/system/$u" ] || missing="$missing $u"
done
is "$missing" "" "the systemd units in /lib/systemd/system"
is "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/showmojo-webhook@.service)" \
	"$SMW" "...the worker unit starts the installed program"
is "$(find /etc/systemd -name 'showmojo-webhook*' 2>/dev/null)" "" \
	"no unit enabled (no link in /etc/systemd)"
if command -v systemctl >/dev/null; then
	en=
	for u in $UNITS; do
		case $u in *@*) continue ;; esac
		s=$(systemctl is-enabled "$u" 2>/dev/null)
		case $s in enabled*) en="$en $u" ;; esac
	done
	is "$en" "" "...systemctl is-enabled: none enabled"
fi
if [ -d /run/systemd/system ]; then
	act=$(systemctl list-units --all --plain --no-legend 'showmojo-webhook*' |
		awk '$3 == "active" { print $1 }')
	is "$act" "" "...and none started"
fi

pw=$(getent passwd "$USR")
ok $? "the system user $USR"
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
[ "$uid" -lt 1000 ]
ok $? "...a system uid ($uid)"
is "$(getent group "$gid" | cut -d: -f1)" "$USR" "...its own group"
is "$home" "$VAR" "...home $VAR"
is "$shell" /usr/sbin/nologin "...no login shell"
is "$(stat -c '%F %a %U:%G' "$VAR/spool")" "directory 700 $USR:$USR" \
	"the spool: mode 0700, the user's"
is "$(stat -c '%F %a %U' "$VAR")" "directory 755 root" \
	"$VAR: root's, the user may write only in the spool"
is "$(stat -c '%F %a %U:%G %s' "$ETC/tokens")" "regular empty file 600 root:root 0" \
	"the token file: empty, mode 0600, root's"
dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q "^ $ETC/environment "
ok $? "$ETC/environment: a conffile"
! dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q "$ETC/tokens"
ok $? "$ETC/tokens: not a conffile"
cmp -s "$ETC/environment" "$SHARE/deploy/systemd/environment"
ok $? "...the environment file of the systemd recipe"

# --- the installed program and migrations, a fresh database ---
TEST_DB="smw_t_package_$$"
createdb -E UTF8 -T template0 "$TEST_DB" || bail "createdb failed"
export PGDATABASE="$TEST_DB"
DBCONN=$(conninfo)
out=$(SHOWMOJO_DB="$DBCONN" "$SMW" migrate 2>&1)
ok $? "the installed program migrates (no SHOWMOJO_SQLDIR)"
echo "$out" | sed 's/^/# /'
n=$(echo "$want" | wc -l)
case $out in
*"migrate: $n applied"*) ok 0 "...applying all $n installed migrations" ;;
*) ok 1 "...applying all $n installed migrations" ;;
esac

# check with the token file the package made: empty, so it refuses.
SHOWMOJO_DB="$DBCONN" SHOWMOJO_TOKEN_FILE=$ETC/tokens "$SMW" check \
	>"$TMPD/check0.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'no token' "$TMPD/check0.out"
ok $? "check with the empty token file: refuses (exit $rc, no token configured)"

# --- one delivery: nginx, the installed spawn-fcgi recipe, the user ---
# The pool's workers run as the package's user and read the token file
# themselves (pool.conf: group-readable by that user); the spool is the
# one the package made.
SOCK="$TMPD/run/showmojo-webhook.sock"
mkdir -p "$TMPD/run" "$TMPD/log"
printf '# ShowMojo token\n%s\n' "$TOKEN" >"$TMPD/tokens"
chgrp "$USR" "$TMPD/tokens"
chmod 0640 "$TMPD/tokens"
template "$SHARE/deploy/spawn-fcgi/pool.conf" |
	sed -e 's/^SMW_WORKERS=.*/SMW_WORKERS=2/' \
		-e "s|^#SHOWMOJO_SPOOL=.*|SHOWMOJO_SPOOL=$VAR/spool|" >"$TMPD/pool.conf"
pool="$SHARE/deploy/spawn-fcgi/showmojo-webhook-pool"
at_exit "'$pool' stop '$TMPD/pool.conf'"
"$pool" start "$TMPD/pool.conf" >"$TMPD/pool.out" 2>&1
ok $? "the installed pool script starts the workers"
sed 's/^/# /' "$TMPD/pool.out"
is "$(ps -o user= -p "$(head -1 "$TMPD/run/pool.pid" 2>/dev/null || echo 1)")" "$USR" \
	"...running as $USR"
is "$(stat -c '%a %G' "$SOCK" 2>/dev/null)" "660 www-data" \
	"...on a socket for the web server's group"
start_nginx "$SHARE/deploy/nginx/showmojo-webhook.conf"

http GET
is "$STATUS" 200 "GET through nginx: health 200"
http POST "$(delivery 1001)"
is "$STATUS" 200 "POST with the token: 200"
case $BODY in
*'"status":"stored"'*'"event_id":"1001"'*) ok 0 "...stored event 1001" ;;
*) ok 1 "...stored event 1001"
	echo "# body: $BODY" ;;
esac
is "$(sql "SELECT id, action, showing_uid FROM showmojo.events")" \
	"1001|confirm|sh-42" "the event row is in PostgreSQL"
http POST "$(delivery 1002)" "Bearer wrong-$TOKEN"
is "$STATUS" 401 "a wrong token: 401"
is "$(ls "$VAR/spool")" "" "no delivery in the spool while the database answers"
# A delivery stored after the refusal: check then takes ShowMojo's token
# as accepted (tests/signals.sh), and passes.
http POST "$(delivery 1003)"
is "$STATUS" 200 "a delivery after the refusal: 200"

# check as a worker would run: the package's user, its spool.
runuser -u "$USR" -- env SHOWMOJO_DB="$DBCONN" SHOWMOJO_TOKEN_FILE="$TMPD/tokens" \
	SHOWMOJO_SPOOL="$VAR/spool" "$SMW" check >"$TMPD/check1.out" 2>&1
rc=$?
ok $rc "check as $USR with the package's spool: passes"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMPD/check1.out"

# --- upgrade to the same package: the configuration stays ---
printf '%s\n' "$TOKEN" >>"$ETC/tokens"
sed -i 's|^#SHOWMOJO_TIMEOUT_MS=.*|SHOWMOJO_TIMEOUT_MS=5000|' "$ETC/environment"
grep -qx 'SHOWMOJO_TIMEOUT_MS=5000' "$ETC/environment" ||
	bail "could not change $ETC/environment"
SHOWMOJO_DB="$DBCONN" SHOWMOJO_TOKEN_FILE=$ETC/tokens "$SMW" check \
	>"$TMPD/check2.out" 2>&1
ok $? "check with a token in $ETC/tokens: passes"
apt-get install -y --reinstall "$deb" </dev/null >"$TMPD/reinstall.out" 2>&1
rc=$?
ok $rc "apt-get install --reinstall (an upgrade to the same version)"
[ "$rc" -eq 0 ] || tail -20 "$TMPD/reinstall.out" | sed 's/^/# /'
is "$(tail -1 "$ETC/tokens")" "$TOKEN" "...the token written into $ETC/tokens kept"
is "$(stat -c '%a %U:%G' "$ETC/tokens")" "600 root:root" "...with its mode and owner"
grep -qx 'SHOWMOJO_TIMEOUT_MS=5000' "$ETC/environment"
ok $? "...the change to $ETC/environment kept"
is "$(ls "$ETC")" "$(printf 'environment\ntokens')" \
	"...no .dpkg-dist or .dpkg-old beside them"
is "$(stat -c '%a %U:%G' "$VAR/spool")" "700 $USR:$USR" "...the spool unchanged"
http POST "$(delivery 1003)"
is "$STATUS" 200 "a delivery after the upgrade: 200"
is "$(sql "SELECT count(*) FROM showmojo.events")" 2 "...stored"

"$pool" stop "$TMPD/pool.conf" >/dev/null 2>&1
kill_pidfile "$TMPD/nginx/nginx.pid"

# --- purge ---
apt-get purge -y "$PKG" </dev/null >"$TMPD/purge.out" 2>&1
ok $? "apt-get purge"
st=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)
is "${st:-unknown ok not-installed}" "unknown ok not-installed" \
	"dpkg: nothing of the package left, not even its configuration"
left=
for f in "$SMW" "$ETC" "$VAR" "$SHARE" /var/log/showmojo-webhook \
	/usr/share/man/man8/showmojo-webhook.8.gz; do
	[ ! -e "$f" ] || left="$left $f"
done
is "$left" "" "the program, $ETC (tokens too), $VAR (the spool), $SHARE gone"
is "$(leftovers)" "$before" "no file named showmojo-webhook left anywhere"
getent passwd "$USR" >/dev/null
ok $? "the system user stays (Debian practice; deluser --system removes it)"
is "$(find / -xdev -path /proc -prune -o -user "$USR" -print 2>/dev/null |
	grep -v "^$TMPD")" "" "...and owns no file any more"
is "$(sql "SELECT count(*) FROM showmojo.events")" 2 "the database is left alone"

echo "# tests/package.sh: $SECONDS s"
deploy_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nginx in front of a worker started the way the shipped systemd units
# start it (deploy/systemd): socket activation with the listening socket
# on standard input.  systemd is not PID 1 here, so systemd-socket-activate
# (from Debian's systemd package) plays its part: it makes the socket of
# ListenStream=, waits for the first connection, and starts ExecStart= with
# the unit's environment, credential and user; StandardInput=socket is the
# dup of that socket to fd 0.  systemd-analyze verifies the unit files.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

command -v systemd-socket-activate >/dev/null ||
	bail "systemd-socket-activate missing: apt-get install systemd"
deploy_setup
units="$TMPD/units"
mkdir -p "$units"
template "$DEPLOY/systemd/showmojo-webhook.socket" >"$units/showmojo-webhook.socket"
template "$DEPLOY/systemd/showmojo-webhook@.service" >"$units/showmojo-webhook@.service"

# The unit files as systemd reads them: no complaint at all.
verify_units "the socket and service units" \
	"$units/showmojo-webhook.socket" "$units/showmojo-webhook@.service"

svc="$units/showmojo-webhook@.service"
sock="$units/showmojo-webhook.socket"
is "$(unit_key "$sock" ListenStream)" "$SOCK" "the socket unit listens on the socket nginx's snippet names"
is "$(unit_key "$sock" Accept)" no "Accept=no: one socket, handed to long-lived workers"
is "$(unit_key "$svc" StandardInput)" socket "StandardInput=socket: the listening socket is fd 0"
is "$(unit_key "$svc" Sockets)" showmojo-webhook.socket "every worker instance shares the socket unit"
is "$(unit_key "$svc" Restart)" always "a worker that dies is started again"
for k in NoNewPrivileges PrivateTmp ProtectHome PrivateDevices; do
	is "$(unit_key "$svc" $k)" yes "sandbox: $k=yes"
done
is "$(unit_key "$svc" ProtectSystem)" strict "sandbox: ProtectSystem=strict"
user=$(unit_key "$svc" User)
[ -n "$user" ] && [ "$user" != root ]
ok $? "the worker has a user of its own ($user)"

# The service's environment: EnvironmentFile=, then Environment= lines with
# %d (the credentials directory) expanded; LoadCredential= copies the file.
printf 'SHOWMOJO_DB="%s"\n' "$DBCONN" >"$TMPD/environment"
creds="$TMPD/credentials"
mkdir -p "$creds"
envargs=()
while IFS= read -r line; do
	line=${line#-}
	while IFS= read -r kv; do
		case $kv in '#'* | '') continue ;; esac
		v=${kv#*=}
		v=${v#\"}
		v=${v%\"}
		envargs+=(-E "${kv%%=*}=$v")
	done <"$line"
done < <(unit_key "$svc" EnvironmentFile)
while IFS= read -r line; do
	name=${line%%:*}
	cp "${line#*:}" "$creds/$name"
done < <(unit_key "$svc" LoadCredential)
while IFS= read -r line; do
	envargs+=(-E "${line//%d/$creds}")
done < <(unit_key "$svc" Environment)

# User=/Group=: that user if this machine has it, else nobody.
if id "$user" >/dev/null 2>&1; then
	group=$(unit_key "$svc" Group)
else
	user=nobody group=nogroup
fi
chown -R "$user" "$creds"
chmod -R go= "$creds"
nnp=
[ "$(unit_key "$svc" NoNewPrivileges)" = yes ] && nnp=--no-new-privs
read -r -a execstart < <(unit_key "$svc" ExecStart)

# StandardInput=socket: the socket (fd 3 from systemd-socket-activate)
# becomes fd 0; otherwise systemd gives /dev/null.
if [ "$(unit_key "$svc" StandardInput)" = socket ]; then
	stdin='exec "$@" <&3 3<&-'
else
	stdin='exec "$@" </dev/null 3<&-'
fi
# The socket as the socket unit makes it; then the worker as the service
# starts it, stderr to the journal (here: a file).
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin systemd-socket-activate \
	-l "$(unit_key "$sock" ListenStream)" "${envargs[@]}" -- \
	setpriv --reuid="$user" --regid="$group" --clear-groups $nnp \
	/bin/sh -c "$stdin" sh "${execstart[@]}" \
	>"$TMPD/log/worker.log" 2>&1 &
activator=$!
at_exit "kill -TERM $activator; wait_gone $activator || kill -KILL $activator"
for ((i = 0; i < 50; i++)); do
	[ -S "$SOCK" ] && break
	sleep 0.1
done
chgrp "$(unit_key "$sock" SocketGroup)" "$SOCK" &&
	chmod "$(unit_key "$sock" SocketMode)" "$SOCK"
ok $? "socket made, with SocketGroup= and SocketMode="
case $(readlink "/proc/$activator/exe") in
*/systemd-socket-activate) ok 0 "no worker before the first connection" ;;
*) ok 1 "no worker before the first connection" ;;
esac

start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"

deploy_checks

# The worker is the activator's process, now the program itself.
pid=$activator
is "$(readlink "/proc/$pid/exe")" "$(readlink -f "$SMW")" "the worker runs the program"
is "$(ps -o user= -p "$pid")" "$user" "the worker runs as the unit's user"
case $(readlink "/proc/$pid/fd/0") in
socket:*) ok 0 "the worker's fd 0 is the listening socket" ;;
*) ok 1 "the worker's fd 0 is the listening socket" ;;
esac
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status"
ok $? "the worker runs with no_new_privs"
tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "SHOWMOJO_TOKEN_FILE=$creds/tokens"
ok $? "the token comes from the credential (SHOWMOJO_TOKEN_FILE=%d/tokens)"
grep -q 'delivery event=1001 action=confirm outcome=stored status=200' \
	"$TMPD/log/worker.log"
ok $? "the worker logs each delivery to stderr (the journal)"

# SIGTERM (systemctl stop): the worker finishes and exits.
kill -TERM "$pid"
wait_gone "$pid"
ok $? "SIGTERM stops the worker"

deploy_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The spool in a silent network loss, with the default SHOWMOJO_TIMEOUT_MS
# (10 s): an nftables rule (a table of this test's own, deleted at exit)
# drops every packet to the cluster's port.  For FastCGI workers and for
# CGI processes, with one host in SHOWMOJO_DB and with two: the first
# delivery is answered 200 spooled within SHOWMOJO_TIMEOUT_MS + 1 s,
# connection attempts included, and the ones after it within 1 s each
# (the outage marker: nobody waits on the network again).  Once the path
# is back, a probe finds the database and deliveries are stored again;
# nothing is lost.  Prints every answer time.
. "$top_srcdir/tests/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root: nftables rules need root"
	exit 77
fi
command -v nft >/dev/null || bail "nft missing (Debian package nftables)"
command -v cgi-fcgi >/dev/null || bail "cgi-fcgi missing (Debian package libfcgi-bin)"
export SHOWMOJO_TOKENS=tok-spool-net
unset SHOWMOJO_TIMEOUT_MS
own_cluster
own_cluster_tcp
new_db
ONE="host=127.0.0.1 port=$PGPORT dbname=$TEST_DB user=postgres"
TWO="host=127.0.0.2,127.0.0.1 port=$PGPORT,$PGPORT dbname=$TEST_DB user=postgres"

TABLE="smw_spoolnet_$$"
nft add table inet "$TABLE" &&
	nft add chain inet "$TABLE" output '{ type filter hook output priority 0; policy accept; }' ||
	bail "nft could not add table $TABLE"
trap 'nft delete table inet "$TABLE" 2>/dev/null; stop_workers; cleanup' EXIT
lose() { nft add rule inet "$TABLE" output tcp dport "$PGPORT" drop; }
heal() { nft flush chain inet "$TABLE" output; }

now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }
delivery() {	# delivery ID
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"n-%s"}}}' "$1" "$1"
}
fcgi() {	# fcgi SOCKET-NAME BODY-TEXT: sets STATUS and BODY
	printf '%s' "$2" >"$TMPD/fb.json"
	env REQUEST_METHOD=POST CONTENT_LENGTH="$(stat -c %s "$TMPD/fb.json")" \
		HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" \
		timeout 60 cgi-fcgi -bind -connect "$TMPD/$1.sock" \
		<"$TMPD/fb.json" >"$TMPD/fr" 2>/dev/null
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/fr")
	BODY=$(tr -d '\r' <"$TMPD/fr" | sed '1,/^$/d')
}

# scenario NAME KIND DB: ten deliveries in a row during the loss, through
# KIND (fastcgi: two workers taking turns; cgi: a process each).
n=0
scenario() {
	local name=$1 kind=$2 db=$3 i t0 first rest=0 worst=0 spooled=0
	export SHOWMOJO_DB=$db SHOWMOJO_SPOOL="$TMPD/spool-$name"
	mkdir -m 0700 "$SHOWMOJO_SPOOL"
	if [ "$kind" = fastcgi ]; then
		start_worker "$name-a"
		start_worker "$name-b"
		fcgi "$name-a" "$(delivery "$name-warm-a")"
		fcgi "$name-b" "$(delivery "$name-warm-b")"
	fi
	lose
	for i in $(seq 10); do
		t0=$(now)
		if [ "$kind" = fastcgi ]; then
			fcgi "$name-$([ $((i % 2)) -eq 1 ] && echo a || echo b)" "$(delivery "$name-$i")"
		else
			post "$(delivery "$name-$i")"
		fi
		t=$(ms "$t0")
		case "$STATUS $BODY" in '200 {"status":"spooled"'*) spooled=$((spooled + 1)) ;; esac
		if [ "$i" -eq 1 ]; then first=$t; else
			rest="$rest $t"
			[ "$t" -le "$worst" ] || worst=$t
		fi
	done
	echo "# $name: first delivery $first ms, the next nine:${rest#0} ms"
	is "$spooled" 10 "$name: every delivery during the loss answered 200 spooled"
	ok "$(( first > 11000 ))" "$name: the first within SHOWMOJO_TIMEOUT_MS + 1 s ($first ms)"
	ok "$(( worst > 1000 ))" "$name: each after it within 1 s (at most $worst ms)"
	heal
	# A probe (every 2 s at most) finds the database back.
	local end=$((SECONDS + 30)) stored=0
	i=0
	while [ "$SECONDS" -lt "$end" ]; do
		i=$((i + 1))
		if [ "$kind" = fastcgi ]; then fcgi "$name-a" "$(delivery "$name-back-$i")"
		else post "$(delivery "$name-back-$i")"; fi
		case "$BODY" in *'"status":"stored"'*) stored=1; break ;; esac
		sleep 0.5
	done
	is "$stored" 1 "$name: path back: deliveries are stored again ($i tries)"
	"$SMW" drain >/dev/null 2>&1
	is "$(sql "select count(*) from showmojo.events where id like '$name-%' and id not like '$name-back-%'
		and id not like '$name-warm-%'")/$(find "$SHOWMOJO_SPOOL" -name 'e-*' | wc -l)" \
		"10/0" "$name: the ten spooled deliveries stored by the drain, none left"
	stop_workers
}
scenario fcgi1 fastcgi "$ONE"
scenario fcgi2 fastcgi "$TWO"
scenario cgi1 cgi "$ONE"
scenario cgi2 cgi "$TWO"

done_testing

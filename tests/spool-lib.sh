# SPDX-License-Identifier: MIT
# Shared by the spool tests: a pool of FastCGI workers started as in
# production (spawn-fcgi), and a sender that posts one file to it with
# libfcgi's own client.  Source after tests/lib.sh, with SHOWMOJO_TOKENS
# and SHOWMOJO_SPOOL exported.
command -v cgi-fcgi >/dev/null || bail "cgi-fcgi missing (Debian package libfcgi-bin)"
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi missing (Debian package spawn-fcgi)"
chmod 0755 "$TMPD"
SOCK="$TMPD/w.sock"

# start_pool N: N workers on $SOCK, logging to $TMPD/w.log.
start_pool() {
	rm -f "$SOCK"
	spawn-fcgi -F "$1" -s "$SOCK" -M 0600 -P "$TMPD/w.pid" -- \
		/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null ||
		bail "spawn-fcgi failed"
	for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
}
stop_pool() {
	[ -e "$TMPD/w.pid" ] || return 0
	xargs kill <"$TMPD/w.pid" 2>/dev/null
	rm -f "$TMPD/w.pid"
}
trap 'stop_pool; cleanup' EXIT

# send_all PAR <LIST: post each file named in LIST, PAR at a time (one
# connection each); prints "STATUS BODY" for each.
send_all() {
	local i
	split -n "r/$1" - "$TMPD/part."
	for i in "$TMPD"/part.*; do
		"$top_builddir/tests/tools/fcgi-load" "$SOCK" \
			"${SHOWMOJO_TOKENS%%,*}" - <"$i" >"$i.out" &
	done
	wait
	cat "$TMPD"/part.*.out
	rm -f "$TMPD"/part.*
}

# get_health: the health answer's status and body on one line.
get_health() {
	env REQUEST_METHOD=GET timeout 60 cgi-fcgi -bind -connect "$SOCK" \
		</dev/null 2>/dev/null | tr -d '\r' |
		awk 'NR == 1 { s = $2 } END { print s, $0 }'
}

spool_entries() {
	find "$SHOWMOJO_SPOOL" -name 'e-*' | wc -l
}

# wait_spool_empty SECONDS: until no entry is left (true) or SECONDS pass.
wait_spool_empty() {
	local end=$((SECONDS + $1))
	while [ "$(spool_entries)" -gt 0 ]; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

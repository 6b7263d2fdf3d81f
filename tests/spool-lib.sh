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

# $TMPD/send FILE: one POST; prints "STATUS BODY" on one line.
cat >"$TMPD/send" <<EOS
#!/bin/sh
env REQUEST_METHOD=POST CONTENT_LENGTH=\$(stat -c %s "\$1") \
	CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 REQUEST_URI=/showmojo \
	HTTP_AUTHORIZATION="Bearer ${SHOWMOJO_TOKENS%%,*}" \
	timeout 60 cgi-fcgi -bind -connect "$SOCK" <"\$1" 2>/dev/null |
	tr -d '\r' | awk 'NR == 1 { s = \$2 } END { print s, \$0 }'
EOS
chmod +x "$TMPD/send"

# get_health: the health answer's status and body on one line.
get_health() {
	env REQUEST_METHOD=GET timeout 60 cgi-fcgi -bind -connect "$SOCK" \
		</dev/null 2>/dev/null | tr -d '\r' |
		awk 'NR == 1 { s = $2 } END { print s, $0 }'
}

spool_entries() {
	find "$SHOWMOJO_SPOOL" -name 'e-*' | wc -l
}

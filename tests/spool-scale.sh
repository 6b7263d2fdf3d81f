#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The spool at scale and under concurrency.
#  - The cap holds with 8 writers at once: what the spool holds never
#    passes SHOWMOJO_SPOOL_MAX (at most one body over is allowed), and
#    every delivery it could not take is answered 500, none lost.
#  - With 200,000 entries waiting, a spooled delivery reads no directory
#    (strace -c: no getdents64, the same file operations as with an empty
#    spool) and answers within 5 ms of its time with an empty one (the
#    least of 21 each, alternating).
#  - The drain rate with live deliveries running (20,000 entries).
# Prints the figures.  SPOOL_SCALE_N sets the number of entries waiting.
. "$top_srcdir/tests/lib.sh"
command -v strace >/dev/null || bail "strace missing (Debian package strace)"
export SHOWMOJO_TOKENS=tok-scale
N=${SPOOL_SCALE_N:-200000}
own_cluster
new_db
FILL="$top_builddir/tests/tools/spool-fill"
NOWHERE="host=$TMPD/nowhere"	# the database unreachable: spooled
now() { date +%s%N; }

# --- the cap under 8 concurrent writers ---
export SHOWMOJO_SPOOL="$TMPD/cap"
mkdir -m 0700 "$SHOWMOJO_SPOOL"
body=$(printf '{"event":{"id":"ID","pad":"%01000d"}}' 0)
size=$(( ${#body} + 400 ))	# the body and about its header
export SHOWMOJO_SPOOL_MAX=$((20 * size))
writer() {	# writer W: ten deliveries, one after the other
	local i
	for i in $(seq 10); do
		printf '%s' "${body/ID/cap-$1-$i}" >"$TMPD/cap-$1.json"
		env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
			CONTENT_LENGTH="$(stat -c %s "$TMPD/cap-$1.json")" \
			CONTENT_TYPE=application/json HTTP_AUTHORIZATION="Bearer tok-scale" \
			SHOWMOJO_DB="$NOWHERE" "$SMW" <"$TMPD/cap-$1.json" 2>/dev/null |
			sed -n '1s/^Status: \([0-9]*\).*/\1/p'
	done >"$TMPD/cap-$1.status"
}
for w in 1 2 3 4 5 6 7 8; do writer "$w" & done
wait
held=$(find "$SHOWMOJO_SPOOL" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
n200=$(cat "$TMPD"/cap-*.status | grep -c '^200$')
n500=$(cat "$TMPD"/cap-*.status | grep -c '^500$')
echo "# cap $SHOWMOJO_SPOOL_MAX bytes: 80 deliveries by 8 writers: $n200 spooled, $n500 refused (500); the spool holds $held bytes"
ok "$(( held > SHOWMOJO_SPOOL_MAX + ${#body} ))" "the cap holds under 8 concurrent writers ($held bytes)"
is "$((n200 + n500))/$(find "$SHOWMOJO_SPOOL" -name 'e-*' | wc -l)" "80/$n200" \
	"every delivery answered 200 spooled or 500; each 200 is an entry"
ok "$(( n200 < 15 ))" "the spool was filled to about its cap ($n200 entries)"
is "$(sed 's/^0*\([0-9]\)/\1/; s/ 0*\([0-9]\)/ \1/g' "$SHOWMOJO_SPOOL/.usage")" "$held $n200 0" \
	"the kept usage equals what the directory holds"
unset SHOWMOJO_SPOOL_MAX

# --- a spooled delivery with 200,000 entries waiting ---
mkdir -m 0700 "$TMPD/big" "$TMPD/empty"
t0=$(now)
"$FILL" "$TMPD/big" "$N" big || bail "spool-fill failed"
echo "# $N entries written in $(( ($(now) - t0) / 1000000 )) ms"
spool_post() {	# spool_post DIR ID: one spooled delivery; prints the ms
	# its answer took, as its log line says (the process's start, which
	# varies far more, left out), and the whole process's
	local t
	printf '{"event":{"id":"%s","action":"update"}}' "$2" >"$TMPD/one.json"
	t=$(now)
	SHOWMOJO_SPOOL=$1 SHOWMOJO_DB=$NOWHERE cgi POST "$TMPD/one.json"
	echo "$(sed -n 's/.* outcome=spooled status=200 ms=\([0-9.]*\).*/\1/p' "$TMPD/stderr") $(( ($(now) - t) / 1000 ))"
	[ "$STATUS" = 200 ] || echo "# $1: $STATUS $BODY" >&2
}
spool_post "$TMPD/big" first >/dev/null	# counts the usage once
spool_post "$TMPD/empty" first >/dev/null
for i in $(seq 21); do	# alternating: what else the machine does weighs on both
	spool_post "$TMPD/empty" "e$i" >>"$TMPD/t-empty"
	spool_post "$TMPD/big" "b$i" >>"$TMPD/t-big"
done
median() {	# median FILE COLUMN
	awk -v c="$2" '{ print $c }' "$1" | sort -n | sed -n 11p
}
me=$(median "$TMPD/t-empty" 1)
mb=$(median "$TMPD/t-big" 1)
echo "# spooled delivery, its answer (log): median $me ms with an empty spool, $mb ms with $N entries waiting"
echo "# the same, the whole CGI process: median $(median "$TMPD/t-empty" 2) µs, $(median "$TMPD/t-big" 2) µs"
ok "$(awk -v a="$mb" -v b="$me" 'BEGIN { exit !(a != "" && b != "" && a - b <= 5) }'; echo $?)" \
	"with $N entries waiting, answered within 5 ms of an empty spool ($mb vs $me ms)"
ops() {	# ops DIR: the directory and file system calls of one spooled delivery
	printf '{"event":{"id":"strace-%s","action":"update"}}' "$RANDOM" >"$TMPD/one.json"
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
		CONTENT_LENGTH="$(stat -c %s "$TMPD/one.json")" HTTP_AUTHORIZATION="Bearer tok-scale" \
		SHOWMOJO_SPOOL="$1" SHOWMOJO_DB="$NOWHERE" \
		strace -f -c -o "$TMPD/strace.out" \
		-e trace=getdents64,openat,open,rename,renameat2,unlink,unlinkat,mkdir,fstatat64,newfstatat,stat,lstat,statx,access,faccessat,faccessat2,fsync,flock,ftruncate \
		"$SMW" <"$TMPD/one.json" >/dev/null 2>&1
	awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { print $NF, $4 }' \
		"$TMPD/strace.out" | sort
}
ops "$TMPD/empty" >"$TMPD/ops-empty"
ops "$TMPD/big" >"$TMPD/ops-big"
echo "# system calls of one spooled delivery, with $N entries waiting: $(tr '\n' ' ' <"$TMPD/ops-big")"
is "$(grep -c getdents64 "$TMPD/ops-big")" 0 "a spooled delivery reads no directory"
is "$(cat "$TMPD/ops-big")" "$(cat "$TMPD/ops-empty")" \
	"the same file operations as with an empty spool"

# --- the drain rate, with live deliveries running ---
mkdir -m 0700 "$TMPD/rate"
"$FILL" "$TMPD/rate" 20000 rate || bail "spool-fill failed"
export SHOWMOJO_SPOOL="$TMPD/rate"
touch "$TMPD/live.run"
(
	i=0
	while [ -e "$TMPD/live.run" ]; do
		i=$((i + 1))
		printf '{"event":{"id":"live-%d","action":"update","showing":{"uid":"rate-s%d"}}}' \
			"$i" $((i % 1000)) >"$TMPD/live.json"
		t=$(now)
		cgi POST "$TMPD/live.json"
		echo "$STATUS $(( ($(now) - t) / 1000000 ))"
	done >"$TMPD/live.out"
) &
live=$!
"$SMW" drain >"$TMPD/rate.out" 2>/dev/null
rm -f "$TMPD/live.run"
wait "$live"
sed 's/^/# /' "$TMPD/rate.out"
echo "# live deliveries meanwhile: $(wc -l <"$TMPD/live.out"), $(grep -vc '^200 ' "$TMPD/live.out") not 200, median $(awk '{ print $2 }' "$TMPD/live.out" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
is "$(cut -d';' -f1 "$TMPD/rate.out")" \
	"drain: 20000 stored, 0 duplicate, 0 quarantined, 0 left, 0 set aside" \
	"the drain stores all 20000 with live deliveries running"
is "$(grep -vc '^200 ' "$TMPD/live.out")" 0 "every live delivery meanwhile answered 200"
done_testing

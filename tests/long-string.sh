#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bodies that are one long string, end to end through the program and
# PostgreSQL with SHOWMOJO_MAX_BODY raised: a 16 MiB body that is one JSON
# string is quarantined whole, a delivery whose showing.notes is 16 MiB is
# stored with the whole text, and so is one whose long string is under a
# key the program does not read.  The parser's work on such bodies is
# linear (tests/parse.c counts it); the seconds each request took are
# printed, not asserted.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-long
new_db
export SHOWMOJO_MAX_BODY=16777216	# the largest allowed
size=$((16 * 1024 * 1024))

# timed FILE: cgi POST FILE, printing how long it took.
timed() {
	local t0=$EPOCHREALTIME
	cgi POST "$1"
	echo "# $(basename "$1"): $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.2f", b - a }') s"
}

# xs N: N bytes of 'x'.
xs() {
	head -c "$1" /dev/zero | tr '\0' x
}

# The whole body is one string.
{ printf '"'; xs $((size - 2)); printf '"'; } >"$TMPD/one.json"
is "$(stat -c %s "$TMPD/one.json")" "$size" "a body that is one string of $size bytes"
timed "$TMPD/one.json"
is "$STATUS" 200 "is answered 200"
case $BODY in
*'"status":"quarantined"'*) ok 0 "and quarantined" ;;
*) ok 1 "and quarantined ($BODY)" ;;
esac
is "$(sql "select reason, length(body), md5(body) from showmojo.quarantine")" \
	"top level is a string, not an object|$size|$(md5sum <"$TMPD/one.json" | cut -d' ' -f1)" \
	"the quarantine holds it whole, with the reason"

# delivery FILE ID KEY: a delivery of $size bytes whose showing has KEY
# with a long string value (escapes and UTF-8 in it); sets TEXT_LEN to the
# length in characters of the value once read.
delivery() {
	local fill
	printf '{"event":{"id":"%s","action":"update","showing":{"uid":"long-%s","%s":"Caf\\u00e9 \\"\xc3\xa9\\" ' \
		"$2" "$2" "$3" >"$1"
	fill=$((size - $(stat -c %s "$1") - 4))
	{ xs "$fill"; printf '"}}}'; } >>"$1"
	TEXT_LEN=$((9 + fill))
}

delivery "$TMPD/notes.json" 8001 notes
is "$(stat -c %s "$TMPD/notes.json")" "$size" "a delivery of $size bytes, most of it showing.notes"
timed "$TMPD/notes.json"
is "$STATUS" 200 "is answered 200"
is "$BODY" '{"status":"stored","event_id":"8001"}' "and stored"
is "$(sql "select length(notes), left(notes, 10), md5(notes) = md5(payload->'event'->'showing'->>'notes')
	from showmojo.showings s join showmojo.events e on e.showing_uid = s.uid
	where s.uid = 'long-8001'")" \
	"$TEXT_LEN|Café \"é\" x|t" "the showing holds the whole text, read as the payload reads"

delivery "$TMPD/unknown.json" 8002 remarks
timed "$TMPD/unknown.json"
is "$BODY" '{"status":"stored","event_id":"8002"}' "a delivery whose long string is under an unknown key is stored"
is "$(sql "select length(payload->'event'->'showing'->>'remarks')
	from showmojo.events where id = '8002'")" "$TEXT_LEN" "with the whole value in its payload"

done_testing

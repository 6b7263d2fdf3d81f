#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The largest body SHOWMOJO_MAX_BODY may allow (16 MiB), end to end
# through the program and PostgreSQL: a valid delivery of exactly that size
# is stored, an invalid one is quarantined whole (both answered 200), one
# byte more is 413; a larger setting is refused at start, naming the
# variable and the cap.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-max
new_db
cap=16777216
export SHOWMOJO_MAX_BODY=$cap

# body FILE ID SIZE [GARBAGE]: a delivery of exactly SIZE bytes, carrying
# a long array of short strings (as a big, real document would: many
# values, none huge); GARBAGE after the document makes it invalid.  Sets
# ITEMS to the number of short strings.
body() {
	local head tail item fill n
	head="{\"event\":{\"id\":\"$2\",\"action\":\"update\",\"showing\":{\"uid\":\"big-$2\",\"name\":\"Big\"},\"extra\":["
	tail="\"end\"]}}${4-}"
	item='"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",'
	fill=$(($3 - ${#head} - ${#tail}))
	n=$((fill / (${#item} + 1)))
	ITEMS=$n
	{
		printf '%s' "$head"
		yes "$item" | head -n "$n"
		head -c $((fill - n * (${#item} + 1))) /dev/zero | tr '\0' ' '
		printf '%s' "$tail"
	} >"$1"
}

body "$TMPD/valid.json" 9001 "$cap"
is "$(stat -c %s "$TMPD/valid.json")" "$cap" "a valid body of exactly $cap bytes"
cgi POST "$TMPD/valid.json"
is "$STATUS" 200 "the largest valid body is answered 200"
is "$BODY" '{"status":"stored","event_id":"9001"}' "and stored"
is "$(sql "select jsonb_array_length(payload->'event'->'extra')
	from showmojo.events where id = '9001'")" "$((ITEMS + 1))" \
	"the event is in the database with its whole payload ($((ITEMS + 1)) values)"
is "$(sql "select name from showmojo.showings where uid = 'big-9001'")" Big \
	"and its showing"

body "$TMPD/invalid.json" 9002 "$cap" x
is "$(stat -c %s "$TMPD/invalid.json")" "$cap" "an invalid body of exactly $cap bytes"
cgi POST "$TMPD/invalid.json"
is "$STATUS" 200 "the largest invalid body is answered 200"
case $BODY in
*'"status":"quarantined"'*) ok 0 "and quarantined" ;;
*) ok 1 "and quarantined ($BODY)" ;;
esac
is "$(sql "select length(body), md5(body) from showmojo.quarantine
	where event_id = '9002'")" "$cap|$(md5sum <"$TMPD/invalid.json" | cut -d' ' -f1)" \
	"the quarantine holds the whole body, byte for byte"

head -c $((cap + 1)) /dev/zero | tr '\0' ' ' >"$TMPD/over.json"
cgi POST "$TMPD/over.json"
is "$STATUS" 413 "one byte more is 413"
is "$(sql "select count(*) from showmojo.quarantine")" 1 "and nothing is kept"

# A larger setting is refused at start, with the variable and the cap.
SHOWMOJO_MAX_BODY=$((cap + 1)) "$SMW" check >"$TMPD/check.out" 2>&1
is "$?" 2 "check refuses SHOWMOJO_MAX_BODY=$((cap + 1))"
grep -q "SHOWMOJO_MAX_BODY=$((cap + 1)): expected a number from 1 to $cap (16 MiB" "$TMPD/check.out"
ok $? "naming the variable and the cap ($(head -1 "$TMPD/check.out"))"
SHOWMOJO_MAX_BODY=1073741824 post '{"event":{"id":"9003"}}'
is "$STATUS" 503 "a CGI delivery with a setting past the cap is answered 503"
grep -q "SHOWMOJO_MAX_BODY=1073741824: expected a number from 1 to $cap " "$TMPD/stderr"
ok $? "and the log says why"

done_testing

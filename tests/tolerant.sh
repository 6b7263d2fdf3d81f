#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a Rails sender plausibly sends, read where the meaning is beyond
# doubt: every row of tests/data/tolerant/variations.tsv (a field, a JSON
# value, what the database must then hold) is posted through the program
# as a web server runs it, and the stored value is read back, in UTC, from
# the column: so every time form the parser accepts is checked to be read
# by PostgreSQL as the instant the table expects.  The program's own
# session is in New York time: a time without an offset must still be UTC.
# The payload keeps the value as sent (its JSON type included); a refusal
# names the field.  Then the same table with SHOWMOJO_STRICT=1, numeric ids
# against their ordering key, and replay of deliveries quarantined by the
# program before it read these forms.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-tolerant
new_db
TABLE="$top_srcdir/tests/data/tolerant/variations.tsv"
export PGTZ=America/New_York	# the program's session; ingest() reads UTC
usql() {	# usql QUERY: sql in a UTC session
	PGTZ=UTC sql "$1"
}

# body N FIELD VALUE: a delivery with VALUE at FIELD, marked by action v-N.
body() {
	local n=$1 field=$2 v=$3 id="\"tol-$1\"" uid="\"tsh-$1\"" ev="" sh=""
	case $field in
	event.id) id=$v ;;
	showing.uid) uid=$v ;;
	event.*) ev=",\"${field#event.}\":$v" ;;
	showing.*) sh=",\"${field#showing.}\":$v" ;;
	esac
	printf '{"event":{"id":%s,"action":"v-%s","created_at":"2026-01-01T00:00:00Z"%s,"showing":{"uid":%s%s}}}' \
		"$id" "$n" "$ev" "$uid" "$sh"
}

# The stored value of each field for the delivery marked v-N, as text in
# UTF-8, and whether the payload holds the value sent (rows of $TMPD/sent:
# N, field, JSON value): one query for the whole table.
stored_values() {
	local rows
	rows=$(awk -F '\t' '{ printf "%s(%s, $f$%s$f$, $j$%s$j$)", (NR > 1 ? ",\n" : ""), $1, $2, $3 }' "$TMPD/sent")
	usql "with t(n, field, v) as (values $rows)
	select t.n, coalesce(case t.field
		when 'event.id' then e.id
		when 'event.team_member_uid' then e.team_member_uid
		when 'event.created_at' then e.created_at::text
		when 'showing.uid' then s.uid
		when 'showing.listing_uid' then s.listing_uid
		when 'showing.created_at' then s.created_at::text
		when 'showing.showtime' then s.showtime::text
		when 'showing.confirmed_at' then s.confirmed_at::text
		when 'showing.canceled_at' then s.canceled_at::text
		when 'showing.self_show_code_distributed_at'
			then s.self_show_code_distributed_at::text
		when 'showing.showing_time_zone_utc_offset'
			then s.showing_time_zone_utc_offset::text
		when 'showing.is_self_show' then s.is_self_show::text
		end, 'NULL') || case when e.payload #> string_to_array(
		    regexp_replace(t.field, '^showing', 'event.showing'), '.') =
		    t.v::jsonb then '' else ' (payload differs)' end
	from t join showmojo.events e on e.action = 'v-' || t.n
	left join showmojo.showings s on s.uid = e.showing_uid order by t.n"
}

# run MODE: the rows of the table, as the mode (default, strict) expects;
# in strict mode only those it reads differently, and those stored.
run() {
	local mode=$1 n=0 field v want swant status
	local rows=0 stored=0 refused=0 dup=0
	: >"$TMPD/sent"
	: >"$TMPD/want"
	: >"$TMPD/refused"
	while IFS=$'\t' read -r field v want swant; do
		case $field in '#'*|'') continue ;; esac
		n=$((n + 1))
		if [ "$mode" = strict ]; then
			[ "$swant" != = ] || [ "$want" != quarantine ] || continue
			[ "$swant" = = ] || want=$swant
		fi
		body "$n" "$field" "$v" >"$TMPD/d.json"
		cgi POST "$TMPD/d.json"
		status=$(printf '%s' "$BODY" | sed -n 's/^{"status":"\([a-z]*\)".*/\1/p')
		rows=$((rows + 1))
		case $want in
		quarantine)
			refused=$((refused + 1))
			is "$STATUS $status" "200 quarantined" "$mode: $field $v quarantined"
			case $field in
			showing.*) printf '%s\tevent.%s\t%s\n' "$n" "$field" "$v" ;;
			*) printf '%s\t%s\t%s\n' "$n" "$field" "$v" ;;
			esac >>"$TMPD/refused" ;;
		duplicate)
			dup=$((dup + 1))
			is "$STATUS $status" "200 duplicate" "$mode: $field $v is a duplicate" ;;
		*)
			stored=$((stored + 1))
			is "$STATUS $status" "200 stored" "$mode: $field $v stored"
			printf '%s\t%s\t%s\n' "$n" "$field" "$v" >>"$TMPD/sent"
			printf '%s|%s\n' "$n" "$want" >>"$TMPD/want" ;;
		esac
	done <"$TABLE"
	echo "# $mode: $rows variations: $stored stored, $dup duplicates, $refused quarantined"
	# Each stored value, read back in UTC, is what the table says.
	stored_values >"$TMPD/got"
	diff "$TMPD/want" "$TMPD/got" | sed 's/^/# /'
	is "$(diff "$TMPD/want" "$TMPD/got" | grep -c '^[<>]')" 0 \
		"$mode: the $stored values stored are the values expected, the payload as sent"
	# Each refusal names the field: "event.showing.showtime is ...".
	sql "select substring(convert_from(body, 'UTF8') from '\"action\":\"v-([0-9]+)\"'),
		reason from showmojo.quarantine order by id" >"$TMPD/reasons"
	bad=$(awk -F '\t' 'NR == FNR { path[$1] = $2; next }
		{ split($0, a, "|"); r = substr($0, length(a[1]) + 2)
		  if (!(a[1] in path) || index(r, path[a[1]] " is ") != 1) {
			print "# " $0; n++ } }
		END { print n + 0 }' "$TMPD/refused" FS='|' "$TMPD/reasons")
	printf '%s\n' "$bad" | sed '$d'
	is "$(printf '%s\n' "$bad" | tail -1)/$(wc -l <"$TMPD/reasons")" "0/$refused" \
		"$mode: the $refused refusals each name their field"
}

run default
is "$(sql "select count(*) from showmojo.events where id in ('12345', '12346')")" 2 \
	"12345 and \"12345\" are one event (and 12346 and \"12346\")"
is "$(sql "select id, ord_num, jsonb_typeof(payload->'event'->'id')
	from showmojo.events where id in ('12346', '98765432109876543210', '0', '12347abc')
	order by id")" \
"0|0|number
12346|12346|number
12347abc||string
98765432109876543210|98765432109876543210|number" \
	"numeric ids: decimal text, the number as ordering key, the payload keeps the number"
is "$(sql "select count(*) from showmojo.showings where uid = '424242'")" 1 \
	"a numeric showing uid names the showing by its decimal text"

sql "truncate showmojo.events, showmojo.showings, showmojo.quarantine"
SHOWMOJO_STRICT=1 run strict
unset SHOWMOJO_STRICT

SHOWMOJO_STRICT=yes post '{"event":{"id":"s-1"}}'
is "$STATUS/$(grep -c 'SHOWMOJO_STRICT=yes: expected a number from 0 to 1' "$TMPD/stderr")" \
	503/1 "SHOWMOJO_STRICT other than 0 or 1: the configuration is refused, the log says why"

# --- recovery: replay after the upgrade -------------------------------------
#
# Deliveries quarantined by the program before it read these forms: two
# through SHOWMOJO_STRICT=1, one written as that program wrote it (the raw
# body and its reason).  replay stores those the default mode reads.
sql "truncate showmojo.events, showmojo.showings, showmojo.quarantine"
SHOWMOJO_STRICT=1 post '{"event":{"id":777001,"action":"confirm","created_at":"2026-11-20 15:04:05 -0500","showing":{"uid":777,"showtime":"2026-11-22 14:30:00 UTC","is_self_show":"true"}}}'
is "$STATUS $(sql "select reason from showmojo.quarantine")" \
	"200 event.id is a number, not a string" \
	"strict: quarantined with the reason the program gave before"
SHOWMOJO_STRICT=1 post '{"event":{"id":1.5}}'
old='{"event":{"id":555001,"action":"confirm","created_at":"2026-11-20 15:04:05 -0500","showing":{"uid":"sh-old","showtime":"2026-11-22 14:30:00 UTC","canceled_at":"","showing_time_zone_utc_offset":"-18000","is_self_show":1}}}'
sql "insert into showmojo.quarantine (reason, body)
	values ('event.id is a number, not a string', convert_to(\$j\$$old\$j\$, 'UTF8'))" >/dev/null
is "$(sql "select count(*) from showmojo.events")/$(sql "select count(*)
	from showmojo.quarantine where replayed_at is null")" 0/3 \
	"three deliveries wait in the quarantine"

SHOWMOJO_STRICT=1 "$SMW" replay >"$TMPD/replay" 2>&1
is "$?/$(tail -1 "$TMPD/replay")" "1/replay: 0 stored, 0 duplicate, 3 still invalid" \
	"replay with SHOWMOJO_STRICT=1 stores none of them"
"$SMW" replay >"$TMPD/replay" 2>&1
rc=$?
sed 's/^/# /' "$TMPD/replay"
is "$rc/$(tail -1 "$TMPD/replay")" "1/replay: 2 stored, 0 duplicate, 1 still invalid" \
	"replay after the upgrade stores the two the default mode reads"
is "$(usql "select e.id, e.ord_num, e.created_at, s.uid, s.showtime, s.canceled_at,
	s.showing_time_zone_utc_offset, s.is_self_show,
	jsonb_typeof(e.payload #> '{event,id}'), e.payload #>> '{event,created_at}'
	from showmojo.events e join showmojo.showings s on s.uid = e.showing_uid
	order by e.id")" \
"555001|555001|2026-11-20 20:04:05+00|sh-old|2026-11-22 14:30:00+00||-18000|t|number|2026-11-20 15:04:05 -0500
777001|777001|2026-11-20 20:04:05+00|777|2026-11-22 14:30:00+00|||t|number|2026-11-20 15:04:05 -0500" \
	"both stored, every field read, the payload as received"
is "$(sql "select count(*) from showmojo.quarantine
	where replayed_at is not null and replay_result = 'stored'")" 2 \
	"their quarantine rows record the replay"
is "$(sql "select replay_result from showmojo.quarantine where replayed_at is null")" \
	"invalid: event.id is a number, not a non-negative integer: 1.5" \
	"what the default mode does not read either stays, with its new reason"

done_testing

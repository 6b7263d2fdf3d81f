#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The forms a Rails sender uses, as ingest() reads them: an empty string
# where a timestamp or the UTC offset belongs is NULL; ids sent as JSON
# integers are their decimal text and order as numbers; the offset as a
# string of an integer and is_self_show as "true"/"false"/0/1 fill their
# columns; a timestamp without an offset is UTC.  The payload and the
# snapshot keep what was sent.  Each case runs twice, in a database of
# its own: straight through SELECT ingest(…) (what reaches SQL), and
# through the program (showmojo-webhook ingest FILE); a form the
# program's parser still refuses is reported as a skip with its reason.
. "$(dirname "$0")/lib.sh"

new_db
SQL_DB=$TEST_DB
BIN_DB="${TEST_DB}_bin"
trap 'dropdb --if-exists "$BIN_DB" >/dev/null 2>&1; cleanup' EXIT
createdb -E UTF8 -T template0 "$BIN_DB" || bail "createdb failed"
PGDATABASE=$BIN_DB SHOWMOJO_DB="dbname=$BIN_DB" "$SMW" migrate \
	>"$TMPD/migrate.out" 2>&1 || bail "migrate failed"
export PGTZ=UTC

# c DESCRIPTION DELIVERY CHECK-QUERY ITS-ANSWER: one case.  Cases run in
# this order, in each database; one that begins with "then" builds on the
# case before it.
DESC=() BODY=() CHECK=() WANT=()
c() { DESC+=("$1"); BODY+=("$2"); CHECK+=("$3"); WANT+=("$4"); }
E="select %s from showmojo.events where id = '%s'"
S="select %s from showmojo.showings where uid = '%s'"
ES="select %s from showmojo.events e join showmojo.showings s
    on s.uid = e.showing_uid where e.id = '%s'"

c 'empty event.created_at is NULL, payload keeps ""' \
	'{"event":{"id":"101","created_at":"","showing":{"uid":"a"}}}' \
	"$(printf "$E" "coalesce(created_at::text, 'NULL'),
	    payload #> '{event,created_at}'" 101)" \
	'NULL|""'
c 'empty showing timestamps and offset are NULL, snapshot keeps ""' \
	'{"event":{"id":"102","showing":{"uid":"b","created_at":"",'\
'"showtime":"","confirmed_at":"","canceled_at":"",'\
'"self_show_code_distributed_at":"","showing_time_zone_utc_offset":""}}}' \
	"$(printf "$S" "num_nulls(created_at, showtime, confirmed_at,
	    canceled_at, self_show_code_distributed_at,
	    showing_time_zone_utc_offset), snapshot -> 'showtime',
	    snapshot -> 'showing_time_zone_utc_offset'" b)" \
	'6|""|""'
c 'timestamps set' \
	'{"event":{"id":"103","showing":{"uid":"b",'\
'"showtime":"2026-03-01T10:00:00Z","confirmed_at":"2026-02-01T10:00:00Z"}}}' \
	"$(printf "$S" "showtime, confirmed_at" b)" \
	'2026-03-01 10:00:00+00|2026-02-01 10:00:00+00'
c 'then an empty confirmed_at makes it NULL' \
	'{"event":{"id":"104","showing":{"uid":"b","confirmed_at":""}}}' \
	"$(printf "$S" "showtime, coalesce(confirmed_at::text, 'NULL')" b)" \
	'2026-03-01 10:00:00+00|NULL'
c 'event.id as a JSON integer is its decimal text and a number' \
	'{"event":{"id":12345,"showing":{"uid":"c","name":"int"}}}' \
	"$(printf "$E" "id, ord_num, payload #> '{event,id}'" 12345)" \
	'12345|12345|12345'
c 'then the same id as a string is a duplicate' \
	'{"event":{"id":"12345","showing":{"uid":"c","name":"string"}}}' \
	"$(printf "$ES" "count(*), max(name)" 12345)" \
	'1|int'
c 'showing.uid, team_member_uid, listing_uid as integers are text' \
	'{"event":{"id":"105","team_member_uid":77,'\
'"showing":{"uid":4242,"listing_uid":99}}}' \
	"$(printf "$ES" "e.team_member_uid, e.showing_uid, s.uid,
	    s.listing_uid, s.snapshot -> 'uid'" 105)" \
	'77|4242|4242|99|4242'
c 'integer ids order as numbers: 10 first' \
	'{"event":{"id":10,"showing":{"uid":"o","name":"ten"}}}' \
	"$(printf "$S" "name, last_event_id, last_ord_num" o)" \
	'ten|10|10'
c 'then "9" (text order would put it after 10) stays older' \
	'{"event":{"id":"9","showing":{"uid":"o","name":"nine",'\
'"email":"nine@x"}}}' \
	"$(printf "$S" "name, email, last_event_id" o)" \
	'ten|nine@x|10'
c 'then 100 is the greatest' \
	'{"event":{"id":100,"showing":{"uid":"o","name":"hundred"}}}' \
	"$(printf "$S" "name, email, last_event_id, last_ord_num" o)" \
	'hundred|nine@x|100|100'
c 'the offset as a string of an integer' \
	'{"event":{"id":"106","showing":{"uid":"d",'\
'"showing_time_zone_utc_offset":"-18000"}}}' \
	"$(printf "$S" "showing_time_zone_utc_offset,
	    snapshot -> 'showing_time_zone_utc_offset'" d)" \
	'-18000|"-18000"'
n=106
for v in '"true"' '"false"' 1 0; do
	n=$((n + 1))
	case $v in *true* | 1) b=t ;; *) b=f ;; esac
	c "is_self_show $v" \
		"$(printf '{"event":{"id":"%s","showing":{"uid":"e%s",%s}}}' \
		    "$n" "$n" "\"is_self_show\":$v")" \
		"$(printf "$S" "is_self_show, snapshot -> 'is_self_show'" "e$n")" \
		"$b|$v"
done
c 'a timestamp without an offset is UTC' \
	'{"event":{"id":"111","created_at":"2026-01-02T03:04:05",'\
'"showing":{"uid":"f","showtime":"2026-01-01T10:00:00"}}}' \
	"$(printf "$ES" "e.created_at, s.showtime" 111)" \
	'2026-01-02 03:04:05+00|2026-01-01 10:00:00+00'

run_cases() {
	local mode=$1 i desc body out refused=
	for i in "${!DESC[@]}"; do
		desc=${DESC[$i]} body=${BODY[$i]}
		case $desc in
		then*) ;;
		*) refused= ;;
		esac
		if [ -n "$refused" ]; then
			ok 0 "$mode: $desc # SKIP follows a refused delivery"
			continue
		fi
		if [ "$mode" = sql ]; then
			out=$(printf '%s\n' "select showmojo.ingest(:'b'::jsonb);" |
				psql -X -Atq -v ON_ERROR_STOP=1 -v "b=$body" 2>&1)
		else
			printf '%s' "$body" >"$TMPD/d.json"
			out=$("$SMW" ingest "$TMPD/d.json" 2>&1)
			case $out in
			*": invalid: "*)
				refused=1
				out=${out#*: invalid: }
				ok 0 "$mode: $desc # SKIP the parser refuses it ($out)"
				continue ;;
			esac
		fi
		case $out in
		*stored*|*duplicate*) ;;
		*) ok 1 "$mode: $desc"; echo "#   delivery: $out"; continue ;;
		esac
		is "$(sql "${CHECK[$i]}" 2>&1)" "${WANT[$i]}" "$mode: $desc"
	done
}

run_cases sql
PGDATABASE=$BIN_DB SHOWMOJO_DB="dbname=$BIN_DB" run_cases program

# What SQL still refuses: a string that is not a boolean (data exception,
# so the program quarantines it).
is "$(psql -X -Atq -c "select showmojo.ingest('{\"event\":{\"id\":\"900\",
	\"showing\":{\"uid\":\"z\",\"is_self_show\":\"yes\"}}}')" 2>&1 |
	sed -n 's/^ERROR: *//p')" \
	'invalid input syntax for type boolean: "not a boolean: yes"' \
	"is_self_show \"yes\" is refused (22P02)"
is "$(sql "select count(*) from showmojo.events where id = '900'")" 0 \
	"and nothing of it is stored"

done_testing

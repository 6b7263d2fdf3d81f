# SPDX-License-Identifier: MIT
# Random event sets for the ordering and concurrency tests.  Source after
# tests/lib.sh.  gen_events DIR KIND N SHOWINGS writes N deliveries as
# DIR/NNN.json, named in the order the ordering rule (doc/design.md) puts them:
#   KIND numeric: all-digit ids, increasing by value (digit counts vary,
#                 so text order differs from numeric order);
#   KIND text:    non-numeric ids with increasing created_at, some equal
#                 (then the id decides);
#   KIND mixed:   text ids first, then numeric ones (non-numeric ids sort
#                 before every numeric one).
#   KIND rails:   as mixed, with each numeric id a JSON number or a string
#                 at random, and the other forms a Rails sender uses:
#                 is_self_show as "true"/"false"/0/1, the offset as a
#                 string, times as Ruby's Time#to_s writes them.
#   KIND whole:   as mixed, with three in four showing objects carrying
#                 every field of showing_fields (a value or null), as
#                 ShowMojo's do: ingest()'s fast path.
# Each event carries, for each showing field, a value, null, or nothing;
# about one in eight carries no showing at all.  Uses $RANDOM: seed it.

gen_field() {	# gen_field NAME VALUE-JSON: prints ,"NAME":VALUE or null or nothing
	case $((RANDOM % 4)) in
	0) [ "${whole:-0}" -eq 0 ] || printf ',"%s":null' "$1" ;;
	1) printf ',"%s":null' "$1" ;;
	*) printf ',"%s":%s' "$1" "$2" ;;
	esac
}

gen_events() {
	local dir=$1 kind=$2 n=$3 nsh=$4 i id num=0 day=1 sec=0 at uid sh
	local ntext=$n idjson self offset whole=0 more
	mkdir -p "$dir"
	case $kind in mixed|rails|whole) ntext=$((n / 2)) ;; esac
	for i in $(seq 1 "$n"); do
		if [ "$kind" = numeric ] || { [ "$kind" != text ] && [ "$i" -gt "$ntext" ]; }; then
			num=$((num + 1 + RANDOM % (num + 3)))
			id=$num
		else
			# Equal created_at for some neighbours: the id breaks the tie.
			[ $((RANDOM % 3)) -eq 0 ] || sec=$((sec + 1 + RANDOM % 5000))
			id=$(printf 'ev-%03d' "$i")
		fi
		at=$(date -u -d "@$((1767225600 + sec))" +%Y-%m-%dT%H:%M:%SZ)
		idjson="\"$id\""
		self=$([ $((RANDOM % 2)) -eq 0 ] && echo true || echo false)
		offset="-$((1 + RANDOM % 5))00"
		if [ "$kind" = rails ]; then
			[ "$id" != "$num" ] || [ $((RANDOM % 2)) -eq 0 ] ||
				idjson=$id
			[ $((RANDOM % 2)) -eq 0 ] || at=$(date -u -d "@$((1767225600 + sec))" \
				'+%Y-%m-%d %H:%M:%S UTC')
			case $((RANDOM % 3)) in
			0) self="\"$self\"" ;;
			1) [ "$self" = true ] && self=1 || self=0 ;;
			esac
			[ $((RANDOM % 2)) -eq 0 ] || offset="\"$offset\""
		fi
		uid="sh-$((RANDOM % nsh))"
		more=
		if [ "$kind" = whole ]; then
			whole=$((RANDOM % 4 != 0))
			more=$(
				gen_field created_at "\"$at\""
				gen_field showing_time_zone "\"Zone $id\""
				gen_field listing_uid "\"lst-$id\""
				gen_field listing_full_address "\"$id Elm St\""
				gen_field self_show_code_distributed_at "\"$at\""
			)
		fi
		if [ $((RANDOM % 8)) -eq 0 ]; then
			sh=""
		else
			sh=",\"showing\":{\"uid\":\"$uid\"$(
				gen_field name "\"name-$id\""
				gen_field phone "\"+1555$RANDOM\""
				gen_field email "\"p$RANDOM@example.com\""
				gen_field notes "\"note $id\""
				gen_field showtime "\"2026-0$((1 + RANDOM % 9))-1$((RANDOM % 10))T1$((RANDOM % 10)):30:00-05:00\""
				gen_field confirmed_at "\"$at\""
				gen_field canceled_at "\"$at\""
				gen_field is_self_show "$self"
				gen_field showing_time_zone_utc_offset "$offset"
				gen_field "x_unknown_$((RANDOM % 3))" "\"u$id\""
			)$more}"
		fi
		printf '{"event":{"id":%s,"action":"update","created_at":"%s"%s}}' \
			"$idjson" "$at" "$sh" >"$dir/$(printf '%03d' "$i").json"
	done
}

# The showings table, every column but the times of arrival.
SHOWINGS_DUMP="select uid, created_at, showtime, showing_time_zone,
	showing_time_zone_utc_offset, name, phone, email, notes, listing_uid,
	listing_full_address, is_self_show, confirmed_at, canceled_at,
	self_show_code_distributed_at, snapshot, last_event_id, last_ord_num,
	last_event_created_at from showmojo.showings order by uid"

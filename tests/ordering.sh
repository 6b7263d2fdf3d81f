#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Property: whatever the arrival order of a set of events, the showings
# table ends equal, field by field, to what in-order delivery gives.
# Five random sets (numeric ids, non-numeric ids, both, both with the
# forms a Rails sender uses: numeric ids as JSON numbers or strings, and
# both with most showing objects carrying every field, ingest()'s fast
# path), 200 random delivery orders each, through the program's own
# delivery path (ingest).
#
# To run all orders in one process, order k of a set is made disjoint from
# the others: its showing uids get the prefix "oK-", its numeric ids become
# K*10^6 + id and its other ids get the prefix "oK-"; none of this changes
# how the events of one order compare with each other.  Order 0 is the
# in-order delivery.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/events.sh"
export SHOWMOJO_TOKENS=tok-order
new_db
ORDERS=${ORDERS:-200}
seed=${SEED:-$(date +%s)}
echo "# seed $seed (SEED=$seed reproduces)"
RANDOM=$seed

# The showings of order K with the order's marks taken off again.
NORMALISED="select substring(uid from '^o([0-9]+)-')::int as k,
	string_agg(row(regexp_replace(uid, '^o[0-9]+-', ''), created_at,
	showtime, showing_time_zone, showing_time_zone_utc_offset, name,
	phone, email, notes, listing_uid, listing_full_address, is_self_show,
	confirmed_at, canceled_at, self_show_code_distributed_at,
	snapshot - 'uid',
	case when last_event_id ~ '^[0-9]+\$'
	then (last_event_id::numeric % 1000000)::text
	else regexp_replace(last_event_id, '^o[0-9]+-', '') end,
	last_ord_num % 1000000, last_event_created_at)::text, E'\\n'
	order by regexp_replace(uid, '^o[0-9]+-', '')) as rows
	from showmojo.showings group by 1"

for kind in numeric text mixed rails whole; do
	dir="$TMPD/$kind"
	gen_events "$dir" "$kind" 14 3
	files=("$dir"/*.json)
	for k in $(seq 0 "$ORDERS"); do
		if [ "$k" -eq 0 ]; then
			printf '0 %s\n' "${files[@]}"
		else
			printf "$k %s\n" "${files[@]}" | shuf
		fi
	done | awk -v out="$dir/run" '
		BEGIN { system("mkdir -p " out) }
		{
			k = $1; f = $2; body = ""
			while ((getline line < f) > 0)
				body = body line
			close(f)
			# The id as a string, or as a JSON number (kept so).
			q = "\""
			if (match(body, /"id":"[^"]*"/))
				id = substr(body, RSTART + 6, RLENGTH - 7)
			else {
				match(body, /"id":[0-9]+/)
				id = substr(body, RSTART + 5, RLENGTH - 5)
				q = ""
			}
			nid = id ~ /^[0-9]+$/ ? sprintf("%d%06d", k, id) : "o" k "-" id
			if (q == "")	# a JSON number has no leading zeros
				nid = sprintf("%d", k * 1000000 + id)
			body = substr(body, 1, RSTART - 1) "\"id\":" q nid q \
			    substr(body, RSTART + RLENGTH)
			if (match(body, /"uid":"/))
				body = substr(body, 1, RSTART + 6) "o" k "-" \
				    substr(body, RSTART + 7)
			n++
			path = sprintf("%s/%06d.json", out, n)
			printf "%s", body > path
			close(path)
			print path
		}' >"$dir/list"
	mapfile -t run <"$dir/list"
	"$SMW" ingest "${run[@]}" >"$TMPD/ingest.out" 2>"$TMPD/err" ||
		grep -hv ': stored ' "$TMPD/ingest.out" "$TMPD/err" | head -5 |
		sed 's/^/# /'
	is "$?/$(grep -c ': stored ' "$TMPD/ingest.out")" \
		"0/$(( ${#files[@]} * (ORDERS + 1) ))" \
		"$kind: ${#files[@]} events x $((ORDERS + 1)) orders all stored"
	is "$(sql "select count(distinct k) from ($NORMALISED) s")" \
		"$((ORDERS + 1))" "$kind: every order produced showings"
	bad=$(sql "with n as ($NORMALISED)
		select count(*) from n where rows is distinct from
		(select rows from n where k = 0)")
	if [ "$bad" != 0 ]; then
		sql "with n as ($NORMALISED) select 'order ' || k || E':\n' || rows
			from n where k = 0 or rows is distinct from
			(select rows from n where k = 0) order by k limit 2" |
			sed 's/^/# /'
	fi
	is "$bad" 0 "$kind: $ORDERS random orders all give the in-order showings"
	sql "truncate showmojo.events, showmojo.showings"
done

done_testing

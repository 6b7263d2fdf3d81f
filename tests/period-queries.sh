#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The views answer from what ingest() keeps on each showing row and in
# event_days (sql/022-period-queries.sql); this checks that they give
# exactly what the views computed from the events give
# (tests/data/period/reference.sql: the definitions before 022), and that
# what is kept equals its recomputation, after each step of a random mix:
# deliveries in and out of order with duplicates (ingest() itself), then
# through the program, a spooled backlog drained, quarantined deliveries
# replayed, forget, and prune; each compared at several "now"s
# (showmojo.as_of), since a status depends on it.  PERIOD_SEED repeats a
# run (the seed is printed).
. "$(dirname "$0")/lib.sh"
# Three tokens, two labelled: the deliveries through the program take
# them in turn, so that each showing's source (024) is compared too.
export SHOWMOJO_TOKENS=tok-period,east:tok-east,west:tok-west
TOKS=(tok-period tok-east tok-west)
new_db
seed=${PERIOD_SEED:-0.$((RANDOM % 1000))}
echo "# PERIOD_SEED=$seed"

q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "SET search_path = showmojo" -c "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -f "$DATA/period/reference.sql" >/dev/null ||
	bail "reference.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$DATA/period/mix.sql" >/dev/null ||
	bail "mix.sql"
total=$(sql "SELECT mix.make($seed, 300)")
echo "# $total deliveries"

# same WHAT: every view and kept state equals its recomputation, at the
# present and at three other moments.
same() {
	local at out
	for at in '' '2000-01-01' "$(date -u -d '-12 days' '+%F %T')" \
		"$(date -u -d '+3 days' '+%F %T')"; do
		out=$(psql -X -Atq -v ON_ERROR_STOP=1 \
			-c "SELECT set_config('showmojo.as_of', '$at', false)" \
			-c "SELECT what || ': ' || only_program || ' rows only in the view, ' ||
				only_reference || ' only in its recomputation'
			    FROM reference.differences()" 2>&1 | sed 1d)
		[ -z "$out" ] || break
	done
	[ -n "$out" ] || at=
	is "${out:-same}" same "$1${at:+ (as of $at)}"
}

# Deliveries n FROM .. TO, in order, through ingest().
through_ingest() {
	q "DO \$\$ DECLARE b jsonb; BEGIN
		FOR b IN SELECT body FROM mix.deliveries
		    WHERE n BETWEEN $1 AND $2 ORDER BY n LOOP
			PERFORM showmojo.ingest(b);
		END LOOP; END \$\$"
}
# Deliveries n FROM .. TO through the program (CGI), one file each.
through_program() {
	local n codes=
	for ((n = $1; n <= $2; n++)); do
		sql "SELECT body FROM mix.deliveries WHERE n = $n" >"$TMPD/d.json"
		cgi POST "$TMPD/d.json" "Bearer ${TOKS[n % 3]}"
		codes="$codes $STATUS"
	done
	echo "${codes# }" | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }'
}

a=$((total * 6 / 10))
through_ingest 1 "$a"
same "after $a deliveries through ingest(), late and repeated ones among them"

b=$((a + 30))
codes=$(through_program $((a + 1)) "$b")
is "$codes" "30×200 " "30 more through the program: all 200"
same "after deliveries through the program"

# An outage: the next 30 are spooled, then drained.
export SHOWMOJO_SPOOL="$TMPD/spool"
mkdir -m 0700 "$SHOWMOJO_SPOOL"
c=$((b + 30))
codes=$(SHOWMOJO_DB="host=$TMPD/nowhere dbname=$TEST_DB" through_program $((b + 1)) "$c")
is "$codes" "30×200 " "30 during an outage: all 200 (spooled)"
"$SMW" drain >"$TMPD/drain.out" 2>&1
ok $? "drain stores them: $(tail -1 "$TMPD/drain.out")"
is "$(find "$SHOWMOJO_SPOOL" -type f -name '[0-9]*' | wc -l)" 0 "the spool is empty"
same "after the drain"

# Refused by the database for a while (a trigger an operator removes),
# quarantined, then replayed.
q "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN RAISE EXCEPTION 'closed' USING ERRCODE = '22023'; END \$\$;
   CREATE TRIGGER refuse BEFORE INSERT ON events
	FOR EACH ROW EXECUTE FUNCTION refuse()"
d=$((c + 20))
codes=$(through_program $((c + 1)) "$d")
is "$codes" "20×200 " "20 refused by the database: all 200 (quarantined)"
q "DROP TRIGGER refuse ON events"
"$SMW" replay >"$TMPD/replay.out" 2>&1
ok $? "replay stores them: $(tail -1 "$TMPD/replay.out")"
same "after the replay"

# The rest by four senders at once, each delivery its own transaction.
for k in 0 1 2 3; do
	psql -X -q -v ON_ERROR_STOP=1 -c "CALL mix.deliver($((d + 1)), $total, 4, $k)" \
		>"$TMPD/stream.$k" 2>&1 &
done
bad=0
for k in 0 1 2 3; do
	wait -n || bad=$((bad + 1))
done
is "$bad" 0 "the rest by four concurrent senders: no error $(cat "$TMPD"/stream.* | head -3)"
same "after the rest of the mix"

# forget: a prospect by email, another by phone, one showing by uid.
email=$(sql "SELECT email FROM showmojo.showings WHERE email IS NOT NULL
	ORDER BY uid LIMIT 1")
phone=$(sql "SELECT phone FROM showmojo.showings WHERE phone IS NOT NULL
	AND email IS NULL ORDER BY uid LIMIT 1")
"$SMW" forget --email "$email" --phone "$phone" >"$TMPD/forget.out" 2>&1
ok $? "forget an email and a phone: $(tail -1 "$TMPD/forget.out")"
same "after forget"

# prune: a third of the showings made old.
q "UPDATE showings SET last_seen_at = now() - interval '400 days'
	WHERE hashtext(uid) % 3 = 0"
"$SMW" prune --personal-older-than 365 >"$TMPD/prune.out" 2>&1
ok $? "prune: $(tail -1 "$TMPD/prune.out")"
is "$(sql "SELECT count(*) FROM showmojo.showings WHERE email IS NOT NULL
	AND last_seen_at < now() - interval '365 days'")" 0 "prune erased the old ones"
same "after prune"

# The check can fail: a kept column or day that is wrong is found.
uid=$(sql "SELECT uid FROM showmojo.showings WHERE canceled_at IS NULL
	AND NOT no_show ORDER BY uid LIMIT 1")
q "UPDATE showings SET no_show = true WHERE uid = '$uid'"
is "$(sql "SELECT string_agg(what, ',') FROM reference.differences()
	WHERE what IN ('showmojo.showings_local', 'showmojo.listing_funnel')
	    OR what LIKE '(SELECT uid,%'" | tr -d '\n\t')" \
	"showmojo.showings_local,showmojo.listing_funnel,(SELECT uid, zone, first_ord_num, first_event_created_at,first_event_id, first_event_at, no_show, showedFROM showmojo.showings) s" \
	"a wrong no_show is found"
q "UPDATE showings SET no_show = false WHERE uid = '$uid'"
q "DELETE FROM funnel_leads WHERE grp = (SELECT grp FROM funnel_leads ORDER BY grp LIMIT 1)"
is "$(sql "SELECT string_agg(what, ',') FROM reference.differences()")" \
	"showmojo.listing_funnel,showmojo.listing_funnel_weekly,showmojo.funnel_leads" \
	"a missing lead is found"
q "INSERT INTO funnel_leads SELECT * FROM reference.funnel_leads
	EXCEPT SELECT * FROM funnel_leads"
q "DELETE FROM event_days WHERE day = (SELECT min(day) FROM event_days)"
is "$(sql "SELECT string_agg(what, ',') FROM reference.differences()")" \
	"showmojo.events_daily,showmojo.event_days" "a missing day is found"

done_testing

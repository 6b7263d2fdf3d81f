#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# forget, through the real binary: the deliveries of tests/data/views/ and
# a few more that carry one prospect (Priya Patel, two showings, her email
# in two cases and her phone in five formattings, in known and unknown
# keys, in a lead event without a showing and in quarantined bodies, one
# of them not UTF-8) are stored; "forget --email --phone" erases her from
# showings, events and the quarantine, so that a data-only dump of the
# schema holds no trace of her, while everyone else's rows stay as they
# were and every query of doc/data.md still runs.  Then: dry run, second run,
# later deliveries, --showing, and who may run it.
. "$(dirname "$0")/lib.sh"
export SHOWMOJO_TOKENS=tok-forget
VIEWS="$DATA/views"
AS_OF=2026-11-18T17:00:00Z
new_db

q() {	# q [psql args]: psql in the schema, at the fixture's "now"
	PGOPTIONS="-c search_path=showmojo -c showmojo.as_of=$AS_OF" PGTZ=UTC \
		psql -X -Atq -v ON_ERROR_STOP=1 "$@"
}
deliver() {	# deliver FILE: stored or quarantined, else a failed test
	cgi POST "$1"
	case "$STATUS $BODY" in
	'200 {"status":"stored",'* | '200 {"status":"quarantined",'*) ;;
	*) bad="$bad $(basename "$1"):$STATUS:$BODY" ;;
	esac
}

bad=
for f in "$VIEWS"/*.json; do
	deliver "$f"
done
# Priya again: her email upper-case and her phone in other formattings
# in unknown keys of the showing, of the event and of the delivery, and in
# the notes; a lead event without a showing that names her.
cat >"$TMPD/2100.json" <<'EOF'
{"event": {"id": "2100", "action": "update", "actor": "prospect",
 "created_at": "2026-11-18T13:00:00Z",
 "lead": {"phone": "5550101234", "who": "Priya Patel", "source": "zillow"},
 "showing": {"uid": "sh-h1", "notes": "call +1 (555) 010-1234 after 5",
  "alt_contact": {"mail": "PRIYA@EXAMPLE.COM", "tel": ["555 010 1234"]},
  "listing_uid": "lst-400"}},
 "trace": "priya@example.com"}
EOF
cat >"$TMPD/2101.json" <<'EOF'
{"event": {"id": "2101", "action": "lead_created", "actor": "prospect",
 "created_at": "2026-11-18T13:05:00Z", "showing": null,
 "lead": {"email": "Priya@Example.com", "name": "Priya Patel"}}}
EOF
# Quarantined: not JSON, with her email and name; not UTF-8, with her
# phone; not JSON, with another prospect's email (stays).
printf '{"event": {"id": "2102", "showing": {"name": "Priya Patel", "email": "Priya@Example.com"' \
	>"$TMPD/q3.json"
printf '\xff\xfe{"event": {"id": "2103", "showing": {"phone": "555.010.1234"}}}' \
	>"$TMPD/q4.json"
printf '{"event": {"id": "2104", "showing": {"email": "sam@example.com"' \
	>"$TMPD/q5.json"
for f in 2100 2101 q3 q4 q5; do
	deliver "$TMPD/$f.json"
done
is "${bad:-ok}" ok "every delivery stored or quarantined"
is "$(q -c "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM showings),
    (SELECT count(*) FROM quarantine)")" "39|14|5" \
	"39 events, 14 showings, 5 quarantined"

# What counts as her value inside a text: her address as a whole address
# in any case, her number in any formatting (a country code or not), her
# name exactly.
is "$(q -c "SELECT personal_value(v, '{priya@example.com}', '{5550101234}',
    '{priya patel}') FROM unnest(ARRAY['Mail: PRIYA@example.com.',
    'xpriya@example.com', 'priya@example.community', 'priya@example.com.au',
    '+1 555-010-1234 ext 2', '15550101234', '555010123456', '(555)0101234',
    ' Priya Patel ', 'Priya Patelle']) v" | paste -sd' ')" "t f f f t t f t t f" \
	"personal_value: whole addresses, numbers in any formatting, exact names"

# The data-only dump of the schema, with the bytea values (the
# quarantined bodies, which the dump writes in hex) decoded beside it.
dump() {
	pg_dump --data-only --schema=showmojo "$TEST_DB" >"$TMPD/dump.sql" ||
		bail "pg_dump failed"
	perl -ne 'while (/\\\\x([0-9a-f]+)/g) { print pack("H*", $1), "\n" }' \
		"$TMPD/dump.sql" >"$TMPD/dump.bytes"
	# pg_dump's \restrict key is new each time; rows come in physical
	# order, which an update may change.
	grep -v '^\\\(un\)\{0,1\}restrict ' "$TMPD/dump.sql" |
		cat - "$TMPD/dump.bytes" | LC_ALL=C sort
}
TRACES=("priya@example.com" "Priya Patel" "Priya" "(555) 010-1234"
	"555.010.1234" "555 010 1234" "+1 (555) 010-1234" "5550101234")
traces() {	# traces: how many of TRACES the dump holds, and which
	local t n=0 which=
	dump >"$TMPD/dump.all"
	for t in "${TRACES[@]}"; do
		if grep -qiF -- "$t" "$TMPD/dump.all"; then
			n=$((n + 1))
			which="$which [$t]"
		fi
	done
	echo "$n$which"
}
is "$(traces)" "8 [priya@example.com] [Priya Patel] [Priya] [(555) 010-1234] [555.010.1234] [555 010 1234] [+1 (555) 010-1234] [5550101234]" \
	"before: the dump holds her email, name and every formatting of her phone"

# What must not change: everyone else.
OTHERS="SELECT uid, name, email, phone, notes, snapshot FROM showings
    WHERE uid NOT IN ('sh-b1', 'sh-h1') ORDER BY uid;
SELECT id, payload FROM events WHERE coalesce(showing_uid, '')
    NOT IN ('sh-b1', 'sh-h1') AND id <> '2101' ORDER BY id;
SELECT id, md5(body), reason FROM quarantine WHERE event_id IN ('2060', '2104')
    ORDER BY id"
others_before=$(q -c "$OTHERS")
mkdir "$TMPD/queries"
awk -v dir="$TMPD/queries" -f "$VIEWS/queries.awk" "$top_srcdir/doc/data.md"
queries_run() {	# queries_run: doc/data.md's queries that fail, or "all ran"
	local f failed=
	for f in $(cat "$TMPD/queries/index"); do
		q -f "$TMPD/queries/$f.sql" >"$TMPD/queries/$f.out" 2>&1 ||
			failed="$failed $f"
	done
	echo "${failed:-all ran}"
}
is "$(queries_run)" "all ran" "before: every doc/data.md query runs"
jordan_before=$(cat "$TMPD/queries/prospect.out")

# A dry run changes nothing.
dump >"$TMPD/dump.before"
"$SMW" forget --dry-run --email priya@EXAMPLE.com --phone '555-010-1234' \
	>"$TMPD/dry.out" 2>&1
is "$?:$(cat "$TMPD/dry.out")" \
	"0:forget --dry-run: would erase in showings 2, events 7, quarantine 3, spool 0; nothing changed" \
	"--dry-run prints the counts"
dump >"$TMPD/dump.after"
cmp -s "$TMPD/dump.before" "$TMPD/dump.after"
ok $? "--dry-run changes nothing"

# The erasure.
"$SMW" forget --email priya@EXAMPLE.com --phone '555-010-1234' \
	>"$TMPD/forget.out" 2>&1
is "$?:$(cat "$TMPD/forget.out")" \
	"0:forget: erased in showings 2, events 7, quarantine 3, spool 0; recorded as erasure 1" \
	"forget prints the rows erased per table"
sed 's/^/# /' "$TMPD/forget.out"
dump >"$TMPD/dump.forgot"
is "$(traces)" "0" \
	"after: the dump holds no trace of her email, name or phone in any formatting"
is "$(q -c "$OTHERS")" "$others_before" \
	"everyone else's showings, events and quarantined bodies are unchanged"
is "$(q -c "SELECT uid, name, email, phone, notes, erased_at IS NOT NULL,
    snapshot->>'showtime', listing_uid, last_event_id FROM showings
    WHERE uid IN ('sh-b1', 'sh-h1') ORDER BY uid")" \
"sh-b1|||||t|2026-11-10T17:30:00-06:00|lst-100|1950
sh-h1|||||t|2026-11-24T18:00:00-05:00|lst-400|2100" \
	"her showings keep their facts (showtime, listing, last event), not her fields"
is "$(q -c "SELECT payload->'event'->'showing'->'alt_contact',
    payload->'event'->'lead', payload->'trace' FROM events WHERE id = '2100'")" \
	'{"tel": [null], "mail": null}|{"who": null, "phone": null, "source": "zillow"}|null' \
	"her values in unknown keys are null; other unknown values stay"
is "$(q -c "SELECT count(*), count(*) FILTER (WHERE length(body) = 0),
    string_agg(DISTINCT replay_result, ',') FILTER (WHERE length(body) = 0)
    FROM quarantine")" "5|3|erased" \
	"the quarantined bodies holding her are emptied, their rows kept, no longer pending"
is "$(queries_run)" "all ran" "after: every doc/data.md query runs"
is "$(cat "$TMPD/queries/prospect.out")" "$jordan_before" \
	"another prospect's timeline (doc/data.md query) is the same"
h1=$(printf 'email:priya@example.com' | sha256sum | cut -d' ' -f1)
h2=$(printf 'phone:5550101234' | sha256sum | cut -d' ' -f1)
want=$(printf '%s\n%s\n' "$h1" "$h2" | sort | paste -sd,)
is "$(q -c "SELECT command, array_to_string(selector_hashes, ','), showings,
    events, quarantine FROM erasures")" "forget|$want|2|7|3" \
	"the erasure is recorded: hashes of the selectors and the counts"

# Twice: nothing changes the second time.
"$SMW" forget --email priya@EXAMPLE.com --phone '555-010-1234' \
	>"$TMPD/again.out" 2>&1
is "$?:$(cat "$TMPD/again.out")" \
	"0:forget: nothing to erase (showings 0, events 0, quarantine 0, spool 0); nothing recorded" \
	"the second run finds nothing"
dump >"$TMPD/dump.again"
cmp -s "$TMPD/dump.forgot" "$TMPD/dump.again"
ok $? "the second run changes nothing"

# Later deliveries.  A retried old event is a duplicate: still erased.
cgi POST "$VIEWS/29-2030-create.json"
is "$STATUS $BODY" '200 {"status":"duplicate","event_id":"2030"}' \
	"a retried old event of the erased showing is a duplicate"
is "$(traces)" "0" "and brings nothing back"
# A late event never seen before, older than the erasure's: its fields
# that newer (erased) events carried stay erased.
post '{"event": {"id": "2025", "action": "update", "created_at": "2026-11-18T11:00:00Z",
	"showing": {"uid": "sh-h1", "name": "Priya Patel", "email": "priya@example.com"}}}'
is "$STATUS $(q -c "SELECT coalesce(name, '-'), coalesce(email, '-') FROM showings
    WHERE uid = 'sh-h1'")" "200 -|-" \
	"a late older event stored, the showing keeps the erased fields"
# A new event brings only what it carries.
post '{"event": {"id": "2200", "action": "update", "created_at": "2026-11-18T16:40:00Z",
	"showing": {"uid": "sh-h1", "showtime": "2026-11-25T18:00:00-05:00"}}}'
is "$STATUS $(q -c "SELECT coalesce(name, '-'), coalesce(email, '-'),
    showtime FROM showings WHERE uid = 'sh-h1'")" \
	"200 -|-|2026-11-25 23:00:00+00" "a new event without her fields leaves them erased"
post '{"event": {"id": "2201", "action": "update", "created_at": "2026-11-18T16:45:00Z",
	"showing": {"uid": "sh-h1", "name": "P. Patel"}}}'
is "$STATUS $(q -c "SELECT coalesce(name, '-'), coalesce(email, '-')
    FROM showings WHERE uid = 'sh-h1'")" "200 P. Patel|-" \
	"a new event that carries a name brings that name, nothing more"

# --showing: that showing's prospect, and her values elsewhere.  forget
# reads every event: SHOWMOJO_TIMEOUT_MS (here 1 ms) does not apply to it.
SHOWMOJO_TIMEOUT_MS=1 "$SMW" forget --showing sh-d1 >"$TMPD/showing.out" 2>&1
is "$?:$(cat "$TMPD/showing.out")" \
	"0:forget: erased in showings 1, events 2, quarantine 0, spool 0; recorded as erasure 2" \
	"forget --showing erases one showing"
TRACES=("chloe@example.com" "Chloe Martin" "503-555-0142")
is "$(traces)" "0" "no trace of that prospect is left"
TRACES=("sam@example.com" "Sam Rivera" "617-555-0150" "marcus.lee@example.net")
is "$(traces)" "4 [sam@example.com] [Sam Rivera] [617-555-0150] [marcus.lee@example.net]" \
	"other prospects are still there"

# Arguments.
"$SMW" forget >/dev/null 2>&1
is "$?" 2 "no selector: usage, exit 2"
"$SMW" forget --phone 12-34 >/dev/null 2>&1
is "$?" 2 "a phone number of too few digits is refused"
"$SMW" forget --email "$(printf 'a@b\nc')" >/dev/null 2>&1
is "$?" 2 "a selector with a line break is refused"

# Who may run it: not the writer (the program's role), not a reader or an
# analyst; each with a real login.
app="smw_fw_$$"
ro="smw_fr_$$"
an="smw_fa_$$"
pw="pw-$$-$RANDOM"
sql "create role $app login password '$pw' in role showmojo_writer;
	create role $ro login password '$pw' in role showmojo_reader;
	create role $an login password '$pw' in role showmojo_analyst" >/dev/null
trap 'PGDATABASE=postgres sql "drop role if exists $app; drop role if exists $ro;
	drop role if exists $an" >/dev/null 2>&1; cleanup' EXIT
as() {	# as ROLE QUERY
	PGUSER=$1 PGPASSWORD=$pw PGHOST=${PGHOST:-localhost} psql -X -Atq -c "$2" 2>&1
}
like() { case $1 in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; echo "#   got: $1" ;; esac; }
dump >"$TMPD/dump.roles"
for r in "$app" "$ro" "$an"; do
	SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$r password=$pw" \
		"$SMW" forget --email sam@example.com >"$TMPD/role.out" 2>&1
	like "$?:$(cat "$TMPD/role.out")" "1:" "$r cannot run forget (exit 1)"
	like "$(cat "$TMPD/role.out")" "permission denied for function forget" \
		"$r: permission denied"
	SHOWMOJO_DB="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$TEST_DB user=$r password=$pw" \
		"$SMW" prune --personal-older-than 1 >"$TMPD/role.out" 2>&1
	like "$?:$(cat "$TMPD/role.out")" "1:" "$r cannot run prune (exit 1)"
done
like "$(as "$app" "select * from showmojo.erase_showing('sh-k1', '{}', '{}', '{}')")" \
	"permission denied" "the writer cannot call the erasing functions itself"
dump >"$TMPD/dump.roles2"
cmp -s "$TMPD/dump.roles" "$TMPD/dump.roles2"
ok $? "their attempts changed nothing"

# What each reads.
is "$(as "$ro" "select name from showmojo.showings_local where showing_uid = 'sh-k1'")" \
	"Sam Rivera" "the reader reads personal columns"
like "$(as "$an" "select name from showmojo.showings_local")" "permission denied" \
	"the analyst cannot read names"
for c in "email FROM showmojo.upcoming_showings" "phone FROM showmojo.showings_local" \
	"prospect FROM showmojo.showings_local" "email FROM showmojo.prospect_timeline" \
	"phone_key FROM showmojo.prospect_timeline" "payload FROM showmojo.events" \
	"snapshot FROM showmojo.showings" "notes FROM showmojo.showings" \
	"body FROM showmojo.quarantine" "* FROM showmojo.showings_local"; do
	like "$(as "$an" "SELECT $c")" "permission denied" "the analyst cannot SELECT $c"
done
is "$(as "$an" "SELECT showing_uid, status FROM showmojo.showings_local
	WHERE showing_uid = 'sh-k1'")" "sh-k1|canceled" \
	"the analyst reads a showing's non-personal columns"
is "$(as "$an" "SELECT count(*) > 0 FROM showmojo.listing_funnel")" t \
	"the analyst reads the funnel"
is "$(as "$an" "SELECT count(*) FROM showmojo.events_daily WHERE events > 0") $(as "$an" "SELECT count(*) FROM showmojo.erasures")" \
	"$(q -c "SELECT count(*) FROM events_daily WHERE events > 0") 2" \
	"the analyst reads events_daily and the erasures"
is "$(as "$an" "SELECT count(*) FROM (SELECT event_id, action, category, showtime_local
	FROM showmojo.prospect_timeline) t")" "$(q -c "SELECT count(*) FROM prospect_timeline")" \
	"the analyst reads the timeline without the prospect"

done_testing

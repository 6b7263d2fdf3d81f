#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Several ShowMojo accounts on one endpoint: tokens with labels
# ("north:TOKEN" in the token file), through a real nginx and a pool of
# FastCGI workers.  Each event, showing and quarantined body keeps the
# label of the token that brought it (its source; NULL for a token
# without a label), a rotated account's two tokens one label; the views
# split by source; forget, prune, replay and check limited to one source
# leave the others alone; a delivery spooled during an outage and drained
# later keeps its source, and so does a quarantined one replayed.  The
# migration adds the columns without rewriting the tables.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
TN="north-$TOKEN"
TN2="north-new-$TOKEN"
TS="south-$TOKEN"
TP="plain-$TOKEN"
{
	echo "# two accounts; north rotating its token"
	echo "north:$TN"
	echo "south:$TS"
	echo "  north: $TN2"
	echo "$TP"
} >"$TMPD/tokens"
export SHOWMOJO_TOKEN_FILE="$TMPD/tokens"

# ev ID UID EMAIL [CREATED]: tests/data/sample.json as event ID of showing
# UID for EMAIL, created at CREATED (default: the sample's), its showing
# in 2099; prints the file name.
ev() {
	local f="$TMPD/ev-$1.json"
	sed -e "s/\"id\": \"1001\"/\"id\": \"$1\"/" \
		-e "s/\"uid\": \"sh-42\"/\"uid\": \"$2\"/" \
		-e "s/jordan@example.com/$3/" \
		-e "s/\"showtime\": \"2026-11-22/\"showtime\": \"2099-11-22/" \
		-e "s/\"created_at\": \"2026-11-20T15:04:05-05:00\",\$/\"created_at\": \"${4:-2026-11-20T15:04:05-05:00}\",/" \
		"$DATA/sample.json" >"$f"
	echo "$f"
}
src() {	# src ID: the source of event ID ("-" for NULL)
	sql "SELECT coalesce(source, '-') FROM showmojo.events WHERE id = '$1'"
}
showing_src() {	# showing_src UID
	sql "SELECT coalesce(source, '-') FROM showmojo.showings WHERE uid = '$1'"
}

# --- the migration adds the columns and rewrites nothing ---
mkdir "$TMPD/sql23"
cp "$top_srcdir"/sql/0[01][0-9]-*.sql "$top_srcdir"/sql/02[0-3]-*.sql "$TMPD/sql23/"
old="${TEST_DB}_23"
createdb -E UTF8 -T template0 "$old" || bail "createdb failed"
at_exit "psql -q -d postgres -c 'DROP DATABASE IF EXISTS \"$old\" WITH (FORCE)'"
SHOWMOJO_DB="dbname=$old" "$SMW" migrate "$TMPD/sql23" >/dev/null 2>&1 ||
	bail "migrate to 23 failed"
SHOWMOJO_DB="dbname=$old" "$SMW" ingest "$(ev old-1 sh-old old@example.com)" \
	>/dev/null 2>&1 || bail "ingest at 23 failed"
FILENODES="SELECT string_agg(relname || ':' || relfilenode, ' ' ORDER BY relname)
    FROM pg_class WHERE relnamespace = 'showmojo'::regnamespace
    AND relname IN ('events', 'showings', 'quarantine')"
before=$(PGDATABASE=$old sql "$FILENODES")
SHOWMOJO_DB="dbname=$old" "$SMW" migrate >/dev/null 2>&1
ok $? "migrate 23 -> 24"
is "$(PGDATABASE=$old sql "$FILENODES")" "$before" \
	"the tables are not rewritten (same files)"
is "$(PGDATABASE=$old sql "SELECT coalesce(e.source, '-') || coalesce(s.source, '-')
    FROM showmojo.events e JOIN showmojo.showings s ON s.uid = e.showing_uid")" \
	"--" "the rows stored before stay without a source"

# --- live deliveries through nginx and the FastCGI pool ---
start_pool 2
start_nginx "$DEPLOY/nginx/showmojo-webhook.conf"
http POST "$(ev n-1 sh-n1 ann@example.com 2026-11-20T10:00:00-05:00)" "Bearer $TN"
is "$STATUS" 200 "north: stored"
http POST "$(ev n-2 sh-n1 ann@example.com 2026-11-20T11:00:00-05:00)" "Bearer $TN2"
is "$STATUS" 200 "north, its new token (rotation): stored"
http POST "$(ev s-1 sh-s1 bob@example.com)" "Bearer $TS"
is "$STATUS" 200 "south: stored"
http POST "$(ev s-2 sh-s2 ann@example.com)" "Bearer $TS"
is "$STATUS" 200 "south: the same person at another account"
http POST "$(ev p-1 sh-p1 cy@example.com)" "Bearer $TP"
is "$STATUS" 200 "a token without a label: stored"
http POST "$(ev x-1 sh-x1 cy@example.com)" "Bearer north:$TN"
is "$STATUS" 401 "the label is no part of the token: 401"
http POST "$(ev n-1 sh-n1 ann@example.com 2026-11-20T10:00:00-05:00)" "Bearer $TS"
is "$STATUS/$(src n-1)" 200/north "a duplicate by another token changes nothing"

is "$(src n-1) $(src n-2) $(src s-1) $(src s-2) $(src p-1)" \
	"north north south south -" "events: each with its token's label, NULL without"
is "$(showing_src sh-n1) $(showing_src sh-s1) $(showing_src sh-s2) $(showing_src sh-p1)" \
	"north south south -" "showings: the source of the event they hold"
is "$(sql "SELECT string_agg(coalesce(source, '-') || '=' || n, ' ' ORDER BY source)
    FROM (SELECT source, count(*) AS n FROM showmojo.showings_local GROUP BY 1) x")" \
	"north=1 south=2 -=1" "showings_local: split by source"
is "$(sql "SELECT string_agg(showing_uid || ':' || coalesce(source, '-'), ' '
    ORDER BY showing_uid) FROM showmojo.upcoming_showings")" \
	"sh-n1:north sh-p1:- sh-s1:south sh-s2:south" "upcoming_showings: the source"
is "$(sql "SELECT string_agg(event_id || ':' || source, ' ' ORDER BY event_id)
    FROM showmojo.prospect_timeline WHERE email = 'ann@example.com'")" \
	"n-1:north n-2:north s-2:south" "prospect_timeline: each event's source"
# A showing's source is that of the event its snapshot holds (the
# ordering rule), whichever path ingest() takes.
http POST "$(ev m-2 sh-m1 hal@example.com 2026-11-20T11:00:00-05:00)" "Bearer $TS"
http POST "$(ev m-1 sh-m1 hal@example.com 2026-11-20T10:00:00-05:00)" "Bearer $TN"
is "$STATUS/$(src m-1)/$(showing_src sh-m1)" 200/north/south \
	"an older event late: the showing keeps the newer one's source"
http POST "$(ev m-3 sh-m1 hal@example.com 2026-11-20T12:00:00-05:00)" "Bearer $TN"
is "$STATUS/$(showing_src sh-m1)" 200/north "a newer event: its source"
sed -i '/"notes"/d' "$(ev m-4 sh-m1 hal@example.com 2026-11-20T13:00:00-05:00)"
http POST "$TMPD/ev-m-4.json" "Bearer $TS"
is "$STATUS/$(showing_src sh-m1)" 200/south \
	"a newer event with part of the showing: its source"
grep -q 'delivery event=s-1 action=confirm outcome=stored status=200 ms=[0-9.]* source=south$' \
	"$TMPD/log/workers.log"
ok $? "the log line names the source"
! grep -qF -e "$TN" -e "$TS" -e "$TP" "$TMPD/log/workers.log" "$TMPD/nginx/error.log"
ok $? "no token in the logs"

# Backfill of one account.
"$SMW" ingest --source south "$(ev b-1 sh-b1 jo@example.com)" >/dev/null 2>&1
ok $? "ingest --source south"
"$SMW" ingest "$(ev b-2 sh-b2 jo@example.com)" >/dev/null 2>&1
is "$(src b-1)/$(src b-2)" "south/-" "ingest: with its source, or none"
"$SMW" ingest --source south >/dev/null 2>&1
is "$?" 2 "ingest --source without a file: usage"

# The workers' role stores a source; the analysts' reads it.
is "$(sql "SET ROLE showmojo_writer; SET showmojo.source = 'west';
    SELECT showmojo.ingest('{\"event\":{\"id\":\"w-1\",\"action\":\"update\"}}')")" \
	stored "showmojo_writer: ingest() with a source"
is "$(sql "SET ROLE showmojo_analyst; SELECT concat_ws(' ',
    (SELECT source FROM showmojo.events WHERE id = 'w-1'),
    (SELECT count(source) FROM showmojo.showings_local),
    (SELECT count(source) FROM showmojo.upcoming_showings),
    (SELECT count(source) FROM showmojo.prospect_timeline))")" \
	"west 5 5 9" "showmojo_analyst: reads source in the tables and views"

# --- quarantined, then replayed, with its source ---
sql "CREATE FUNCTION showmojo.refuse() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN IF NEW.uid LIKE 'sh-q%' THEN RAISE EXCEPTION 'listing closed'
	USING ERRCODE = '22023'; END IF; RETURN NEW; END \$\$;
	CREATE TRIGGER refuse BEFORE INSERT ON showmojo.showings
	FOR EACH ROW EXECUTE FUNCTION showmojo.refuse()" >/dev/null
http POST "$(ev q-s sh-qs dee@example.com)" "Bearer $TS"
is "$STATUS" 200 "south: refused by the database, quarantined"
http POST "$(ev q-n sh-qn eve@example.com)" "Bearer $TN2"
is "$STATUS" 200 "north: quarantined"
is "$(sql "SELECT string_agg(event_id || ':' || coalesce(source, '-'), ' '
    ORDER BY event_id) FROM showmojo.quarantine")" "q-n:north q-s:south" \
	"quarantine: each body with its source"
"$SMW" check --source south >"$TMPD/check" 2>&1
grep -q '^quarantine: 1 pending$' "$TMPD/check"
ok $? "check --source south: its own pending count"
grep -q '^source: south ' "$TMPD/check"
ok $? "check --source: says which source"
"$SMW" check --source nobody >"$TMPD/check" 2>&1
grep -q '^newest stored delivery: none$' "$TMPD/check"
ok $? "check --source of no delivery: none stored"
"$SMW" check --source 'bad label' >/dev/null 2>&1
is "$?" 2 "check --source: a label only"
sql "DROP TRIGGER refuse ON showmojo.showings" >/dev/null
"$SMW" replay --source south >"$TMPD/replay" 2>&1
grep -q '^replay: 1 stored, 0 duplicate, 0 still invalid$' "$TMPD/replay"
ok $? "replay --source south: its delivery only"
is "$(src q-s)/$(showing_src sh-qs)/$(src q-n)" "south/south/" \
	"replayed with its source; north's left pending"
"$SMW" replay >"$TMPD/replay" 2>&1
is "$(src q-n)/$(showing_src sh-qn)" "north/north" \
	"replay of every source: each with its own"

# --- spooled in an outage, drained later, with its source ---
SPOOL="$TMPD/spool"
mkdir -m 0700 "$SPOOL"
printf '%s' "$(cat "$(ev sp-n sh-spn fay@example.com)")" >"$TMPD/sp-n.json"
printf '%s' "$(cat "$(ev sp-p sh-spp gus@example.com)")" >"$TMPD/sp-p.json"
SHOWMOJO_SPOOL=$SPOOL SHOWMOJO_DB="host=$TMPD/nopg dbname=none" \
	cgi POST "$TMPD/sp-n.json" "Bearer $TN"
is "$STATUS" 200 "outage: north's delivery answered"
case $BODY in *spooled*) ok 0 "...spooled" ;; *) ok 1 "...spooled: $BODY" ;; esac
SHOWMOJO_SPOOL=$SPOOL SHOWMOJO_DB="host=$TMPD/nopg dbname=none" \
	cgi POST "$TMPD/sp-p.json" "Bearer $TP"
is "$STATUS" 200 "outage: an unlabelled delivery spooled"
is "$(grep -la '^source 5:north$' "$SPOOL"/e-* | wc -l)/$(grep -La '^source ' "$SPOOL"/e-* | wc -l)" \
	"1/1" "the entry's header names the source; none without one"
SHOWMOJO_SPOOL=$SPOOL "$SMW" drain >"$TMPD/drain" 2>&1
ok $? "drain"
is "$(src sp-n)/$(showing_src sh-spn)/$(src sp-p)" "north/north/-" \
	"drained: the source kept, NULL without one (the older format)"

# --- forget and prune limited to one source ---
"$SMW" forget --source north --email ann@example.com >"$TMPD/forget" 2>&1
ok $? "forget --source north"
sed 's/^/# /' "$TMPD/forget"
is "$(sql "SELECT string_agg(uid || ':' || coalesce(email, '-'), ' ' ORDER BY uid)
    FROM showmojo.showings WHERE uid IN ('sh-n1', 'sh-s2')")" \
	"sh-n1:- sh-s2:ann@example.com" "north's showing erased, south's intact"
is "$(sql "SELECT string_agg(id || ':' || (payload::text LIKE '%ann@example.com%'),
    ' ' ORDER BY id) FROM showmojo.events WHERE id IN ('n-1', 'n-2', 's-2')")" \
	"n-1:false n-2:false s-2:true" "north's events erased, south's intact"
is "$(sql "SELECT source FROM showmojo.erasures ORDER BY id DESC LIMIT 1")" north \
	"the erasure records its source"
"$SMW" forget --source 'x y' --email ann@example.com >/dev/null 2>&1
is "$?" 2 "forget --source: a label only"

# Files left in the spool (set aside: drained by no one) hold the person
# at both accounts; forget --source erases its own source's only.
for t in "n:$TN" "s:$TS"; do
	printf '%s' "$(cat "$(ev "sb-${t%%:*}" "sh-sb${t%%:*}" ivy@example.com)")" \
		>"$TMPD/sb.json"
	SHOWMOJO_SPOOL=$SPOOL SHOWMOJO_DB="host=$TMPD/nopg dbname=none" \
		cgi POST "$TMPD/sb.json" "Bearer ${t#*:}"
done
for f in "$SPOOL"/e-*; do mv "$f" "$SPOOL/bad-${f##*/}"; done
SHOWMOJO_SPOOL=$SPOOL "$SMW" forget --source north --email ivy@example.com \
	>"$TMPD/forget" 2>&1
ok $? "forget --source north, files in the spool"
is "$(grep -la '^source 5:north$' "$SPOOL"/bad-* | wc -l)/$(grep -la '^source 5:south$' "$SPOOL"/bad-* | wc -l)" \
	0/1 "the spool: north's file erased, south's kept"

sql "UPDATE showmojo.showings SET last_seen_at = now() - interval '10 days'" >/dev/null
"$SMW" prune --personal-older-than 5 --source south >"$TMPD/prune" 2>&1
ok $? "prune --source south"
sed 's/^/# /' "$TMPD/prune"
is "$(sql "SELECT string_agg(uid || ':' || (email IS NULL), ' ' ORDER BY uid)
    FROM showmojo.showings WHERE uid IN ('sh-s1', 'sh-s2', 'sh-p1', 'sh-spn')")" \
	"sh-p1:false sh-s1:true sh-s2:true sh-spn:false" \
	"only south's old showings pruned"

deploy_done

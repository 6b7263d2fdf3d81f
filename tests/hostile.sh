#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile requests through the real binary in CGI mode: one per case of
# tests/data/hostile, each a body (NN-name.body, on standard input) and the
# variables a CGI server would set (NN-name.env, and nothing else from our
# environment but the database and sanitizer settings).  The "expected"
# file there says, per case, the status and the effect on the database
# (stored, quarantined, nothing).  Whatever the case: the program exits
# within the timeout without a sanitizer report, never answers 500 (every
# one of these fails the same way on each retry), answers short valid
# JSON, and writes no control character to the log.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS="tok-hostile, tok-second"
new_db
H="$DATA/hostile"
[ -f "$H/expected" ] || bail "missing $H/expected"

sql "create function public.smw_is_json(t text) returns boolean
	language plpgsql as \$\$ begin perform t::json; return true;
	exception when others then return false; end \$\$" >/dev/null

# What the CGI program may see of our environment besides the case's own.
pass=("PATH=$PATH")
for v in $(compgen -e); do
	case $v in
	PG*|SHOWMOJO_DB|SHOWMOJO_TOKENS|ASAN_OPTIONS|UBSAN_OPTIONS|LSAN_OPTIONS)
		pass+=("$v=${!v}") ;;
	esac
done

# state RESPONSE-BODY EVENT-ID: "events quarantined-deliveries|last
# reason|body is JSON|rows with that event id"
state() {
	psql -X -Atq -v ON_ERROR_STOP=1 -v body="$1" -v id="$2" <<-'EOF'
	select (select count(*) from showmojo.events) || ' ' ||
		(select coalesce(sum(deliveries), 0) from showmojo.quarantine),
		(select reason from showmojo.quarantine
		    order by last_received_at desc, id desc limit 1),
		public.smw_is_json(:'body'),
		(select count(*) from showmojo.events where id = :'id');
	EOF
}

# run_case NAME: the case through the program; sets STATUS, BODY, RC.
run_case() {
	local c=$1 size line name value
	local -a vars=()
	size=$(stat -c %s "$H/$c.body")
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'*) continue ;; esac
		name=${line%%=*}
		value=${line#*=}
		value=${value//\{size\}/$size}
		printf -v value '%b' "$value"
		vars+=("$name=$value")
	done <"$H/$c.env"
	timeout 20 env -i "${pass[@]}" "${vars[@]}" "$SMW" <"$H/$c.body" \
		>"$TMPD/response" 2>"$TMPD/stderr"
	RC=$?
	STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$TMPD/response")
	BODY=$(sed '1,/^\r$/d' "$TMPD/response")
	{ echo "== $c"; cat "$TMPD/stderr"; } >>"$TMPD/log.all"
}

cases=0 n500=0
before=$(state '' '' | cut -d'|' -f1)
while read -r c want effect detail; do
	case $c in '' | '#'*) continue ;; esac
	cases=$((cases + 1))
	if [ ! -f "$H/$c.body" ] || [ ! -f "$H/$c.env" ]; then
		ok 1 "$c: has a body and an env file"
		continue
	fi
	run_case "$c"
	! grep -q 'Sanitizer\|runtime error' "$TMPD/stderr"
	san=$?
	is "$RC/$san" "0/0" "$c: exits 0 in time, no sanitizer report"
	[ "$RC" -eq 0 ] || sed 's/^/#   /' "$TMPD/stderr" | head -20
	is "$STATUS" "$want" "$c: status $want"
	[ "$STATUS" != 500 ] || n500=$((n500 + 1))
	IFS='|' read -r after reason json idrows <<<"$(state "$BODY" "$detail")"
	set -- $before $after
	delta="$(($3 - $1)) $(($4 - $2))"
	before=$after
	case $delta in
	"1 0") got=stored
		[ -z "$detail" ] || [ "$idrows" = 1 ] || got="stored, not $detail" ;;
	"0 1") got=quarantined
		[ "${reason#"$detail"}" != "$reason" ] || got="quarantined: $reason" ;;
	"0 0") got=nothing
		[ "${BODY#*"$detail"}" != "$BODY" ] || got="nothing, answered $BODY" ;;
	*) got="events and quarantine changed by $delta" ;;
	esac
	is "$got" "$effect" "$c: $effect${detail:+ ($detail)}"
	is "$json" t "$c: the response body is JSON"
done <"$H/expected"

is "$(ls "$H" | grep -c '\.body$')" "$cases" "every case in the directory has an expectation"
[ "$cases" -ge 40 ]
ok $? "at least 40 hostile cases ($cases)"
is "$n500" 0 "no case answered 500"
! tr -d '\n' <"$TMPD/log.all" | LC_ALL=C grep -q '[[:cntrl:]]'
ok $? "the log has no control characters (delivered ids cannot forge lines)"

# A closer look at some cases.
is "$(sql "select count(*) from showmojo.events where id = E'h-92\\x01\\n\\t\\x1b[31m\\r\\x7f'")" 1 \
	"92: an id with escaped control characters is stored as sent"
is "$(sql "select count(*) from showmojo.events where id like 'h-31-first%'
	or id like 'h-32-first%'")" 0 "31, 32: of duplicate keys the last one counts"
is "$(sql "select uid from showmojo.showings where last_event_id = 'h-33'")" \
	hs-33-last "33: the showing gets the last of two uids"
is "$(sql "select length(body) from showmojo.quarantine where body like '%h-63%'")" \
	"$(($(stat -c %s "$H/63-body-longer-than-cl.body") - 10))" \
	"63: only CONTENT_LENGTH bytes are read and kept"
is "$(sql "select content_type from showmojo.quarantine
	where body = convert_to('not json 75', 'UTF8')")" "text/??; a=?" \
	"75: a CONTENT_TYPE that is not UTF-8 is kept with '?' for the bad bytes"
is "$(sql "select user_agent from showmojo.quarantine
	where body = convert_to('not json 76', 'UTF8')")" "Mozilla?( ???" \
	"76: so is such a User-Agent"
is "$(sql "select octet_length(request_uri) < 1024, request_uri like '/showmojo?%'
	from showmojo.quarantine where body = convert_to('not json 77', 'UTF8')")" \
	"t|t" "77: a long REQUEST_URI is cut"
is "$(sql "select count(*) from showmojo.showings where uid = 'hs-94' || chr(10) || 'STATUS: 500'")" \
	1 "94: a uid with an escaped newline is stored as sent"

done_testing

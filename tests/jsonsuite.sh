#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The parsing corpus of JSONTestSuite (test_parsing/: y_ files are JSON a
# parser must accept, n_ files JSON it must refuse, i_ files either)
# through the real binary, here one FastCGI worker, twice: each file as
# the whole body ("raw"), and each embedded as the value of an unknown key
# of an otherwise valid delivery ("embedded").  Every request is answered
# 200, the worker survives them all and exits without a sanitizer report,
# and every delivery ends either stored or quarantined, as the SQL at the
# end checks.  Raw files are never deliveries: all are quarantined.
# Without the corpus (JSONTESTSUITE) the test is skipped, saying why.
# Embedded, a y_ file is stored, an n_ file is quarantined by the parser
# itself (not left for PostgreSQL to refuse), except where the table below
# says otherwise and why; for i_ files the table records what happens.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-suite
# The corpus is not part of the project: JSONTESTSUITE names its
# test_parsing directory (tests/run passes it in when there is one).
SUITE=${JSONTESTSUITE:-}
[ -n "$SUITE" ] || skip_all "JSONTESTSUITE not set (the corpus's test_parsing directory)"
[ -d "$SUITE" ] || skip_all "JSONTestSuite corpus not found at JSONTESTSUITE=$SUITE"
new_db

# Embedded outcomes that are not the default (y_: stored, n_: quarantined).
# "refused" is quarantined because PostgreSQL refused it (the parser let it
# through); every i_ case is listed.
expect_embedded() {
	cat <<-'EOF'
	# yajl takes a form feed (and a vertical tab) for white space, and
	# PostgreSQL then refused the delivery; the parser refuses it itself.
	n_structure_whitespace_formfeed.json quarantined
	# Past the parser's own limits: PostgreSQL text cannot hold NUL.
	y_object_escaped_null_in_key.json quarantined
	y_string_null_escape.json quarantined
	# Numbers beyond what PostgreSQL numeric holds, refused by the parser
	# before the database sees them (SMW_PARSE_MAX_NUMBER characters,
	# SMW_PARSE_MAX_EXPONENT); an exponent of -789 fits.
	i_number_double_huge_neg_exp.json stored
	i_number_huge_exp.json quarantined
	i_number_neg_int_huge_exp.json quarantined
	i_number_pos_double_huge_exp.json quarantined
	i_number_real_neg_overflow.json quarantined
	i_number_real_pos_overflow.json quarantined
	i_number_real_underflow.json quarantined
	# Large integers are fine for jsonb (numeric).
	i_number_too_big_neg_int.json stored
	i_number_too_big_pos_int.json stored
	i_number_very_big_negative_int.json stored
	# Lone or misordered surrogate escapes: refused, as PostgreSQL would.
	i_object_key_lone_2nd_surrogate.json quarantined
	i_string_1st_surrogate_but_2nd_missing.json quarantined
	i_string_1st_valid_surrogate_2nd_invalid.json quarantined
	i_string_incomplete_surrogate_and_escape_valid.json quarantined
	i_string_incomplete_surrogate_pair.json quarantined
	i_string_incomplete_surrogates_escape_valid.json quarantined
	i_string_invalid_lonely_surrogate.json quarantined
	i_string_invalid_surrogate.json quarantined
	i_string_inverted_surrogates_U+1D11E.json quarantined
	i_string_lone_second_surrogate.json quarantined
	# Not UTF-8 (the database encoding): refused, as PostgreSQL would.
	i_string_UTF-16LE_with_BOM.json quarantined
	i_string_UTF-8_invalid_sequence.json quarantined
	i_string_UTF8_surrogate_U+D800.json quarantined
	i_string_invalid_utf-8.json quarantined
	i_string_iso_latin_1.json quarantined
	i_string_lone_utf8_continuation_byte.json quarantined
	i_string_not_in_unicode_range.json quarantined
	i_string_overlong_sequence_2_bytes.json quarantined
	i_string_overlong_sequence_6_bytes.json quarantined
	i_string_overlong_sequence_6_bytes_null.json quarantined
	i_string_truncated-utf-8.json quarantined
	i_string_utf16BE_no_BOM.json quarantined
	i_string_utf16LE_no_BOM.json quarantined
	# Deeper than SMW_PARSE_MAX_DEPTH.
	i_structure_500_nested_arrays.json quarantined
	# A byte order mark inside the document is no JSON.
	i_structure_UTF-8_BOM_empty_object.json quarantined
	EOF
}

command -v spawn-fcgi >/dev/null && command -v cgi-fcgi >/dev/null ||
	bail "spawn-fcgi or cgi-fcgi missing (Debian packages spawn-fcgi, libfcgi-bin)"

# One FastCGI worker, spawned as in production, serves every request: the
# CGI path (a process and a database connection per request) takes a
# minute for the 636 requests under the sanitizers; tests/hostile.sh runs
# the CGI path.
spawn-fcgi -s "$TMPD/w.sock" -M 0600 -P "$TMPD/w.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null ||
	bail "spawn-fcgi failed"
trap 'kill "$(cat "$TMPD/w.pid")" 2>/dev/null; cleanup' EXIT

mkdir -p "$TMPD/out" "$TMPD/body"
# send MODE FILE: one request; leaves the response and cgi-fcgi's exit
# status in $TMPD/out/MODE.NAME.*
send() {
	local mode=$1 name body
	name=$(basename "$2")
	body=$2
	if [ "$mode" = embedded ]; then
		body="$TMPD/body/$name"
		{ printf '{"event":{"id":"js-%s","action":"jsonsuite","x":' "$name"
		  cat "$2"; printf '}}'; } >"$body"
	fi
	env REQUEST_METHOD=POST CONTENT_LENGTH="$(stat -c %s "$body")" \
		CONTENT_TYPE=application/json REMOTE_ADDR=127.0.0.1 \
		HTTP_AUTHORIZATION="Bearer $SHOWMOJO_TOKENS" \
		REQUEST_URI="/jsonsuite/$mode/$name" \
		timeout 20 cgi-fcgi -bind -connect "$TMPD/w.sock" <"$body" \
		>"$TMPD/out/$mode.$name.resp" 2>/dev/null
	echo $? >"$TMPD/out/$mode.$name.rc"
}
export -f send
export TMPD

files=("$SUITE"/[yni]_*.json)
[ "${#files[@]}" -ge 300 ]
ok $? "the corpus has its ${#files[@]} files"
for f in "${files[@]}"; do
	printf '%s\0%s\0' raw "$f" embedded "$f"
done | xargs -0 -n 2 -P "${JSONSUITE_JOBS:-2}" bash -c 'send "$1" "$2"' send

# What the database holds for each request: stored (the event is there),
# or quarantined / refused (by the parser / by PostgreSQL), or both/none.
# A quarantined body is found by its hash: the corpus holds a few files
# with the same bytes, and one body has one quarantine row.
sha() { sha256sum "$1" | cut -d' ' -f1; }
for f in "${files[@]}"; do
	printf 'raw\t%s\t%s\nembedded\t%s\t%s\n' "${f##*/}" "$(sha "$f")" \
		"${f##*/}" "$(sha "$TMPD/body/${f##*/}")"
done >"$TMPD/cases"
psql -X -Atq -v ON_ERROR_STOP=1 -F ' ' >"$TMPD/outcomes" <<EOF
create temp table cases (mode text, file text, sha text);
\\copy cases from '$TMPD/cases'
select c.mode, c.file,
	case when count(e.id) + count(q.id) <> 1 then
		'events:' || count(e.id) || ',quarantine:' || count(q.id)
	when count(e.id) = 1 then 'stored'
	when bool_or(q.reason like 'database refused:%') then 'refused'
	else 'quarantined' end
from cases c
left join showmojo.events e on c.mode = 'embedded' and e.id = 'js-' || c.file
left join showmojo.quarantine q on q.body_sha256 = decode(c.sha, 'hex')
group by c.mode, c.file order by c.file, c.mode;
EOF
ok $? "outcomes read from the database"

declare -A want
while read -r f w; do
	case $f in '' | '#'*) continue ;; esac
	want[$f]=$w
done < <(expect_embedded)

declare -A tally
while read -r mode f got; do
	w=quarantined
	if [ "$mode" = embedded ]; then
		case $f in y_*) w=stored ;; esac
		w=${want[$f]:-$w}
	fi
	out="$TMPD/out/$mode.$f"
	status=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$out.resp")
	is "$(cat "$out.rc")/$status/$got" "0/200/$w" "$mode $f: $w"
	tally[$mode ${f%%_*} $got]=$((${tally[$mode ${f%%_*} $got]:-0} + 1))
done <"$TMPD/outcomes"
is "$(wc -l <"$TMPD/outcomes")" "$((2 * ${#files[@]}))" "every request accounted for"
is "$(sql "select string_agg(request_uri, ' ') from showmojo.quarantine
	where request_uri like '/jsonsuite/raw/y\_%' and reason like 'not JSON%'")" "" \
	"no y_ file sent whole is refused as not JSON"

# The worker served them all, and leaves without a sanitizer report (leaks
# are reported when it exits).
pid=$(cat "$TMPD/w.pid")
kill -0 "$pid"
ok $? "the worker is still running"
kill "$pid"
for i in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$pid" 2>/dev/null
ok $? "the worker stops on SIGTERM"
! grep -q 'Sanitizer\|runtime error' "$TMPD/w.log"
ok $? "no sanitizer report from the worker"
grep -q 'Sanitizer\|runtime error' "$TMPD/w.log" && grep -A20 'Sanitizer\|runtime error' "$TMPD/w.log" | sed 's/^/#   /' | head -40
for k in "${!tally[@]}"; do
	echo "# $k: ${tally[$k]}"
done | sort

done_testing

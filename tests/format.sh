#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The code's shape (.editorconfig) in the C sources: lines of at
# most 80 columns with tabs of 8, indentation by tabs (a continuation line
# adds four spaces), no trailing white space, an SPDX line at the top.
# Also "make format-check".
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || bail "no source tree"
files=$(ls lib/*.[ch] cgi/*.[ch] tests/*.[ch] tests/tools/*.c tests/fuzz/*.[ch] \
	tests/bench/*.c 2>/dev/null)
for f in $files; do
	bad=$(expand -t8 "$f" | awk 'length($0) > 80 { printf " %d:long", NR }'
		grep -n '[[:space:]]$' "$f" | cut -d: -f1 | sed 's/^/ /; s/$/:trailing/' | tr -d '\n'
		grep -nvE '^(	*(    )?[^ 	]|	* \*|$)' "$f" | cut -d: -f1 |
			sed 's/^/ /; s/$/:indent/' | tr -d '\n'
		head -2 "$f" | grep -q 'SPDX-License-Identifier' || printf ' 1:spdx')
	is "$bad" "" "$f"
done
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual pages format without a warning from groff or mdoc (man
# --warnings), each names itself in its NAME section as its file name
# says, and every page of this project that one refers to exists.
. "$top_srcdir/tests/lib.sh"
command -v man >/dev/null || bail "man missing (Debian package man-db)"
for f in "$top_srcdir"/man/*.[1-9]; do
	name=$(basename "$f")
	w=$(man --warnings -l "$f" 2>&1 >/dev/null)
	is "$w" "" "$name: no groff warning"
	is "$(sed -n '/^\.Sh NAME/{n;s/^\.Nm //p;q}' "$f").$(sed -n 's/^\.Dt [^ ]* \([0-9]\)$/\1/p' "$f")" \
		"$name" "$name: NAME and section match the file"
	for ref in $(sed -n 's/^\.Xr \(showmojo-webhook[a-z-]*\) \([0-9]\).*/\1.\2/p' "$f"); do
		[ -e "$top_srcdir/man/$ref" ]
		ok $? "$name: refers to $ref, which exists"
	done
done
done_testing

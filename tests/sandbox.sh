#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A serving worker cannot write outside what it needs.  The worker is
# made to try, from outside, with gdb: it is asked to create a file, to
# open an existing one for writing and to run a program; each must fail
# while its deliveries still succeed.  A process outside the sandbox is
# asked the same, so that a failure cannot come from the method itself.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-sandbox
new_db
command -v gdb >/dev/null || bail "gdb missing (Debian package gdb)"
chmod 0755 "$TMPD"

in_process() {	# in_process PID EXPR: the value gdb's call returns
	gdb -q -batch -p "$1" -ex "call $2" 2>/dev/null |
		sed -n 's/^\$1 = \(-\{0,1\}[0-9]*\).*/\1/p'
}

sleep 60 &
control=$!
touch "$TMPD/existing"
is "$(in_process "$control" "(int)open(\"$TMPD/control\", 0101, 0600) >= 0")" 1 \
	"control: a process outside the sandbox creates a file this way"
kill "$control"

spawn-fcgi -s "$TMPD/w.sock" -M 0600 -P "$TMPD/w.pid" -- \
	/bin/sh -c "exec \"$SMW\" 2>>\"$TMPD/w.log\"" >/dev/null || bail "spawn-fcgi failed"
trap 'kill "$(cat "$TMPD/w.pid")" 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do [ -S "$TMPD/w.sock" ] && break; sleep 0.1; done
sed -e 's/"1001"/"@ID@"/' "$DATA/sample.json" >"$TMPD/tmpl"
"$top_builddir/tests/tools/fcgi-load" "$TMPD/w.sock" tok-sandbox "$TMPD/tmpl" 3 >/dev/null
ok $? "the sandboxed worker stores deliveries"
grep -q 'sandbox: Landlock ABI [0-9]*: no file writes, no exec' "$TMPD/w.log"
ok $? "the worker logs that it is sandboxed"
pid=$(cat "$TMPD/w.pid")
is "$(in_process "$pid" "(int)open(\"$TMPD/created\", 0101, 0600)")" -1 \
	"the worker cannot create a file"
is "$(in_process "$pid" "(int)open(\"$TMPD/existing\", 01, 0)")" -1 \
	"the worker cannot open a file for writing"
is "$(in_process "$pid" "(int)open(\"/etc/hostname\", 0, 0) >= 0")" 1 \
	"the worker can still read"
is "$(in_process "$pid" "(int)system(\"touch $TMPD/ran\")")" 32512 \
	"the worker cannot run a program"
sleep 60 &
target=$!
is "$(in_process "$pid" "(int)kill($target, 0)")" -1 \
	"the worker cannot signal a process outside its sandbox"
kill -0 "$target"
ok $? "the target was untouched (and can be signalled from outside)"
kill "$target"
ok "$([ -e "$TMPD/created" ] || [ -e "$TMPD/ran" ] || [ -s "$TMPD/existing" ]; echo $(( $? == 0 )))" \
	"nothing was created or written"
"$top_builddir/tests/tools/fcgi-load" "$TMPD/w.sock" tok-sandbox "$TMPD/tmpl" 3 100 >/dev/null
ok $? "the worker still serves afterwards"

done_testing

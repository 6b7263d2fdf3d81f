#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The alerting rules (deploy/prometheus): promtool accepts them, their
# unit tests pass and have, for every alert, a time it must fire and a
# time it must not, and a rule changed (a window, a threshold, a delay)
# fails them.  The textfile recipe (deploy/systemd/showmojo-webhook-
# metrics.*): clean for systemd-analyze; its commands, run as the service
# runs them, put a whole file in place when check succeeds (the database
# away included) and leave the old one when it fails; make install puts
# both beside the other recipes, with the installed program's path.  No
# database: "check --metrics" succeeds without one.
. "$top_srcdir/tests/lib.sh"
command -v promtool >/dev/null || bail "promtool missing (Debian package prometheus)"
P="$top_srcdir/deploy/prometheus"
RULES=showmojo-webhook.rules.yml
UNIT_TESTS=showmojo-webhook.rules.test.yml

# --- the rules and their unit tests ---
promtool check rules "$P/$RULES" >"$TMPD/check" 2>&1
ok $? "promtool check rules $RULES"
sed 's/^/# /' "$TMPD/check"
promtool test rules "$P/$UNIT_TESTS" >"$TMPD/test" 2>&1
ok $? "promtool test rules $UNIT_TESTS"
head -80 "$TMPD/test" | sed 's/^/# /'

is "$(sed -n 's/^  - name: //p' "$P/$RULES")" showmojo-webhook \
	"one group, named showmojo-webhook"
alerts=$(sed -n 's/^ *- alert: *//p' "$P/$RULES")
echo "# alerts: $(echo $alerts)"
is "$(echo "$alerts" | sort | uniq -d)" "" "no alert name twice"
missing=$(awk '
	/^ *- alert:/ { if (a != "" && !(s && d)) print a; a = $3; s = d = 0 }
	/^ *summary:/ { s = 1 }
	/^ *description:/ { d = 1 }
	END { if (a != "" && !(s && d)) print a }' "$P/$RULES")
is "$missing" "" "every alert has a summary and a description"
# Which alerts the unit tests expect firing (exp_alerts: a list) and
# quiet (exp_alerts: []) at some time.
awk '
	/^ *alertname:/ { a = $2 }
	/^ *exp_alerts: *\[\] *$/ { print a, "quiet" }
	/^ *exp_alerts: *$/ { print a, "fires" }' "$P/$UNIT_TESTS" |
	sort -u >"$TMPD/coverage"
for a in $alerts; do
	grep -qx "$a fires" "$TMPD/coverage"
	ok $? "$a: a unit test where it must fire"
	grep -qx "$a quiet" "$TMPD/coverage"
	ok $? "$a: a unit test where it must not"
done
is "$(cut -d' ' -f1 "$TMPD/coverage" | sort -u | grep -vxF "$alerts")" "" \
	"the unit tests name no alert the rules lack"

# mutant ALERT DESCRIPTION SED-SCRIPT: the rules changed by the script,
# still valid, must fail the unit tests of ALERT: the groups of the file
# that test it (a group that fails fails the file), which run much faster
# than the whole file.
mutant() {
	local d="$TMPD/mutant"
	rm -rf "$d"
	mkdir -p "$d"
	awk -v alert="$1" '
		/^tests:/ { print; head = 1; next }
		!head { print; next }
		/^  - name:/ { if (group ~ "alertname: " alert "\n") printf "%s", group
			group = "" }
		{ group = group $0 "\n" }
		END { if (group ~ "alertname: " alert "\n") printf "%s", group }' \
		"$P/$UNIT_TESTS" >"$d/$UNIT_TESTS"
	sed -e "$3" "$P/$RULES" >"$d/$RULES"
	if cmp -s "$P/$RULES" "$d/$RULES"; then
		ok 1 "$2: the change did not apply"
		return
	fi
	if ! promtool check rules "$d/$RULES" >"$d/check" 2>&1; then
		ok 1 "$2: the changed rules are not valid"
		sed 's/^/# /' "$d/check"
		return
	fi
	promtool test rules "$d/$UNIT_TESTS" >"$d/out" 2>&1
	# Failing on an expectation about ALERT, not on anything else.
	[ $? -ne 0 ] && grep -q "^ *alertname: $1, time: " "$d/out"
	ok $? "$2: the unit tests of $1 fail"
	grep -E '^ +alertname:' "$d/out" | head -3 | sed 's/^ */#   /'
}
mutant ShowmojoWebhookSilent "silence after 11 h, not 12" 's/12 \* 3600/11 * 3600/'
mutant ShowmojoWebhookSilent "silence also while the database is away" \
	'/unless showmojo_database_up == 0/d'
mutant ShowmojoWebhookNoToken "the 401 (no token) window 5m, not 15m" \
	's/reason="no_token"}\[15m\]/reason="no_token"}[5m]/'
mutant ShowmojoWebhookWrongToken "the 401 (wrong token) window 30m, not 15m" \
	's/reason="wrong_token"}\[15m\]/reason="wrong_token"}[30m]/'
mutant ShowmojoWebhookNoToken "both 401 alerts on either reason" \
	's/reason="\(no\|wrong\)_token"/reason=~"no_token|wrong_token"/'
mutant ShowmojoWebhookFailing "server errors: failed only, not misconfigured" \
	'/increase(showmojo_rejected_total{reason="misconfigured"}/d; /^          or$/d'
mutant ShowmojoWebhookDatabaseDown "the database down for 4m, not 5m" \
	's/for: 5m$/for: 4m/'
mutant ShowmojoWebhookSpoolStale "the spool threshold 7200 s, not 3600" \
	's/oldest_age_seconds > 3600/oldest_age_seconds > 7200/'
mutant ShowmojoWebhookSpoolSetAside "entries set aside: more than 2, not 0" \
	's/damaged_entries > 0/damaged_entries > 2/'
mutant ShowmojoWebhookSpoolCannotTake "the spool unable to take for 10m, not 15m" \
	's/for: 15m$/for: 10m/'
mutant ShowmojoWebhookQuarantineGrowing "the quarantine's growth over 30m, not 1h" \
	's/pending\[1h\]/pending[30m]/'
mutant ShowmojoWebhookQuarantineGrowing "the quarantine: pending at all, not growing" \
	's/delta(showmojo_quarantine_pending\[1h\]) > 0/showmojo_quarantine_pending > 0/'
mutant ShowmojoWebhookMetricsStale "the metrics stale after 20 min, not 10" \
	's/^          > 600$/          > 1200/'
mutant ShowmojoWebhookMetricsStale "the metrics file by its full path only" \
	's|(\.\*/)?showmojo-webhook|.*/showmojo-webhook|'
mutant ShowmojoWebhookMetricsAbsent "no metrics for 5m, not 10m" \
	's/for: 10m$/for: 5m/'

# --- the textfile recipe: the units ---
S="$top_srcdir/deploy/systemd"
svc="$S/showmojo-webhook-metrics.service"
timer="$S/showmojo-webhook-metrics.timer"
verify_units "the metrics service and timer" "$svc" "$timer"
drain="$S/showmojo-webhook-drain.service"
is "$(unit_key "$svc" Type)" oneshot "the service: Type=oneshot"
is "$(unit_key "$svc" User):$(unit_key "$svc" Group)" "$(unit_key "$drain" User):$(unit_key "$drain" Group)" \
	"...as the drain's user and group"
is "$(unit_key "$svc" EnvironmentFile)" "$(unit_key "$drain" EnvironmentFile)" \
	"...with the drain's environment file"
is "$(unit_key "$svc" StateDirectory)" "$(unit_key "$drain" StateDirectory)" \
	"...and its spool, writable (check creates a file there)"
is "$(unit_key "$svc" ExecStart)" \
	"/bin/sh -c 'exec /usr/local/bin/showmojo-webhook check --metrics >%t/showmojo-webhook-metrics/showmojo-webhook.prom'" \
	"...runs check --metrics as that user, into its runtime directory"
is "$(unit_key "$svc" ExecStartPost | grep -vc '^+')" 0 \
	"...copies and renames as root, the textfile directory being root's"
is "$(unit_key "$svc" Environment)" TEXTFILE_DIR=/var/lib/prometheus/node-exporter \
	"...into Debian's textfile directory"
is "$(unit_key "$timer" OnUnitInactiveSec)" 1min "the timer: every minute"
is "$(unit_key "$timer" WantedBy)" timers.target "...enabled by timers.target"

# The service's commands as systemd runs them: ExecStart as the user (as
# nobody when we are root, with the unit's UMask=), each ExecStartPost
# ("+") as root (this user), stopping at the first that fails; %t is
# $TMPD/run, TEXTFILE_DIR $TMPD/textfile, the program the build's.
rt="$TMPD/run" tf="$TMPD/textfile"
mkdir -p "$rt/showmojo-webhook-metrics" "$tf"
chmod 0755 "$TMPD" "$rt"
runas=()
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$rt/showmojo-webhook-metrics"
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
expand() {	# the unit's specifiers and variables, this test's paths
	local c=${1#+}
	c=${c//%t/$rt}
	c=${c//'${TEXTFILE_DIR}'/$tf}
	echo "${c//\/usr\/local\/bin\/showmojo-webhook/$SMW}"
}
run_unit() {	# run_unit [VAR=VALUE...]: the environment of check
	local line
	while IFS= read -r line; do
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" "${runas[@]}" \
			/bin/sh -c "umask $(unit_key "$svc" UMask); $(expand "$line")" ||
			return 1
	done < <(unit_key "$svc" ExecStart)
	while IFS= read -r line; do
		eval "$(expand "$line")" || return 1
	done < <(unit_key "$svc" ExecStartPost)
}
if [ -x "$SMW" ]; then
	away=(SHOWMOJO_DB="host=$TMPD/nowhere dbname=showmojo")
	run_unit "${away[@]}" 2>"$TMPD/unit.err"
	ok $? "the service's commands, the database away: succeed"
	sed 's/^/# /' "$TMPD/unit.err"
	f="$tf/showmojo-webhook.prom"
	is "$(ls -A "$tf")" showmojo-webhook.prom \
		"...showmojo-webhook.prom in the textfile directory, nothing else"
	is "$(stat -c %a "$f")" 644 "...readable by node_exporter's user"
	grep -qx 'showmojo_database_up 0' "$f"
	ok $? "...saying showmojo_database_up 0"
	promtool check metrics <"$f" >"$TMPD/metrics.check" 2>&1
	ok $? "...a file promtool check metrics accepts"
	sed 's/^/# promtool: /' "$TMPD/metrics.check"
	# check fails (a setting it refuses): the file stays as it was.
	cp -p "$f" "$TMPD/before"
	touch -d '-1 hour' "$f"
	before=$(stat -c %Y "$f")
	run_unit "${away[@]}" SHOWMOJO_SPOOL_MAX=many 2>"$TMPD/unit.err"
	[ $? -ne 0 ] && grep -q 'SHOWMOJO_SPOOL_MAX' "$TMPD/unit.err"
	ok $? "check failing: the service fails"
	cmp -s "$f" "$TMPD/before" && [ "$(stat -c %Y "$f")" = "$before" ]
	ok $? "...and leaves the old file, unchanged and as old as it was"
	is "$(ls -A "$tf")" showmojo-webhook.prom "...no temporary file left"
else
	ok 0 "# SKIP the service's commands: no $SMW (make first)"
fi

# --- make install: the rules and units among the recipes ---
if [ -f "$top_builddir/Makefile" ]; then
	stage="$TMPD/stage"
	make -s -C "$top_builddir" install-data prefix=/opt/smw \
		DESTDIR="$stage" >"$TMPD/install.out" 2>&1
	rc=$?
	ok $rc "make install-data prefix=/opt/smw DESTDIR=..."
	[ "$rc" -eq 0 ] || tail -20 "$TMPD/install.out" | sed 's/^/# /'
	d="$stage/opt/smw/share/showmojo-webhook/deploy"
	for f in systemd/showmojo-webhook-metrics.service \
		systemd/showmojo-webhook-metrics.timer \
		prometheus/$RULES prometheus/$UNIT_TESTS; do
		[ -s "$d/$f" ]
		ok $? "installed: \$(pkgdatadir)/deploy/$f"
	done
	grep -q "exec /opt/smw/bin/showmojo-webhook check --metrics" \
		"$d/systemd/showmojo-webhook-metrics.service"
	ok $? "...the service runs the installed program"
	# The unit tests name the rules file beside them.
	cmp -s "$d/prometheus/$RULES" "$P/$RULES" &&
		cmp -s "$d/prometheus/$UNIT_TESTS" "$P/$UNIT_TESTS"
	ok $? "...the rules and their unit tests as they are here, side by side"
else
	ok 0 "# SKIP make install: no Makefile in $top_builddir"
fi
done_testing

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line a newcomer meets: --version; an unknown command named
# before the usage; a setting that cannot be used named with what is
# wrong, its range the real one; check with the database unreachable
# gives the reason once.  Needs no database.
. "$top_srcdir/tests/lib.sh"
export SHOWMOJO_TOKENS=tok-cli
version=$(sed -n 's/^AC_INIT(\[showmojo-webhook\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

out=$("$SMW" --version 2>&1)
is "$?:$out" "0:showmojo-webhook $version (schema version $(sed -n 's/^#define SMW_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/lib/store.h"))" \
	"--version prints the version and the schema it needs"
out=$("$SMW" frobnicate 2>&1)
is "$?:$(printf '%s\n' "$out" | head -1)" "2:showmojo-webhook: unknown command 'frobnicate'" \
	"an unknown command is named before the usage"
ok "$(printf '%s\n' "$out" | grep -q '^usage: showmojo-webhook migrate'; echo $?)" "...then the usage"
out=$(SHOWMOJO_MAX_BODY=0 "$SMW" check 2>&1 >/dev/null | grep -v '^showmojo-webhook\[')
is "$out" "configuration is invalid: SHOWMOJO_MAX_BODY=0: expected a number from 1 to 16777216 (16 MiB, so that PostgreSQL can store or quarantine every delivery accepted)" \
	"an invalid setting is named, with its real range"
out=$(SHOWMOJO_TIMEOUT_MS=soon "$SMW" drain 2>&1 >/dev/null | grep -v '^showmojo-webhook\[')
is "$out" "configuration is invalid: SHOWMOJO_TIMEOUT_MS=soon: expected a number from 0 to 3600000" \
	"...for every command"
out=$(SHOWMOJO_DB="host=$TMPD/nowhere" "$SMW" check 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
is "$rc/$(printf '%s\n' "$out" | head -1)" "1/showmojo-webhook $version" \
	"check: its first line is the version; the database unreachable: exit 1"
is "$(printf '%s\n' "$out" | grep -c "$TMPD/nowhere")" 1 \
	"check gives the reason the database is unreachable once"
# A token file every user may read: logged at start, and check says so.
printf 'tok-cli\n' >"$TMPD/tokens"
chmod 0644 "$TMPD/tokens"
out=$(SHOWMOJO_TOKENS= SHOWMOJO_TOKEN_FILE="$TMPD/tokens" SHOWMOJO_DB="host=$TMPD/nowhere" "$SMW" check 2>&1)
want="SHOWMOJO_TOKEN_FILE $TMPD/tokens is readable by every user (mode 0644): it holds the account's Listing Import API token; chmod 0600, or 0640 with the workers' group"
is "$(printf '%s\n' "$out" | grep -c "^configuration: $want\$")/$(printf '%s\n' "$out" | grep -c "warning: $want\$")" \
	"1/1" "a token file every user may read: check names it, the log at start says it"
chmod 0640 "$TMPD/tokens"
out=$(SHOWMOJO_TOKENS= SHOWMOJO_TOKEN_FILE="$TMPD/tokens" SHOWMOJO_DB="host=$TMPD/nowhere" "$SMW" check 2>&1)
is "$(printf '%s\n' "$out" | grep -c 'every user')" 0 "mode 0640: nothing to say"
done_testing

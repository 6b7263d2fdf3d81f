#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Apache with mod_fcgid (deploy/apache/showmojo-webhook-fcgid.conf): a real
# apache2 on a loopback port that starts the program as its FastCGI
# workers, as www-data, against a real PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
start_apache "$DEPLOY/apache/showmojo-webhook-fcgid.conf" alias fcgid

deploy_checks

# The workers are mod_fcgid's: long-lived, www-data, the socket on fd 0.
pid=$(pgrep -f -u www-data -x "$SMW" | head -1)
[ -n "$pid" ]
ok $? "mod_fcgid keeps a worker running between deliveries"
is "$(ps -o user= -p "${pid:-0}")" www-data "the worker runs as Apache's user"
case $(readlink "/proc/${pid:-0}/fd/0" 2>/dev/null) in
socket:*) ok 0 "the worker's fd 0 is mod_fcgid's socket (FastCGI, not CGI)" ;;
*) ok 1 "the worker's fd 0 is mod_fcgid's socket (FastCGI, not CGI)" ;;
esac
grep -q 'delivery event=1001 action=confirm outcome=stored status=200' \
	"$TMPD/apache/error.log"
ok $? "deliveries are logged to Apache's error log"

deploy_done

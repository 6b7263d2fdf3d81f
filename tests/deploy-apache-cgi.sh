#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Apache with mod_cgid, Debian's CGI module under the event MPM
# (deploy/apache/showmojo-webhook-cgi.conf): a real apache2 on a loopback
# port runs the program once per request, as www-data, against a real
# PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
start_apache "$DEPLOY/apache/showmojo-webhook-cgi.conf" alias cgid env

deploy_checks

grep -q 'delivery event=1001 action=confirm outcome=stored status=200' \
	"$TMPD/apache/error.log"
ok $? "deliveries are logged to Apache's error log"

deploy_done

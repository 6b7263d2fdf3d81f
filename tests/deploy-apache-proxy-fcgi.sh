#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Apache with mod_proxy_fcgi (deploy/apache/showmojo-webhook-proxy-fcgi.conf)
# in front of the same worker pool nginx uses, started by the shipped
# spawn-fcgi script (deploy/spawn-fcgi): a real apache2 on a loopback port,
# real workers, a real PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
start_pool
start_apache "$DEPLOY/apache/showmojo-webhook-proxy-fcgi.conf" proxy proxy_fcgi

deploy_checks

grep -q 'delivery event=1001 action=confirm outcome=stored status=200' \
	"$TMPD/log/workers.log"
ok $? "the workers log each delivery to the pool's log"

deploy_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shared hosting: Apache with mod_cgid and the shipped .htaccess
# (deploy/apache/htaccess) in a directory of the document root that holds
# the program as showmojo-webhook.cgi.  The server allows only the
# overrides the recipe names (FileInfo, Options=ExecCGI, Limit).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/deploy-lib.sh"

deploy_setup
dir="$TMPD/www/showmojo"
mkdir -p "$dir"
install -m 0755 "$SMW" "$dir/showmojo-webhook.cgi"
template "$DEPLOY/apache/htaccess" >"$dir/.htaccess"
cat >"$TMPD/site.conf" <<EOF2
<Directory $TMPD/www>
    AllowOverride FileInfo Options=ExecCGI Limit
    Require all granted
</Directory>
EOF2
start_apache "$TMPD/site.conf" cgid env setenvif mime
ENDPOINT=/showmojo/showmojo-webhook.cgi

deploy_checks

ENDPOINT=/showmojo/.htaccess
http GET
is "$STATUS" 403 "the .htaccess file itself is not served"

deploy_done

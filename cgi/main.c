/* SPDX-License-Identifier: MIT */
/*
 * showmojo-webhook: a FastCGI responder, a CGI program, or (from a shell)
 * the operator's tool.  libfcgi decides between the first two: a listening
 * socket on stdin means FastCGI.  Subcommands are taken only when no web
 * server started the program, because a CGI server may pass a query string
 * as arguments (RFC 3875 4.4).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "config.h"
#include "drain.h"
#include "http.h"
#include "log.h"
#include "sandbox.h"
#include "serve.h"
#include "store.h"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * libfcgi catches SIGTERM and SIGUSR1 to note a shutdown request, which
 * only its accept loop reads.  A CGI request or a command has no such
 * loop: there they must stop the process, as a web server killing a CGI
 * program that waits on a stalled client expects.
 */
static void
reset_signals(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
}

/* Serve FastCGI requests until the socket closes or SIGTERM arrives. */
static int
fastcgi(const struct smw_config *cfg, enum smw_err cfg_err)
{
	struct smw_store	 store;
	struct smw_http		 h;
	FCGX_Request		 req;
	struct sigaction	 sa;
	int			 abi;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: accept returns */
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		smw_log(SMW_LOG_ERR, "FastCGI initialisation failed");
		return 1;
	}
	if ((abi = smw_sandbox_enter(cfg->spool)) > 0)
		smw_log(SMW_LOG_INFO, "sandbox: Landlock ABI %d: no file "
		    "writes%s, no exec", abi, cfg->spool ? " but to the spool" :
		    "");
	smw_store_init(&store, cfg);
	if (cfg_err == SMW_OK && smw_store_connect(&store) != SMW_OK)
		smw_log(SMW_LOG_WARN, "starting without a database "
		    "connection; each request tries again");
	while (!stopping && FCGX_Accept_r(&req) >= 0) {
		memset(&h, 0, sizeof(h));
		h.fcgx = &req;
		serve(&h, cfg, cfg_err, &store);
		FCGX_Finish_r(&req);
		drain_tick(&store, cfg);
	}
	smw_store_free(&store);
	FCGX_Free(&req, 1);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct smw_config	 cfg;
	struct smw_store	 store;
	struct smw_http		 h;
	enum smw_err		 cfg_err;
	int			 rc = 0;

	smw_config_init(&cfg);
	cfg_err = smw_config_load(&cfg);

	if (!FCGX_IsCGI()) {
		rc = fastcgi(&cfg, cfg_err);
		goto out;
	}
	reset_signals();
	if (getenv("GATEWAY_INTERFACE") != NULL ||
	    getenv("REQUEST_METHOD") != NULL) {
		signal(SIGPIPE, SIG_IGN);
		(void)smw_sandbox_enter(cfg.spool);
		memset(&h, 0, sizeof(h));
		smw_store_init(&store, &cfg);
		serve(&h, &cfg, cfg_err, &store);
		smw_http_drain(&h, cfg.max_body);
		smw_store_free(&store);
	} else
		rc = command(argc, argv, &cfg, cfg_err);
out:
	smw_config_free(&cfg);
	exit(rc);
}

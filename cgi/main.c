/* SPDX-License-Identifier: MIT */
/*
 * showmojo-webhook: a FastCGI responder, a CGI program, or (from a shell)
 * the operator's tool.  libfcgi decides between the first two: a listening
 * socket on stdin means FastCGI.  Subcommands are taken only when no web
 * server started the program, because a CGI server may pass a query string
 * as arguments (RFC 3875 4.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "config.h"
#include "drain.h"
#include "http.h"
#include "log.h"
#include "sandbox.h"
#include "commands.h"
#include "serve.h"
#include "store.h"
#include "tally.h"

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

/*
 * The stop signals (SIGTERM from a service manager or mod_fcgid, SIGUSR1,
 * libfcgi's own) are blocked while a request is in hand, so that no read
 * of its body or write of its answer is interrupted (libfcgi does not
 * retry either), and delivered only inside wait_request(), where
 * pselect() swaps the mask atomically: a signal sent at any moment is
 * either pending there or already noted.  A request in hand whose client
 * stalls holds the worker until the web server gives up on it.  *wait is
 * the mask to wait with.
 */
static void
stop_signals(sigset_t *wait)
{
	struct sigaction	 sa;
	sigset_t		 stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGUSR1);
	sigprocmask(SIG_BLOCK, &stop, wait);
	sigdelset(wait, SIGTERM);
	sigdelset(wait, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The descriptor the next request comes on (see wait_request()). */
static int
request_fd(const FCGX_Request *req)
{
	return req->ipcFd >= 0 ? req->ipcFd : FCGI_LISTENSOCK_FILENO;
}

/* What ended the wait for a request. */
enum woke {
	WOKE_REQUEST,
	WOKE_IDLE,	/* idle_ms passed without one */
	WOKE_STOP,	/* a stop signal, or the socket failed */
	WOKE__MAX
};

/*
 * Wait until a request may be read, a stop signal came, or idle_ms passed
 * (-1: no limit).  The listening socket is non-blocking, so that a worker
 * woken for a connection another worker of the pool took gets EAGAIN from
 * libfcgi's accept and comes back here instead of blocking with the stop
 * signals masked.  A connection the web server keeps open between
 * requests (FCGI_KEEP_CONN) is waited on instead of the listening socket:
 * libfcgi reads the next request from it.
 */
static enum woke
wait_request(FCGX_Request *req, const sigset_t *wait, int idle_ms)
{
	struct timespec	 idle = { idle_ms / 1000, idle_ms % 1000 * 1000000L };
	fd_set		 in;
	int		 fd, r;

	while (!stopping) {
		fd = request_fd(req);
		if (fd >= FD_SETSIZE) {
			smw_log(SMW_LOG_ERR, "FastCGI connection on descriptor "
			    "%d: too high to wait on", fd);
			return WOKE_STOP;
		}
		FD_ZERO(&in);
		FD_SET(fd, &in);
		r = pselect(fd + 1, &in, NULL, NULL, idle_ms < 0 ? NULL : &idle,
		    wait);
		if (r == 0)
			return WOKE_IDLE;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			smw_log(SMW_LOG_ERR, "waiting for a request: %s",
			    strerror(errno));
			return WOKE_STOP;
		}
		if ((r = FCGX_Accept_r(req)) >= 0)
			return WOKE_REQUEST;
		if (r != -EAGAIN && r != -EWOULDBLOCK && r != -EINTR) {
			if (r != -EBADF && r != -EINVAL)
				smw_log(SMW_LOG_ERR, "accepting a request: %s",
				    strerror(-r));
			return WOKE_STOP;
		}
	}
	return WOKE_STOP;
}

/* The sooner of two waits in milliseconds, -1 being no limit. */
static int
sooner(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/*
 * Serve FastCGI requests until the listening socket closes or a stop
 * signal arrives: a request in hand is answered first, an idle worker
 * stops at once.  The counts of what it answered are written when due
 * (lib/tally.h), after the answer, while idle, and before it exits.
 * Between requests, and on its own while none comes, the worker drains
 * the spool (drain_tick()): deliveries spooled in an outage reach the
 * database once it answers, whether or not more traffic comes.  An idle
 * worker's try gives way to a request that comes meanwhile; a stop signal
 * that arrives during it waits for it, as for a request in hand.
 */
static int
fastcgi(const struct smw_config *cfg, enum smw_err cfg_err)
{
	struct smw_store	 store;
	struct smw_http		 h;
	FCGX_Request		 req;
	sigset_t		 wait;
	enum woke		 w;
	int			 abi, fl, idle_ms;

	stop_signals(&wait);
	if ((fl = fcntl(FCGI_LISTENSOCK_FILENO, F_GETFL)) < 0 ||
	    fcntl(FCGI_LISTENSOCK_FILENO, F_SETFL, fl | O_NONBLOCK) < 0) {
		smw_log(SMW_LOG_ERR, "FastCGI socket: %s", strerror(errno));
		return 1;
	}
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, FCGI_LISTENSOCK_FILENO, 0) != 0) {
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
	/* Entries left from before this worker started, too. */
	idle_ms = cfg_err == SMW_OK ? drain_tick(&store, cfg, -1) : -1;
	while ((w = wait_request(&req, &wait, idle_ms)) != WOKE_STOP) {
		if (w == WOKE_REQUEST) {
			memset(&h, 0, sizeof(h));
			h.fcgx = &req;
			store.answered = false;
			serve(&h, cfg, cfg_err, &store);
			FCGX_Finish_r(&req);
		}
		if (cfg_err == SMW_OK)
			idle_ms = drain_tick(&store, cfg,
			    w == WOKE_IDLE ? request_fd(&req) : -1);
		smw_tally_write(&store, false);
		idle_ms = sooner(idle_ms, smw_tally_due_ms());
	}
	if (stopping)
		smw_log(SMW_LOG_INFO, "stop signal: exiting");
	smw_tally_write(&store, true);
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
		/*
		 * The answer is whole: the server (mod_cgid: one socket for
		 * both) need not wait for the counts, which are not written
		 * when this request's statement failed (the database away,
		 * read-only): the write would fail the same way.
		 */
		fclose(stdout);
		close(STDIN_FILENO);
		if (!store.unreachable && store.why[0] == '\0')
			smw_tally_write(&store, true);
		smw_store_free(&store);
	} else
		rc = command(argc, argv, &cfg, cfg_err);
out:
	smw_config_free(&cfg);
	exit(rc);
}

/* SPDX-License-Identifier: MIT */
/*
 * The architecture's ceiling for the benchmark (tests/bench/run): a bare
 * FastCGI responder (or CGI program) that reads the request body, ignores
 * it, and stores a fixed delivery (BENCH_TEMPLATE, the same file the load
 * is made of) with the program's own statement, SELECT ingest($1::jsonb),
 * prepared once per connection.  No parsing, no validation, no logging.
 * Only the event id and showing uid differ per request; they come from the
 * load generator's X-Bench-Id and X-Bench-Uid headers, so that the mix of
 * new events, showing updates and duplicates is the program's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

static char	 tpl[4096], *mid, *end;	/* tpl @ID@ mid @UID@ end */

/* Store one delivery; the response for it. */
static const char *
store(PGconn *c, const char *id, const char *uid)
{
	char		 body[8192];
	const char	*vals[1] = { body };
	PGresult	*r;
	int		 ok;

	snprintf(body, sizeof(body), "%s%.64s%s%.64s%s", tpl, id ? id : "",
	    mid, uid ? uid : "", end);
	r = PQexecPrepared(c, "ingest", 1, vals, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok ? "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "\r\n{\"status\":\"stored\"}\n" : "Status: 500 Internal Server "
	    "Error\r\nContent-Type: application/json\r\n\r\n{\"error\":1}\n";
}

int
main(void)
{
	FCGX_Request	 req;
	FILE		*f = fopen(getenv("BENCH_TEMPLATE"), "r");
	PGconn		*c = PQconnectdb(getenv("SHOWMOJO_DB"));
	char		 buf[16384];

	if (f == NULL || fgets(tpl, sizeof(tpl), f) == NULL ||
	    (mid = strstr(tpl, "@ID@")) == NULL ||
	    (end = strstr(tpl, "@UID@")) == NULL)
		return 1;
	*mid = *end = '\0';
	mid += 4;
	end += 5;
	end[strcspn(end, "\n")] = '\0';
	PQclear(PQexec(c, "SET search_path TO showmojo"));
	PQclear(PQprepare(c, "ingest", "SELECT ingest($1::jsonb)", 1, NULL));
	if (FCGX_IsCGI()) {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			continue;
		fputs(store(c, getenv("HTTP_X_BENCH_ID"),
		    getenv("HTTP_X_BENCH_UID")), stdout);
	} else if (FCGX_Init() == 0 && FCGX_InitRequest(&req, 0, 0) == 0) {
		while (FCGX_Accept_r(&req) >= 0) {
			while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
				continue;
			FCGX_PutS(store(c, FCGX_GetParam("HTTP_X_BENCH_ID",
			    req.envp), FCGX_GetParam("HTTP_X_BENCH_UID",
			    req.envp)), req.out);
			FCGX_Finish_r(&req);
		}
	}
	PQfinish(c);
	return 0;
}

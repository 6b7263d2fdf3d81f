/* SPDX-License-Identifier: MIT */
/*
 * The architecture's ceilings for the benchmark (tests/bench/run): a bare
 * FastCGI responder (or CGI program) that reads the request body, ignores
 * it, and stores a fixed delivery (BENCH_TEMPLATE, the same file the load
 * is made of) with one statement prepared once per connection: the
 * program's own, SELECT ingest($1::jsonb, 9000) (the lock timeout of the
 * default SHOWMOJO_TIMEOUT_MS), or with BENCH_SQL=minimal the
 * least a delivery needs, one statement that appends the event and
 * upserts its showing from the event's showing object (no ordering, no
 * merge).  BENCH_SQL=minimal-unnamed sends that statement unnamed with
 * every request, as a pooler without prepared statements (PgBouncer 1.18
 * in transaction pooling) allows and as the program sends its own: the
 * server parses and plans it each time.  No parsing, no validation, no
 * logging.  Only the event id and
 * showing uid differ per request; they come from the load generator's
 * X-Bench-Id and X-Bench-Uid headers, so that the mix of new events,
 * showing updates and duplicates is the program's own.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

static char	 tpl[4096], *mid, *end;	/* tpl @ID@ mid @UID@ end */

/* The minimal statement: the columns ingest() writes, nothing more. */
static const char minimal[] =
    "WITH e AS (INSERT INTO events (id, action, actor, team_member_name,"
    " team_member_uid, created_at, showing_uid, payload, ord_num)"
    " SELECT j->>'id', j->>'action', j->>'actor', j->>'team_member_name',"
    " j->>'team_member_uid', (j->>'created_at')::timestamptz,"
    " j->'showing'->>'uid', $1::jsonb, (j->>'id')::numeric"
    " FROM (SELECT $1::jsonb->'event' AS j) p"
    " ON CONFLICT (id) DO NOTHING"
    " RETURNING id, ord_num, created_at, payload->'event'->'showing' AS sh)"
    " INSERT INTO showings AS s"
    " SELECT f.*, e.sh, e.id, e.ord_num, e.created_at"
    " FROM e, jsonb_populate_record(NULL::showing_fields, e.sh) f"
    " ON CONFLICT (uid) DO UPDATE SET (uid, created_at, showtime,"
    " showing_time_zone, showing_time_zone_utc_offset, name, phone, email,"
    " notes, listing_uid, listing_full_address, is_self_show, confirmed_at,"
    " canceled_at, self_show_code_distributed_at, snapshot, last_event_id,"
    " last_ord_num, last_event_created_at, last_seen_at) ="
    " (excluded.uid, excluded.created_at, excluded.showtime,"
    " excluded.showing_time_zone, excluded.showing_time_zone_utc_offset,"
    " excluded.name, excluded.phone, excluded.email, excluded.notes,"
    " excluded.listing_uid, excluded.listing_full_address,"
    " excluded.is_self_show, excluded.confirmed_at, excluded.canceled_at,"
    " excluded.self_show_code_distributed_at,"
    " s.snapshot || excluded.snapshot, excluded.last_event_id,"
    " excluded.last_ord_num, excluded.last_event_created_at, now())";

/* Store one delivery; the response for it. */
static const char *
store(PGconn *c, bool unnamed, const char *id, const char *uid)
{
	char		 body[8192];
	const char	*vals[1] = { body };
	PGresult	*r;
	int		 ok;

	snprintf(body, sizeof(body), "%s%.64s%s%.64s%s", tpl, id ? id : "",
	    mid, uid ? uid : "", end);
	r = unnamed ? PQexecParams(c, minimal, 1, NULL, vals, NULL, NULL, 0) :
	    PQexecPrepared(c, "ingest", 1, vals, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK;
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
	const char	*mode = getenv("BENCH_SQL");
	bool		 unnamed = mode != NULL &&
	    strcmp(mode, "minimal-unnamed") == 0;
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
	if (!unnamed)
		PQclear(PQprepare(c, "ingest", mode != NULL &&
		    strcmp(mode, "minimal") == 0 ? minimal :
		    "SELECT ingest($1::jsonb, 9000)", 1, NULL));
	if (FCGX_IsCGI()) {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			continue;
		fputs(store(c, unnamed, getenv("HTTP_X_BENCH_ID"),
		    getenv("HTTP_X_BENCH_UID")), stdout);
	} else if (FCGX_Init() == 0 && FCGX_InitRequest(&req, 0, 0) == 0) {
		while (FCGX_Accept_r(&req) >= 0) {
			while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
				continue;
			FCGX_PutS(store(c, unnamed,
			    FCGX_GetParam("HTTP_X_BENCH_ID", req.envp),
			    FCGX_GetParam("HTTP_X_BENCH_UID", req.envp)),
			    req.out);
			FCGX_Finish_r(&req);
		}
	}
	PQfinish(c);
	return 0;
}

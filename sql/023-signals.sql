-- SPDX-License-Identifier: MIT
-- What the operator is warned with before ShowMojo gives up on the
-- endpoint: how many requests the program answered, by outcome, and how
-- many it refused before the database, by reason, with when the latest
-- came; and the tokens refused, by fingerprint.  The program's processes
-- count in memory and add their counts here at most once every ten
-- seconds each (doc/operations.md, "Signals"), so that a flood of
-- refused requests costs the database next to nothing.
--
--   counts            one row per counter, "metric:label" (for example
--                     deliveries:stored, rejected:wrong_token); totals
--                     only grow, so that Prometheus can rate them.
--   refused_tokens    the tokens refused with a 401, by fingerprint: the
--                     first 8 hex digits of the SHA-256 of the token as
--                     offered, never the token; the 16 refused most
--                     recently are kept, older ones are dropped (the
--                     counter rejected:wrong_token keeps their count).
--
-- Neither holds personal data: names of counters, numbers, times, and
-- fingerprints of credentials.
BEGIN;

CREATE TABLE counts (
	name		text PRIMARY KEY
	    CHECK (name ~ '^[a-z_]+:[a-z_]+$'),
	total		bigint NOT NULL CHECK (total >= 0),
	latest_at	timestamptz NOT NULL
);
COMMENT ON TABLE counts IS
    'Requests answered by outcome and refused by reason, added by the program at most every 10 s per process.';

CREATE TABLE refused_tokens (
	fingerprint	text PRIMARY KEY
	    CHECK (fingerprint ~ '^[0-9a-f]{8}$'),
	refused		bigint NOT NULL CHECK (refused > 0),
	first_at	timestamptz NOT NULL,
	latest_at	timestamptz NOT NULL
);
COMMENT ON TABLE refused_tokens IS
    'Tokens refused (401), by the first 8 hex digits of their SHA-256; the 16 latest are kept.';

DO $roles$
BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_writer') THEN
		GRANT SELECT, INSERT, UPDATE ON counts TO showmojo_writer;
		GRANT SELECT, INSERT, UPDATE, DELETE ON refused_tokens
		    TO showmojo_writer;
	END IF;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_analyst')
	THEN
		GRANT SELECT ON counts, refused_tokens TO showmojo_analyst;
	END IF;
END
$roles$;

INSERT INTO schema_migrations (version, name)
    VALUES (23, '023-signals');
COMMIT;

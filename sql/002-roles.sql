-- SPDX-License-Identifier: MIT
-- Least privilege.  Two group roles (cluster-wide, NOLOGIN):
--   showmojo_writer: what the program needs to store deliveries, keep and
--                    replay the quarantine, and answer health checks;
--   showmojo_reader: SELECT on everything in the schema, tables and views
--                    created by later migrations included.
-- Login roles join them: CREATE ROLE webhook LOGIN IN ROLE showmojo_writer.
-- When the role running migrate may not create roles, it says so and goes
-- on; a superuser can create them later and run the GRANTs below again.
BEGIN;

DO $roles$
DECLARE
	r	text;
	s	text := current_schema();
BEGIN
	FOREACH r IN ARRAY ARRAY['showmojo_writer', 'showmojo_reader'] LOOP
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
			BEGIN
				EXECUTE format('CREATE ROLE %I NOLOGIN', r);
			EXCEPTION
			WHEN duplicate_object OR unique_violation THEN
				NULL;	/* created meanwhile by a migrate elsewhere */
			WHEN insufficient_privilege THEN
				RAISE WARNING 'role % not created (no CREATEROLE): '
				    'a superuser can run CREATE ROLE % NOLOGIN '
				    'and the grants of sql/002-roles.sql', r, r;
			END;
		END IF;
	END LOOP;

	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_writer') THEN
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO showmojo_writer', s);
		GRANT SELECT, INSERT ON events TO showmojo_writer;
		GRANT SELECT, INSERT, UPDATE ON showings TO showmojo_writer;
		GRANT SELECT, INSERT, UPDATE ON quarantine TO showmojo_writer;
		GRANT SELECT ON schema_migrations TO showmojo_writer;
		GRANT EXECUTE ON FUNCTION ingest(jsonb) TO showmojo_writer;
	END IF;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'showmojo_reader') THEN
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO showmojo_reader', s);
		EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I '
		    'TO showmojo_reader', s);
		EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
		    'GRANT SELECT ON TABLES TO showmojo_reader', s);
	END IF;
END
$roles$;

INSERT INTO schema_migrations (version, name) VALUES (2, '002-roles');
COMMIT;

-- SPDX-License-Identifier: MIT
-- A delivery keeps the time it arrived, also when it reaches the database
-- later: one kept in the spool during an outage is stored by a drain,
-- which names the arrival time in the transaction's own setting
-- showmojo.received_at (Unix seconds, set_config(..., true): nothing is
-- left in the session).  A live delivery sets nothing and gets now(), as
-- before.  ingest() itself does not change: the column's default reads
-- the setting.  check --max-silence and the views then see when ShowMojo
-- sent a drained backlog, not when it was drained.
BEGIN;

ALTER TABLE events ALTER COLUMN received_at SET DEFAULT
    coalesce(to_timestamp(nullif(current_setting('showmojo.received_at',
    true), '')::float8), now());
COMMENT ON COLUMN events.received_at IS
    'When the delivery arrived at the web server (a drained one keeps its arrival time).';

INSERT INTO schema_migrations (version, name)
    VALUES (20, '020-arrival-time');
COMMIT;

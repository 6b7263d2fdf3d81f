-- SPDX-License-Identifier: MIT
-- One quarantine row per body: a delivery that fails again (ShowMojo
-- retries a 400 five times; a 200 whose answer was lost comes again)
-- counts on the row of its body instead of adding one.  Rows of the same
-- body kept by earlier versions are merged into the oldest.
BEGIN;

ALTER TABLE quarantine
    ADD COLUMN body_sha256 bytea GENERATED ALWAYS AS (sha256(body)) STORED,
    ADD COLUMN deliveries integer NOT NULL DEFAULT 1,
    ADD COLUMN last_received_at timestamptz;
UPDATE quarantine SET last_received_at = received_at;
ALTER TABLE quarantine
    ALTER COLUMN last_received_at SET NOT NULL,
    ALTER COLUMN last_received_at SET DEFAULT now();
COMMENT ON COLUMN quarantine.received_at IS
    'When the body first arrived.';
COMMENT ON COLUMN quarantine.deliveries IS
    'How many times the body arrived and was quarantined.';
COMMENT ON COLUMN quarantine.last_received_at IS
    'When the body last arrived; reason and request metadata are that delivery''s.';

-- Earlier duplicates: the oldest row of a body keeps the count and the
-- times; it stays waiting when any of them waited.
UPDATE quarantine q SET
    deliveries = d.n,
    last_received_at = d.last,
    replayed_at = CASE WHEN d.waiting THEN NULL ELSE q.replayed_at END
FROM (SELECT min(id) AS id, count(*) AS n, max(received_at) AS last,
	bool_or(replayed_at IS NULL) AS waiting
    FROM quarantine GROUP BY body_sha256 HAVING count(*) > 1) d
WHERE q.id = d.id;
DELETE FROM quarantine q
USING quarantine k
WHERE k.body_sha256 = q.body_sha256 AND k.id < q.id;

CREATE UNIQUE INDEX quarantine_body_idx ON quarantine (body_sha256);

-- As in 010, counting deliveries, not rows.
CREATE OR REPLACE VIEW quarantine_summary AS
SELECT
	regexp_replace(split_part(q.reason, ':', 1), ' at byte [0-9]+', '',
	    'g') AS kind,
	sum(q.deliveries) AS deliveries,
	min(q.received_at) AS since,
	max(q.last_received_at) AS latest,
	(array_agg(q.reason ORDER BY q.last_received_at DESC, q.id DESC))[1]
	    AS latest_reason,
	max(q.id) AS latest_id
FROM quarantine q
WHERE q.replayed_at IS NULL
GROUP BY 1;
COMMENT ON VIEW quarantine_summary IS
    'Deliveries waiting in the quarantine, per kind of reason: how many arrived, since when, the latest reason.';

INSERT INTO schema_migrations (version, name) VALUES (12, '012-quarantine-once');
COMMIT;

-- SPDX-License-Identifier: MIT
-- Erasure reaches the web host's spool.  forget and prune also erase the
-- files that wait there (deliveries the database could not take yet,
-- entries set aside, leftovers of interrupted writes), so that a later
-- drain brings nothing back; the program reads the files and asks the
-- database, which knows the person, whether each one holds them:
--
--   spool_holds(body, emails, phones, uids)  true when the body holds one
--       of the person's values, found as forget() finds them (the
--       selectors, and the values of the showings that carry them), or
--       one of their showings' uids as a JSON string;
--   spool_erasure(erasure, command, days, emails, phones, uids, n)
--       counts n files in the record of the erasure (erasures.spool), or
--       records one when the tables held nothing.
BEGIN;

ALTER TABLE erasures ADD COLUMN spool integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN erasures.spool IS
    'Files erased from the spool on the web host: deliveries waiting, set aside, or left half-written.';

-- The person forget() erases: the showings named by uid or carrying one
-- of the emails or phones, and every value they hold (lowercased emails
-- and names, phone_tail() of phones), the selectors included.
CREATE FUNCTION person(p_emails text[], p_phones text[], p_uids text[],
    OUT uids text[], OUT emails text[], OUT phones text[], OUT names text[])
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $fn$
DECLARE
	u	text;
	r	record;
BEGIN
	emails := ARRAY(SELECT DISTINCT lower(btrim(x)) FROM unnest(p_emails) x
	    WHERE x LIKE '%_@_%');
	phones := ARRAY(SELECT DISTINCT phone_tail(x) FROM unnest(p_phones) x
	    WHERE length(phone_tail(x)) >= 7);
	names := '{}';
	uids := ARRAY(
	    SELECT s.uid FROM showings s WHERE s.uid = ANY (p_uids)
	    UNION
	    SELECT e.showing_uid FROM events e
	    WHERE e.showing_uid IS NOT NULL AND (
		lower(e.payload #>> '{event,showing,email}') = ANY (emails)
		OR phone_tail(e.payload #>> '{event,showing,phone}') =
		    ANY (phones)));
	uids := ARRAY(SELECT DISTINCT x FROM unnest(uids || p_uids) x
	    WHERE x <> '');
	FOREACH u IN ARRAY uids LOOP
		SELECT * INTO r FROM showing_values(u);
		emails := emails || r.emails;
		phones := phones || r.phones;
		names := names || r.names;
	END LOOP;
	emails := ARRAY(SELECT DISTINCT x FROM unnest(emails) x);
	phones := ARRAY(SELECT DISTINCT x FROM unnest(phones) x);
	names := ARRAY(SELECT DISTINCT x FROM unnest(names) x);
END
$fn$;

CREATE FUNCTION spool_holds(p_body bytea, p_emails text[], p_phones text[],
    p_uids text[]) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path FROM CURRENT
AS $fn$
DECLARE
	p	record;
	t	text := body_text(p_body);
BEGIN
	SELECT * INTO p FROM person(p_emails, p_phones, p_uids);
	RETURN holds_value(t, p.emails, p.phones, p.names)
	    OR EXISTS (SELECT FROM unnest(p.uids) x
		WHERE strpos(t, '"' || x || '"') > 0);
END
$fn$;

CREATE FUNCTION spool_erasure(p_erasure bigint, p_command text,
    p_days integer, p_emails text[], p_phones text[], p_uids text[],
    p_spool integer) RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
	id_	bigint := nullif(p_erasure, 0);
BEGIN
	IF p_spool <= 0 THEN
		RETURN id_;
	END IF;
	IF id_ IS NOT NULL THEN
		UPDATE erasures SET spool = spool + p_spool WHERE id = id_;
		RETURN id_;
	END IF;
	INSERT INTO erasures (command, selector_hashes, older_than_days,
	    showings, events, quarantine, spool)
	VALUES (p_command, CASE WHEN p_command = 'forget' THEN ARRAY(
	    SELECT encode(sha256(convert_to(x, 'UTF8')), 'hex')
	    FROM (SELECT 'email:' || lower(btrim(y)) FROM unnest(p_emails) y
		UNION SELECT 'phone:' || phone_key(y) FROM unnest(p_phones) y
		UNION SELECT 'showing:' || y FROM unnest(p_uids) y) s(x)
	    WHERE x IS NOT NULL ORDER BY 1) END,
	    p_days, 0, 0, 0, p_spool)
	RETURNING id INTO id_;
	RETURN id_;
END
$fn$;

-- Only the schema owner erases.
REVOKE ALL ON FUNCTION person(text[], text[], text[]),
    spool_holds(bytea, text[], text[], text[]),
    spool_erasure(bigint, text, integer, text[], text[], text[], integer)
    FROM PUBLIC;

INSERT INTO schema_migrations (version, name)
    VALUES (21, '021-spool-erasure');
COMMIT;

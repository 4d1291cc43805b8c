-- 0022_audit_trail_view (up): an admin reading the audit trail (GET /api/v1/admin/audit) is itself
-- access to people's data, and is recorded as staff_audit_view (the admin as actor, the user whose
-- trail it was as subject).

-- The audit log's allowed events changed in place: whatever the constraint allows now, plus
-- `added`, less `removed` (0018 did this inline; later migrations call this). A narrowed list is
-- NOT VALID: entries already recorded with a removed event stay (the log is append-only).
CREATE FUNCTION pm_change_audit_events(added text[], removed text[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    allowed text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO allowed
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
    WHERE c.conname = 'valid_audit_event' AND c.conrelid = 'audit_log'::regclass;
    IF coalesce(array_length(allowed, 1), 0) < 10 THEN
        RAISE EXCEPTION 'valid_audit_event: could not read the events it allows';
    END IF;
    SELECT array_agg(DISTINCT e) INTO allowed
    FROM unnest(allowed || added) AS e WHERE NOT e = ANY (removed);
    ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
    -- The same form as before (event IN ('a', 'b', ...)), so the next change can read it alike.
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN (%s))%s',
                   (SELECT string_agg(quote_literal(e), ', ' ORDER BY e) FROM unnest(allowed) AS e),
                   CASE WHEN cardinality(removed) > 0 THEN ' NOT VALID' ELSE '' END);
END $$;
REVOKE EXECUTE ON FUNCTION pm_change_audit_events(text[], text[]) FROM PUBLIC;

SELECT pm_change_audit_events(ARRAY['staff_audit_view'], '{}');

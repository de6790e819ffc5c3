-- Registrar search over a large log: one text per message of what a
-- registrar searches by (subject, recipient, diarienummer, the officer,
-- the body), indexed by trigrams (pg_trgm, a trusted extension shipped with
-- PostgreSQL), so "%bygglov%" inside a compound word ("strandskyddsbygglov")
-- is found by the index instead of a scan of every message.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE messages ADD COLUMN search_text text GENERATED ALWAYS AS (
    subject || ' ' || recipient_display || ' ' || recipient || ' '
        || coalesce(case_number, '') || ' ' || officer_name || ' ' || body
) STORED;
CREATE INDEX messages_search ON messages USING gin (search_text gin_trgm_ops);

-- The registrar's reach, computed once per statement instead of once per
-- row: the policy wraps these in scalar subqueries, which PostgreSQL
-- evaluates once (an InitPlan).
CREATE FUNCTION kuvert_registrar_reads_all() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM staff s
            WHERE s.identity = kuvert_caller()
              AND s.role = 'registrar'
              AND cardinality(s.units) = 0
        )
    $$;

CREATE FUNCTION kuvert_registrar_units() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        SELECT coalesce(
            (SELECT s.units FROM staff s
             WHERE s.identity = kuvert_caller() AND s.role = 'registrar'),
            '{}'::text[])
    $$;

DROP POLICY registrar_units ON messages;
CREATE POLICY registrar_units ON messages FOR SELECT TO kuvert_registrar
    USING ((SELECT kuvert_registrar_reads_all())
           OR unit = ANY ((SELECT kuvert_registrar_units())::text[]));

-- The search itself. Under row-level security PostgreSQL does not use an
-- index for an operator that is not leakproof, and ILIKE is not, so the
-- trigram index would never serve a caller's search. This function reads
-- as the tables' owner and applies the same reach as the policies
-- explicitly (an officer: their own; a registrar: everyone's or their
-- units'); the rows it names are then read under the policies again. The
-- planner's estimate for '%…%' is poor, so the function asks for the
-- trigram index outright.
CREATE FUNCTION kuvert_search(pattern text, max_rows integer) RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 50
    SET search_path = pg_catalog, public
    SET enable_seqscan = off
    SET enable_indexscan = off
    AS $$
        SELECT seq FROM messages
        WHERE search_text ILIKE pattern
          AND (officer = kuvert_caller()
               OR (SELECT kuvert_registrar_reads_all())
               OR unit = ANY ((SELECT kuvert_registrar_units())::text[]))
        ORDER BY seq DESC
        LIMIT max_rows
    $$;

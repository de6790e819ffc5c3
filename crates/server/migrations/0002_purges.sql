-- Retention purges (gallring): who ordered it, under which rule, what it
-- removed. The purged messages' chain entries stay (they hold only ids,
-- times, states and digests); the purge is sealed in the chain too.
CREATE TABLE purges (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    purged_by    text NOT NULL,
    rule         text NOT NULL,
    older_than   timestamptz NOT NULL,
    count        bigint NOT NULL,
    message_ids  text[] NOT NULL,
    ids_sha256   text NOT NULL
);
ALTER TABLE chain ADD COLUMN purge_id bigint UNIQUE REFERENCES purges (id);
ALTER TABLE purges ENABLE ROW LEVEL SECURITY;
CREATE POLICY registrar_reads ON purges FOR SELECT TO kuvert_registrar USING (true);
GRANT SELECT ON purges TO kuvert_registrar;
GRANT SELECT, INSERT ON purges TO kuvert_service;
GRANT USAGE ON SEQUENCE purges_id_seq TO kuvert_service;

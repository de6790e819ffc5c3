-- Department mode: the organisation's sent log, its Outbox and its staff.
--
-- Three database roles stand for what a caller may do; the server runs each
-- request's transaction `SET LOCAL ROLE` to the caller's role and with
-- `kuvert.caller` set to their identity, so row-level security enforces the
-- roles a second time, beneath the server's own checks. The worker (signing,
-- submission, status) runs as `kuvert_service`, which sees every row.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuvert_officer') THEN
        CREATE ROLE kuvert_officer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuvert_registrar') THEN
        CREATE ROLE kuvert_registrar NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuvert_administrator') THEN
        CREATE ROLE kuvert_administrator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuvert_service') THEN
        CREATE ROLE kuvert_service NOLOGIN BYPASSRLS;
    END IF;
END
$$;

-- Who may do what: from server.toml's [[staff]] (source 'config', replaced at
-- every start) and from `kuvert-server user …` (source 'cli').
CREATE TABLE staff (
    identity text PRIMARY KEY CHECK (identity <> ''),
    name     text NOT NULL,
    role     text NOT NULL CHECK (role IN ('officer', 'registrar', 'administrator')),
    -- The officer's own unit (förvaltning, enhet), recorded on what they send.
    unit     text,
    -- The units a registrar reads; empty: the whole organisation.
    units    text[] NOT NULL DEFAULT '{}',
    source   text NOT NULL CHECK (source IN ('config', 'cli'))
);

-- The caller of the current transaction, as the server set it.
CREATE FUNCTION kuvert_caller() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('kuvert.caller', true), '') $$;

-- Whether the caller is a registrar who reads `unit`.
CREATE FUNCTION kuvert_registrar_reads(unit text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM staff s
            WHERE s.identity = kuvert_caller()
              AND s.role = 'registrar'
              AND (cardinality(s.units) = 0 OR unit = ANY (s.units))
        )
    $$;

CREATE TABLE messages (
    seq                bigserial PRIMARY KEY,  -- the log's order
    id                 text NOT NULL UNIQUE,   -- MessageId (UUID) the delivery was signed with
    correlation_id     text NOT NULL,
    -- The officer's idempotency key for the submission: a repeated POST
    -- (lost answer) finds the message instead of storing a second one.
    submission_id      text NOT NULL,
    officer            text NOT NULL,          -- staff.identity (kept when staff changes)
    officer_name       text NOT NULL,
    unit               text,
    profile            text NOT NULL,
    sender_org         text NOT NULL,
    sender_name        text NOT NULL,
    recipient          text NOT NULL,          -- wire form
    recipient_display  text NOT NULL,
    subject            text NOT NULL,
    body               text NOT NULL,
    case_number        text,
    attention          text,
    protection_class   smallint NOT NULL,
    case_type          text,
    event_status       text,
    preceding_event_id text,
    created_at         timestamptz NOT NULL,
    state              text NOT NULL CHECK (state IN
                         ('queued', 'signed', 'submitted', 'pending', 'delivered', 'failed', 'paper')),
    state_at           timestamptz NOT NULL,
    distribution_id    text,
    mailbox_operator   text,
    mailbox_address    text,
    failure_reason     text,
    attempts           integer NOT NULL DEFAULT 0,
    last_error_code    text,
    last_error_reason  text,
    retryable          boolean,
    next_attempt_at    timestamptz,           -- when the worker should act; NULL when final
    lease_owner        text,                  -- the instance working on it now
    lease_until        timestamptz,           -- … until then; a killed instance's lease lapses
    signed_xml         bytea,
    document           bytea,
    paper_letter       bytea,
    UNIQUE (officer, submission_id)
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX messages_officer ON messages (officer, seq);
CREATE INDEX messages_case ON messages (case_number);

CREATE TABLE attachments (
    message_id   text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    bytes        bytea NOT NULL,
    PRIMARY KEY (message_id, position)
);

CREATE TABLE history (
    seq        bigserial PRIMARY KEY,
    message_id text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    state      text NOT NULL,
    detail     text
);
CREATE INDEX history_message ON history (message_id, seq);

-- The tamper-evident chain over the log: one entry per log event, each
-- hashing the event's digest and the previous entry's hash. Appends are
-- serialised by an advisory lock, so entries from several instances form
-- one chain.
CREATE TABLE chain (
    seq        bigint PRIMARY KEY,
    history_seq bigint UNIQUE,             -- the history line the entry seals
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    message_id text,
    state      text,
    digest     bytea NOT NULL,
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);

-- Row-level security: officers see and add their own messages, registrars
-- read their units' (or everyone's), administrators manage staff only.
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE history ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE chain ENABLE ROW LEVEL SECURITY;

CREATE POLICY officer_own ON messages TO kuvert_officer
    USING (officer = kuvert_caller()) WITH CHECK (officer = kuvert_caller());
CREATE POLICY registrar_units ON messages FOR SELECT TO kuvert_registrar
    USING (kuvert_registrar_reads(unit));
CREATE POLICY officer_own ON attachments TO kuvert_officer
    USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = message_id));
CREATE POLICY registrar_units ON attachments FOR SELECT TO kuvert_registrar
    USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = message_id));
CREATE POLICY officer_own ON history TO kuvert_officer
    USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = message_id));
CREATE POLICY registrar_units ON history FOR SELECT TO kuvert_registrar
    USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = message_id));
CREATE POLICY self ON staff FOR SELECT TO kuvert_officer, kuvert_registrar
    USING (identity = kuvert_caller());
CREATE POLICY manage ON staff TO kuvert_administrator USING (true) WITH CHECK (true);
CREATE POLICY registrar_reads ON chain FOR SELECT TO kuvert_registrar USING (true);

GRANT SELECT, INSERT ON messages, attachments, history TO kuvert_officer;
GRANT SELECT ON messages, attachments, history, chain TO kuvert_registrar;
GRANT SELECT ON staff TO kuvert_officer, kuvert_registrar;
GRANT SELECT, INSERT, UPDATE, DELETE ON staff TO kuvert_administrator;
GRANT USAGE ON SEQUENCE messages_seq_seq, history_seq_seq TO kuvert_officer;
GRANT SELECT, INSERT, UPDATE, DELETE ON messages, attachments, history, chain, staff TO kuvert_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO kuvert_service;
-- The server's login role acts as each of them in turn.
GRANT kuvert_officer, kuvert_registrar, kuvert_administrator, kuvert_service TO CURRENT_USER;

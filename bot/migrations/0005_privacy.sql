-- Privacy: a record that each erasure was carried out. It never holds a Discord id: the member
-- (and the admin who acted for them) appear only as pseudonyms, an HMAC-SHA256 of the id keyed
-- with a secret derived from the encryption key, so the same person always gets the same code
-- but the code cannot be turned back into an id.
CREATE TABLE privacy_audit (
    id              INTEGER PRIMARY KEY,
    action          TEXT NOT NULL CHECK (action IN ('member_request', 'admin_forget')),
    guild_id        INTEGER,                 -- the server it was done in; NULL: every server (a DM)
    subject_code    TEXT NOT NULL,           -- pseudonym of the member whose data was erased
    actor_code      TEXT,                    -- pseudonym of the admin; NULL when the member asked
    rows_deleted    INTEGER NOT NULL CHECK (rows_deleted >= 0),
    rows_anonymised INTEGER NOT NULL CHECK (rows_anonymised >= 0),
    created_at      TEXT NOT NULL            -- UTC, ISO 8601
) STRICT;

CREATE INDEX privacy_audit_by_subject ON privacy_audit (subject_code);

-- The consultation queue: one row per "talk to a consultant" request.
-- Holds ids, an enum topic, status and timestamps (unix seconds, UTC). The only free text is the
-- member's optional note and preferred time, and the staff close reason, all encrypted (BLOB).
-- Nothing said in the private threads is ever stored here.
CREATE TABLE consultation_counters (
    guild_id    INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
) STRICT;

CREATE TABLE consultations (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    number           INTEGER NOT NULL,            -- per-server request number people see
    member_id        INTEGER NOT NULL,
    topic            TEXT NOT NULL CHECK (topic IN
                         ('level_of_care', 'relapse', 'coping', 'family', 'other', 'crisis')),
    urgency          TEXT NOT NULL CHECK (urgency IN ('routine', 'soon', 'urgent')),
    priority         INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),  -- 0 urgent, 1 soon, 2 routine
    status           TEXT NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'claimed', 'closed', 'cancelled')),
    note             BLOB,                        -- encrypted
    preferred_time   BLOB,                        -- encrypted
    created_at       INTEGER NOT NULL,
    claimed_by       INTEGER,
    claimed_at       INTEGER,
    first_claimed_at INTEGER,
    thread_id        INTEGER,
    card_channel_id  INTEGER,
    card_message_id  INTEGER,
    problem          TEXT,                        -- a code such as 'missing:create_private_threads'
    member_left_at   INTEGER,
    last_reminded_at INTEGER,
    closed_at        INTEGER,
    closed_by        INTEGER,
    close_kind       TEXT CHECK (close_kind IN
                         ('resolved', 'cancelled', 'thread_deleted', 'card_deleted')),
    close_reason     BLOB,                        -- encrypted
    CHECK ((status = 'claimed') = (claimed_by IS NOT NULL)),
    CHECK ((status IN ('closed', 'cancelled')) = (closed_at IS NOT NULL)),
    UNIQUE (guild_id, number)
) STRICT;

-- At most one open or claimed request per member per server, enforced by the database.
CREATE UNIQUE INDEX consultations_one_active_per_member
    ON consultations (guild_id, member_id) WHERE status IN ('open', 'claimed');

-- The waiting queue: urgency first, then age.
CREATE INDEX consultations_waiting
    ON consultations (guild_id, priority, created_at, id) WHERE status = 'open';

CREATE INDEX consultations_claimed
    ON consultations (guild_id, claimed_by) WHERE status = 'claimed';

CREATE INDEX consultations_thread ON consultations (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX consultations_card ON consultations (card_message_id) WHERE card_message_id IS NOT NULL;
CREATE INDEX consultations_member ON consultations (guild_id, member_id, closed_at);
CREATE INDEX consultations_recent ON consultations (guild_id, created_at);

-- Every transition, for /queue stats and an audit trail: ids and times only, never text.
CREATE TABLE consultation_events (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    guild_id        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('created', 'claimed', 'released', 'transferred',
                        'closed', 'cancelled', 'member_left', 'member_returned', 'thread_deleted',
                        'card_deleted')),
    actor_id        INTEGER,
    at              INTEGER NOT NULL
) STRICT;

CREATE INDEX consultation_events_by_guild ON consultation_events (guild_id, at);
CREATE INDEX consultation_events_by_request ON consultation_events (consultation_id);

-- Staff-only private notes on a request (encrypted); never shown to the member.
CREATE TABLE consultation_notes (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    author_id       INTEGER NOT NULL,
    body            BLOB NOT NULL,                -- encrypted
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX consultation_notes_by_request ON consultation_notes (consultation_id);

-- The consultation blocklist: a staff lead pauses a member's routine requests in one server.
-- One row per member per server (a new block replaces an ended one); an urgent request is never
-- refused by it. Ids and times (unix seconds, UTC) only, and the staff lead's reason, encrypted.
CREATE TABLE consult_blocks (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    blocked_by INTEGER NOT NULL,         -- the staff lead; 0 once they erase their own data
    reason     BLOB,                     -- encrypted; NULL when no reason was given
    created_at INTEGER NOT NULL,
    expires_at INTEGER,                  -- NULL: until a staff lead removes it
    CHECK (expires_at IS NULL OR expires_at > created_at),
    UNIQUE (guild_id, member_id)
) STRICT;

-- /consult-block list: a server's blocks, oldest first.
CREATE INDEX consult_blocks_by_guild ON consult_blocks (guild_id, created_at, id);

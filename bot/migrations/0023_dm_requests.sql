-- "Send us a secure message" (issue 21): a request a member opened by writing to the bot in a
-- DM. Its conversation goes on in that DM: the member is never added to the staff thread
-- (consultations.thread_id), and the bot relays messages between the two and forgets them.
-- Ids and a time only, never a message: the request, its member (for finding their open
-- DM request when they write), the DM channel the bot answers in, and when it was opened
-- (unix seconds, UTC), and whether the member asked to keep their name from the consultant
-- (1: staff see a per-request alias derived from a keyed hash, never stored). Deleted with the
-- request (retention, erasure).
CREATE TABLE consult_dm_links (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL,
    dm_channel_id   INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    pseudonymous    INTEGER NOT NULL DEFAULT 0 CHECK (pseudonymous IN (0, 1)),
    last_relayed_id INTEGER             -- the member's last DM passed on (its id): never twice,
                                        -- and what start-up catches up from; NULL: none yet
) STRICT;
CREATE INDEX consult_dm_links_member ON consult_dm_links (member_id);

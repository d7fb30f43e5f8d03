-- Follow-ups (issue 20): a check-in a consultant books with a member (/ticket follow-up), kept
-- by the bot. Ids, times (unix seconds, UTC), the zone the time was typed in, and the
-- consultant's optional note, encrypted. Nothing said in the threads.
--
-- state: booked (waiting for its time) -> fired (picked by the loop, in the same transaction
-- that opened or found the request it goes to) -> done (Discord was told); or booked ->
-- cancelled (by the member, the consultant or an admin). A row is fired once: the pick is a
-- conditional UPDATE ... WHERE state = 'booked'.
--
-- outcome, once fired: claimed (a new request, claimed by the consultant), active (the member
-- already had an open or claimed request: posted there), queue (a new request waiting in the
-- queue: the consultant is no longer staff), member_left (the member left the server).
CREATE TABLE consult_follow_ups (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL,
    staff_id        INTEGER NOT NULL,         -- who booked it; 0 once they erase their data
    due_at          INTEGER NOT NULL,
    timezone        TEXT NOT NULL,            -- the IANA zone the time was typed in
    note            BLOB,                     -- encrypted; NULL when none was given
    state           TEXT NOT NULL DEFAULT 'booked'
                        CHECK (state IN ('booked', 'fired', 'done', 'cancelled')),
    created_at      INTEGER NOT NULL,
    fired_at        INTEGER,
    outcome         TEXT CHECK (outcome IN ('claimed', 'active', 'queue', 'member_left')),
    request_id      INTEGER REFERENCES consultations (id) ON DELETE SET NULL,
    finished_at     INTEGER,                  -- done or cancelled
    cancelled_by    INTEGER,
    CHECK ((state IN ('fired', 'done')) = (fired_at IS NOT NULL)),
    CHECK ((state IN ('done', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK ((state = 'cancelled') = (cancelled_by IS NOT NULL))
) STRICT;

-- The loop's pick: what is due, soonest first.
CREATE INDEX consult_follow_ups_due ON consult_follow_ups (due_at) WHERE state = 'booked';
-- A member's booked check-ins (the cap, /consult-status) and a consultant's (/queue follow-ups).
CREATE INDEX consult_follow_ups_member ON consult_follow_ups (guild_id, member_id);
CREATE INDEX consult_follow_ups_staff ON consult_follow_ups (guild_id, staff_id)
    WHERE state = 'booked';

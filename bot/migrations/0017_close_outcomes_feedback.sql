-- The end of a conversation (issue 20): the outcome staff record when they close a request, and
-- the member's feedback afterwards.
--
-- outcome: staff bookkeeping, one code from a fixed list (``bot.consultations.outcomes``);
-- NULL while none is recorded (a request closed before this migration, cancelled, closed by
-- its member, lost to a deleted thread or card, or closed without one yet). Never shown to the
-- member as advice; counted, without names, in /queue stats.
ALTER TABLE consultations ADD COLUMN outcome TEXT CHECK (outcome IN (
    'information_given',
    'referred_outpatient', 'referred_iop', 'referred_php', 'referred_residential',
    'referred_inpatient', 'referred_crisis_line',
    'follow_up_booked', 'peer_group', 'no_reply', 'duplicate', 'other'
));

-- /queue stats: a server's recorded outcomes by closing time.
CREATE INDEX consultations_outcomes
    ON consultations (guild_id, closed_at) WHERE outcome IS NOT NULL;

-- A member closing their own claimed request (the "Close my request" button in its thread)
-- is recorded like a cancel: close_kind 'cancelled' and a 'cancelled' event by the member,
-- with status 'closed' (someone was with them). So it starts the member's cooldown, as a
-- cancel does, and is not counted as a staff member's close. The CHECKs on close_kind and on
-- consultation_events.kind are left as they are: widening them would mean rebuilding
-- consultations, whose children (events, notes, answers, holds) a DROP would cascade-delete.

-- Feedback: one row per request, at most (the primary key), written in the same transaction
-- that closes a request someone was with (claimed): the question "How did this go?" asked of
-- the member. The rating (1-5) and an optional comment (encrypted, like every member text) are
-- filled in once each, within 7 days of asked_at (checked by ``bot.consultations.feedback``).
-- staff_id: whoever held the request when it closed (0 once they erase their data). audience:
-- who the member lets read the comment ('consultant': the staff member and the leads;
-- 'leads': the leads only). Deleted with the request, or with the member's data.
CREATE TABLE consultation_feedback (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    guild_id        INTEGER NOT NULL,
    member_id       INTEGER NOT NULL,
    staff_id        INTEGER NOT NULL,
    asked_at        INTEGER NOT NULL,
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    rated_at        INTEGER,
    comment         BLOB,                          -- encrypted; NULL: none, or purged
    audience        TEXT CHECK (audience IN ('consultant', 'leads')),
    commented_at    INTEGER,
    CHECK ((rating IS NULL) = (rated_at IS NULL)),
    CHECK ((audience IS NULL) = (commented_at IS NULL)),
    CHECK (commented_at IS NULL OR rated_at IS NOT NULL),
    CHECK (comment IS NULL OR commented_at IS NOT NULL)
) STRICT;

-- /queue stats and /queue feedback: a server's answered questions, newest first.
CREATE INDEX consultation_feedback_rated
    ON consultation_feedback (guild_id, rated_at) WHERE rating IS NOT NULL;

-- Quiet threads (issue 20): a gentle check-in when a claimed conversation goes quiet, an
-- automatic close ("no reply") some hours after it, a reminder to the claimer when the member's
-- message waits for an answer, and staff's pause of all that on one request (/ticket hold).
--
-- Per server (0: off). quiet_nudge_hours: hours without a message from the member before the
-- check-in (default 48); quiet_close_hours: hours after the check-in, with still no message
-- from the member, before the close (default 72; only ever after a check-in);
-- staff_reply_minutes: minutes a member's message waits for staff before the claimer is
-- reminded (default 0, off).
ALTER TABLE guild_config ADD COLUMN
    quiet_nudge_hours INTEGER NOT NULL DEFAULT 48 CHECK (quiet_nudge_hours BETWEEN 0 AND 720);
ALTER TABLE guild_config ADD COLUMN
    quiet_close_hours INTEGER NOT NULL DEFAULT 72 CHECK (quiet_close_hours BETWEEN 0 AND 720);
ALTER TABLE guild_config ADD COLUMN
    staff_reply_minutes INTEGER NOT NULL DEFAULT 0 CHECK (staff_reply_minutes BETWEEN 0 AND 1440);

-- Per request: times only (unix seconds, UTC), from Discord's message events in its private
-- thread; never a message's text or id.
-- member_last_at: the member's last message; staff_last_at: the last one from anyone else (the
-- claimer, other staff; the bot's own messages don't count, a saved reply does);
-- awaiting_staff_since: the member's first message since staff last wrote (or since the last
-- reminder), NULL when nothing waits; nudged_at: when the check-in was posted, cleared when the
-- member writes; on_hold_since: /ticket hold (NULL: not on hold); quiet_from: the quiet time
-- counts from here at the earliest (the end of a hold, or this upgrade).
ALTER TABLE consultations ADD COLUMN member_last_at INTEGER;
ALTER TABLE consultations ADD COLUMN staff_last_at INTEGER;
ALTER TABLE consultations ADD COLUMN awaiting_staff_since INTEGER;
ALTER TABLE consultations ADD COLUMN nudged_at INTEGER;
ALTER TABLE consultations ADD COLUMN on_hold_since INTEGER;
ALTER TABLE consultations ADD COLUMN quiet_from INTEGER;

-- The automatic close is recorded as a staff close would be (close_kind 'resolved', outcome
-- 'no_reply', a 'closed' event with no actor), marked here: it starts no cooldown, and a
-- consultant who closes by hand with the outcome "no reply" is told apart from it. (The CHECKs on
-- close_kind and on consultation_events.kind stay as they are: widening them would mean
-- rebuilding consultations, whose children a DROP would cascade-delete.)
ALTER TABLE consultations ADD COLUMN closed_by_bot INTEGER NOT NULL DEFAULT 0
    CHECK (closed_by_bot = 0 OR (closed_by_bot = 1 AND close_kind = 'resolved'));

-- Conversations already claimed before this upgrade: no message of theirs was seen yet, so
-- their quiet time counts from now (the start-up check then reads each thread's latest
-- messages), never from a claim made long ago.
UPDATE consultations SET quiet_from = CAST(strftime('%s', 'now') AS INTEGER)
    WHERE status = 'claimed';

-- Hosting the group: private check-ins, milestones, meeting reminders, and the safety net.

-- A member's own check-ins. Private: only that member ever reads them. The note is encrypted.
CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    local_day  TEXT NOT NULL,           -- YYYY-MM-DD in the time zone used when it was written
    created_at TEXT NOT NULL,           -- UTC, ISO 8601
    mood       INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    craving    INTEGER CHECK (craving BETWEEN 0 AND 10),
    note       BLOB                     -- encrypted with bot.cipher, or NULL
) STRICT;
CREATE INDEX checkins_by_user_day ON checkins (user_id, local_day);

-- One milestone per member per server. The label (e.g. "alcohol") is encrypted.
CREATE TABLE milestones (
    guild_id           INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    start_date         TEXT NOT NULL,   -- YYYY-MM-DD, the first day of the streak
    timezone           TEXT NOT NULL,   -- IANA name the days are counted in
    label              BLOB,
    celebrate          INTEGER NOT NULL DEFAULT 0 CHECK (celebrate IN (0, 1)),
    celebrated_through INTEGER NOT NULL DEFAULT 0 CHECK (celebrated_through >= 0),
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT;
CREATE INDEX milestones_celebrating ON milestones (celebrate) WHERE celebrate = 1;

-- Which scheduled-event starts already got their reminder (so a restart never repeats one).
CREATE TABLE meeting_reminders (
    event_id  INTEGER NOT NULL,
    starts_at TEXT NOT NULL,
    guild_id  INTEGER NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (event_id, starts_at)
) STRICT;

-- Members who asked for a DM reminder for the meetings they marked "interested".
CREATE TABLE meeting_dm_optins (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT;

-- Safety-net matches: ids, time and category only, never any of the message. Also the
-- per-member rate limit (one reply per 10 minutes). Pruned after the retention period.
CREATE TABLE crisis_matches (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER,                 -- NULL for a direct message to the bot
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('direct', 'slang', 'means', 'dm')),
    matched_at TEXT NOT NULL,           -- UTC, ISO 8601
    replied    INTEGER NOT NULL CHECK (replied IN (0, 1))
) STRICT;
CREATE INDEX crisis_matches_by_user ON crisis_matches (user_id, matched_at);
CREATE INDEX crisis_matches_by_time ON crisis_matches (matched_at);

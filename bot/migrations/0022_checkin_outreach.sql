-- Trend outreach, only with consent (issue 23): a member who turned on /checkin-outreach gets
-- one gentle private message after three low check-ins in a row. One row per member who opted
-- in (turning it off deletes the row). staff_guild_id: the server whose staff may be told "a
-- member asked us to check in" (NULL: only the member is messaged). last_checkin_id: the
-- check-in that last set off an outreach, so a low streak is answered once, never twice.
CREATE TABLE checkin_outreach (
    user_id         INTEGER PRIMARY KEY,
    staff_guild_id  INTEGER,
    created_at      TEXT NOT NULL,      -- UTC, ISO 8601: turned on (or changed)
    last_checkin_id INTEGER             -- NULL: no outreach sent yet
) STRICT;

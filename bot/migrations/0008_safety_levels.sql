-- The safety net's graded signals: crisis_matches takes the matcher's categories (after the
-- C-SSRS) and a level, and remembers whether staff were alerted, so a rising level within the
-- reply cooldown still reaches staff. Rebuilt to widen its CHECK; every row is kept (the old
-- phrase groups were all high-risk; a DM to the bot has no level). Still never any text.
-- The reply setting: how a member is reached on a match ('dm' by default, or 'channel').

CREATE TABLE crisis_matches_new (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER,                 -- NULL for a direct message to the bot
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    category   TEXT NOT NULL CHECK (category IN (
        'passive', 'active', 'method', 'plan', 'farewell', 'burden', 'hopeless', 'self_harm',
        'overdose', 'ambiguous',
        'direct', 'slang', 'means',         -- the phrase groups before 0008
        'dm'
    )),
    level      TEXT CHECK (level IN ('cue', 'concern', 'high')),  -- NULL for a DM to the bot
    matched_at TEXT NOT NULL,           -- UTC, ISO 8601
    replied    INTEGER NOT NULL CHECK (replied IN (0, 1)),        -- the member got a reply
    alerted    INTEGER NOT NULL DEFAULT 0 CHECK (alerted IN (0, 1))  -- staff got an alert
) STRICT;

INSERT INTO crisis_matches_new
    (id, guild_id, channel_id, message_id, user_id, category, level, matched_at, replied, alerted)
SELECT id, guild_id, channel_id, message_id, user_id, category,
       CASE WHEN category = 'dm' THEN NULL ELSE 'high' END,
       matched_at, replied,
       CASE WHEN category = 'dm' THEN 0 ELSE replied END
FROM crisis_matches;

DROP TABLE crisis_matches;
ALTER TABLE crisis_matches_new RENAME TO crisis_matches;
CREATE INDEX crisis_matches_by_user ON crisis_matches (user_id, matched_at);
CREATE INDEX crisis_matches_by_time ON crisis_matches (matched_at);

ALTER TABLE guild_config ADD COLUMN
    safety_reply TEXT NOT NULL DEFAULT 'dm' CHECK (safety_reply IN ('dm', 'channel'));

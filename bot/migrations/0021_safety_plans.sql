-- A member's own safety plan (issue 23, item 7): one row per member, tied to no server (it is
-- theirs wherever they open it; a server's /admin forget never reaches it). Every section is
-- the member's own words, encrypted with bot.cipher (NULL: not written yet).
CREATE TABLE safety_plans (
    user_id       INTEGER PRIMARY KEY,
    warning_signs BLOB,
    coping        BLOB,
    distractions  BLOB,
    helpers       BLOB,
    professionals BLOB,
    environment   BLOB,
    reasons       BLOB,
    updated_at    TEXT NOT NULL     -- UTC, ISO 8601
) STRICT;

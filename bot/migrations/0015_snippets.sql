-- Saved replies (issue 20): texts a server's staff leads write once (/snippet add) and staff
-- post into a request's private thread (/ticket reply). Server content, as consult_questions
-- is: names and texts written by the server's staff leads, never a member's words, and no
-- member id (not even the author's). At most 50 per server (MAX_SNIPPETS, checked by
-- bot.snippets); names are unique in a server, here as well as in the code. A name is stored
-- as checked: lowercase letters, digits, - and _.
CREATE TABLE snippets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 32 AND name = lower(name)),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (guild_id, name)
) STRICT;

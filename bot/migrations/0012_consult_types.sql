-- Consultation types (issue 19, step 1): the kinds of request a server offers, each with its own
-- staff role and, optionally, its own queue and consultation channels, expected-response text and
-- a role pinged as well for urgent requests. Server configuration only: names, descriptions and
-- role and channel ids, never a member id. At most 10 per server (``MAX_TYPES``, checked by
-- ``bot.consultations.types``). AUTOINCREMENT: a removed type's id is never given to a new type,
-- so an old button or menu naming it can only be "out of date", never a different type.
CREATE TABLE consult_types (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id                INTEGER NOT NULL,
    name                    TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    description             TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 100),
    emoji                   TEXT CHECK (length(emoji) BETWEEN 1 AND 64),  -- unicode or <:name:id>
    staff_role_id           INTEGER NOT NULL,
    queue_channel_id        INTEGER,             -- NULL: the server's queue channel
    consult_channel_id      INTEGER,             -- NULL: the server's consultation channel
    response_time_text      TEXT CHECK (length(response_time_text) BETWEEN 1 AND 200),
    urgent_fallback_role_id INTEGER,             -- NULL: urgent requests ping the type's staff only
    position                INTEGER NOT NULL,    -- the order members see them in
    created_at              INTEGER NOT NULL,
    UNIQUE (guild_id, name COLLATE NOCASE)
) STRICT;

CREATE INDEX consult_types_by_guild ON consult_types (guild_id, position, id);

-- A request's type. NULL is the server's implicit default type (the staff role and channels of
-- /setup consultations), so every request saved before this migration keeps working unchanged.
-- RESTRICT: a type is removed only once no request points at it. The bot refuses to remove a
-- type while one of its requests is open or claimed; its closed and cancelled requests then move
-- to the default type (type_id NULL) in the same transaction as the removal.
ALTER TABLE consultations ADD COLUMN
    type_id INTEGER REFERENCES consult_types (id) ON DELETE RESTRICT;

CREATE INDEX consultations_type ON consultations (type_id, status) WHERE type_id IS NOT NULL;

-- A request can only be of a type of its own server.
CREATE TRIGGER consultations_type_same_server_insert
BEFORE INSERT ON consultations
WHEN NEW.type_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM consult_types WHERE id = NEW.type_id AND guild_id = NEW.guild_id
)
BEGIN
    SELECT RAISE(ABORT, 'consultation type of another server');
END;

CREATE TRIGGER consultations_type_same_server_update
BEFORE UPDATE OF type_id, guild_id ON consultations
WHEN NEW.type_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM consult_types WHERE id = NEW.type_id AND guild_id = NEW.guild_id
)
BEGIN
    SELECT RAISE(ABORT, 'consultation type of another server');
END;

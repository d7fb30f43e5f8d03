-- Working hours for real (issue 19): per-type hours and modes, closures, held requests.
--
-- The server's own hours stay in guild_config (work_start_hour, work_end_hour, timezone, as
-- before); they gain the days of the week they apply on, a mode and an on-call role. A type
-- with a row in consult_type_hours has hours of its own; a type without one follows the
-- server's. Server configuration only: hours, names of zones, role ids, never a member id.
--
-- hours_days: the open days as digits, Monday = 0 ... Sunday = 6 ("01234": Monday to Friday);
-- NULL: every day. hours_mode: what a request out of hours does (notice: accepted with a note
-- of when staff are back, as before; hold: saved, nobody pinged until opening; route: its card
-- pings the on-call role instead of the staff role).
ALTER TABLE guild_config ADD COLUMN hours_days TEXT CHECK (hours_days GLOB '[0-6]*');
ALTER TABLE guild_config ADD COLUMN
    hours_mode TEXT NOT NULL DEFAULT 'notice' CHECK (hours_mode IN ('notice', 'hold', 'route'));
ALTER TABLE guild_config ADD COLUMN hours_oncall_role_id INTEGER;

CREATE TABLE consult_type_hours (
    type_id        INTEGER PRIMARY KEY REFERENCES consult_types (id) ON DELETE CASCADE,
    start_hour     INTEGER NOT NULL CHECK (start_hour BETWEEN 0 AND 23),
    end_hour       INTEGER NOT NULL CHECK (end_hour BETWEEN 0 AND 23),
    days           TEXT CHECK (days GLOB '[0-6]*'),
    timezone       TEXT,                          -- NULL: the server's zone
    mode           TEXT NOT NULL CHECK (mode IN ('notice', 'hold', 'route')),
    oncall_role_id INTEGER                        -- NULL: route mode uses the server's
) STRICT;

-- Closed periods (holidays): during one, every request behaves as out of hours, and the
-- member sees its message (typed by an admin, not a member). Unix seconds, UTC.
CREATE TABLE consult_closures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
    message    TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 300),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX consult_closures_by_guild ON consult_closures (guild_id, ends_at);

-- A request held until opening time: no card, no ping until released_at is set (by the one
-- loop that releases it, in the same transaction that picks it). Erased with its request.
CREATE TABLE consult_holds (
    consultation_id INTEGER PRIMARY KEY REFERENCES consultations (id) ON DELETE CASCADE,
    guild_id        INTEGER NOT NULL,
    until           INTEGER NOT NULL,    -- when staff are back, as computed when it was held
    released_at     INTEGER
) STRICT;

CREATE INDEX consult_holds_waiting ON consult_holds (until) WHERE released_at IS NULL;

-- On-call and load caps (issue 19). Who is on call in each server, since when (unix seconds,
-- UTC): a row exists while the staff member is on call, and is deleted when they go off call,
-- leave the server or erase their data. No text, only ids and a time.
CREATE TABLE oncall (
    guild_id INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    since    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, staff_id)
) STRICT;

-- claim_cap: the most requests one staff member may hold claimed at once in the server (NULL:
-- no cap); admins are exempt. require_oncall: claiming needs /oncall on first (admins exempt).
ALTER TABLE guild_config ADD COLUMN claim_cap INTEGER CHECK (claim_cap BETWEEN 1 AND 50);
ALTER TABLE guild_config ADD COLUMN
    require_oncall INTEGER NOT NULL DEFAULT 0 CHECK (require_oncall IN (0, 1));

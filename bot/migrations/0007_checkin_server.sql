-- Erasure from one server reaches only that server's data (issue 13, item 6). Check-ins were the
-- one member-keyed table with no server of their own: each now records the server it was
-- written in. NULL means "not tied to a server": written in a DM, or before this migration
-- (the server is unknown). A server's /admin forget never touches NULL rows; the member's own
-- /mydata delete still erases all of their check-ins, wherever they were written.
ALTER TABLE checkins ADD COLUMN guild_id INTEGER;
CREATE INDEX checkins_by_user_guild ON checkins (user_id, guild_id);

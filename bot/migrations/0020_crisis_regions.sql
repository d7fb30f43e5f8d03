-- Crisis lines by region (issue 22, "Regions"): which country's lines a person sees first.
--
-- guild_config.crisis_region: the server's default (/setup crisis), a two-letter code such as
-- 'GB'; NULL: the content file's default (US). member_settings: a member's own choice
-- (/crisis region: with remember), the region code only, nothing else; the member's /mydata
-- shows, exports and deletes it. The codes themselves come from data/crisis.toml: a code no
-- longer listed there falls back to the next in line (the server's, then US) when read.
ALTER TABLE guild_config ADD COLUMN crisis_region TEXT
    CHECK (crisis_region IS NULL OR crisis_region GLOB '[A-Z][A-Z]');

CREATE TABLE member_settings (
    user_id INTEGER PRIMARY KEY,
    crisis_region TEXT CHECK (crisis_region IS NULL OR crisis_region GLOB '[A-Z][A-Z]')
) STRICT;

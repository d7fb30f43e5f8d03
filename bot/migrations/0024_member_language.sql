-- Languages (issue 22, "Languages"): which language a member reads.
--
-- member_settings.language: the member's own choice (/language), a two-letter code such as
-- 'es'; NULL: none chosen (their Discord client's language, then the server's, then English).
-- member_settings.last_locale: the language of the member's Discord client at their last
-- command, as a code ('en', 'es'), for messages the bot sends on its own (the safety net's DM);
-- NULL: not seen or not a language the bot speaks. Codes only, nothing else; /mydata shows,
-- exports and deletes both. A code no longer offered falls back to the next in line when read.
ALTER TABLE member_settings ADD COLUMN language TEXT
    CHECK (language IS NULL OR language GLOB '[a-z][a-z]');
ALTER TABLE member_settings ADD COLUMN last_locale TEXT
    CHECK (last_locale IS NULL OR last_locale GLOB '[a-z][a-z]');

-- The bot's opening message in a request's private thread (it quotes the member's note), kept
-- by id (issue 16): an erasure edits exactly that message, never another one that happens to
-- contain the same words. It follows thread_id: a thread saved from now on starts at 0 ("no
-- opening message on record yet": no Discord id is ever 0) and gets the id once the message is
-- sent; a request that loses its thread loses this too. NULL beside a thread means the thread
-- is from before this migration: its opening message is then found as before, by its text.
ALTER TABLE consultations ADD COLUMN
    opening_message_id INTEGER CHECK (opening_message_id >= 0);

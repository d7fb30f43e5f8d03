-- Intake questions (issue 19): each consultation type's own form. Discord allows 5 components
-- in a form: urgency plus up to 4 questions (``MAX_QUESTIONS``, checked by
-- ``bot.consultations.intake`` and, as a backstop, by the trigger below). Server configuration
-- only, scoped to a server through its type; removed with the type.
--
-- A type without a row in ``consult_forms`` asks today's questions (a note and a good time,
-- stored in ``consultations.note`` and ``preferred_time`` as before). The first change an admin
-- makes to a type's questions writes that row and copies the two default questions into
-- ``consult_questions``; from then on the type asks exactly its own rows (even none).
CREATE TABLE consult_forms (
    type_id INTEGER PRIMARY KEY REFERENCES consult_types (id) ON DELETE CASCADE
) STRICT;

CREATE TABLE consult_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id     INTEGER NOT NULL REFERENCES consult_types (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    label       TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 45),
    placeholder TEXT CHECK (length(placeholder) BETWEEN 1 AND 100),
    style       TEXT NOT NULL CHECK (style IN ('short', 'paragraph')),
    required    INTEGER NOT NULL CHECK (required IN (0, 1)),
    max_length  INTEGER NOT NULL CHECK (max_length BETWEEN 1 AND 1000)
) STRICT;

CREATE INDEX consult_questions_by_type ON consult_questions (type_id, position, id);

CREATE TRIGGER consult_questions_at_most_four
BEFORE INSERT ON consult_questions
WHEN (SELECT COUNT(*) FROM consult_questions WHERE type_id = NEW.type_id) >= 4
BEGIN
    SELECT RAISE(ABORT, 'a form holds at most 4 questions');
END;

-- A member's answers to a request's questions, encrypted like the note. ``label`` is the
-- question as it was asked (a later edit or removal of the question does not change it);
-- ``question_id`` is NULL once the question is removed. ``member_id`` is the request's member
-- (so the privacy registry finds the rows directly); they go with the request.
CREATE TABLE consultation_answers (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL,
    question_id     INTEGER REFERENCES consult_questions (id) ON DELETE SET NULL,
    position        INTEGER NOT NULL,
    label           TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 45),
    answer          BLOB NOT NULL
) STRICT;

CREATE INDEX consultation_answers_by_request ON consultation_answers (consultation_id, position);

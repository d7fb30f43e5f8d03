-- Retention without reading every row (issue 18: start-up independent of database size).
--
-- The retention purge (``bot.privacy.retention``, at start-up and daily) looks for rows that
-- still hold something to clear. Closed requests stay in the table for the queue's statistics,
-- so without an index that query read every request ever made: 0.6 s at a million, inside a
-- write transaction. Each partial index below holds only rows with something left to purge
-- (a request closed within the retention period, a comment not yet deleted), so the purge
-- reads those alone. Each WHERE is the purge query's own, term for term, which is what lets
-- SQLite use it; ``tests/test_retention_indexes.py`` fails if a rule and its index drift apart.
CREATE INDEX consultations_retention_pending ON consultations (closed_at)
    WHERE status IN ('closed', 'cancelled')
      AND (note IS NOT NULL OR preferred_time IS NOT NULL OR close_reason IS NOT NULL
           OR member_last_at IS NOT NULL OR staff_last_at IS NOT NULL
           OR awaiting_staff_since IS NOT NULL OR nudged_at IS NOT NULL);

CREATE INDEX consultation_feedback_retention_pending ON consultation_feedback (commented_at)
    WHERE comment IS NOT NULL;

-- /queue stats reads the last 7 days of one server: these partial indexes hold only the rows
-- those queries can match, so a server with years of history reads a week's worth, not all.
-- Ids and times only; no new columns.

-- "Closed today" and the median time to close (status = 'closed' AND closed_at >= ?).
CREATE INDEX consultations_closed_recent
    ON consultations (guild_id, closed_at) WHERE status = 'closed';

-- The median wait to claim (first_claimed_at IS NOT NULL AND first_claimed_at >= ?).
CREATE INDEX consultations_first_claimed
    ON consultations (guild_id, first_claimed_at) WHERE first_claimed_at IS NOT NULL;

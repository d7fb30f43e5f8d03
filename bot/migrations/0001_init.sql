-- Foundation: small key/value state the bot keeps about itself (never about members).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- 006_accounts_audit.sql - accounts and sessions that can be managed, and an audit trail that
-- shows tampering (docs/security.md "Accounts, sessions and the audit trail";
-- docs/internals/service.md "Audit trail").

-- Accounts: a forced password change (admin reset, demo accounts), the lockout after
-- repeated failures (failed_logins counts the current streak, locked_until is UTC ms or 0),
-- and when the password last changed and the account last logged in.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_at INTEGER NOT NULL DEFAULT 0;

-- Sessions get an id an admin can name (list, revoke) without seeing the token's hash, the
-- time of the last request (idle timeout) and the client's address. Sessions are short-lived,
-- so the table is made again: everyone logs in once more after the upgrade.
DROP TABLE sessions;
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    loket        INTEGER NOT NULL DEFAULT 0,
    client       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The hash chain of the audit trail: chain_hash = SHA-256(chain_prev || the row's canonical
-- content), chain_prev = the previous row's chain_hash (64 zeros for the first). Rows written
-- before this migration are chained once, at the first open after the upgrade (svc_open).
ALTER TABLE events ADD COLUMN chain_prev TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN chain_hash TEXT NOT NULL DEFAULT '';

-- Reads of a resident's data or biometrics (UU 27/2022: the controller knows who processed
-- whose data): who, what, when, whose. nik: the one person read, or '' for a view of several
-- (their NIKs in subjects, space-separated). Chained like events.
CREATE TABLE access_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    user_id        INTEGER NOT NULL DEFAULT 0,
    username       TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT '',
    loket          INTEGER NOT NULL DEFAULT 0,
    action         TEXT NOT NULL,
    nik            TEXT NOT NULL DEFAULT '',
    application_id INTEGER,
    subjects       TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '',
    chain_prev     TEXT NOT NULL,
    chain_hash     TEXT NOT NULL
);
-- One index, by time: the rows a question about a person or an officer scans are those of its
-- period (a NIK can be among a list's subjects, so an index by NIK would not spare the scan),
-- and appending to it touches the same page as the last row: a read costs two page writes.
CREATE INDEX access_log_at ON access_log (at);

-- Signed checkpoints: the heads of both chains at a moment, signed with the audit key
-- (Ed25519, audit.key beside the database). Chained themselves, so a removed checkpoint
-- shows. key_id: the public key (hex) that signed; signature: hex of the Ed25519 signature
-- of "ktpel-audit-checkpoint-v1\n" || chain_hash.
CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    events_id   INTEGER NOT NULL,
    events_hash TEXT NOT NULL,
    access_id   INTEGER NOT NULL,
    access_hash TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    chain_prev  TEXT NOT NULL,
    chain_hash  TEXT NOT NULL,
    signature   TEXT NOT NULL
);

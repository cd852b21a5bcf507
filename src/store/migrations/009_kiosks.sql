-- The kiosk's protection (issue 9, docs/security.md "HTTP and browser").
-- A kiosk device is registered by the admin: it is given a secret once (kept by the kiosk page
-- in its browser storage) and only the SHA-256 of that secret is stored here, so a copy of the
-- database registers no device. A revoked kiosk (revoked_at set) is refused from then on.
CREATE TABLE kiosks (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by INTEGER,          -- users.id (no FK: audit columns outlive accounts)
    revoked_at INTEGER
);

-- Which kiosk printed a ticket (NULL: taken without a registered kiosk, within the small
-- per-client budget, or by an officer).
ALTER TABLE tickets ADD COLUMN kiosk_id INTEGER;
-- Priority taken at the kiosk is only a claim: the officer who calls the ticket confirms it
-- ('confirmed') or declines it ('declined': the ticket goes back to the regular queue in its
-- place by the time it was taken, priority 0). '' = not checked (yet, or not a priority ticket).
ALTER TABLE tickets ADD COLUMN priority_check TEXT NOT NULL DEFAULT ''
    CHECK (priority_check IN ('', 'confirmed', 'declined'));

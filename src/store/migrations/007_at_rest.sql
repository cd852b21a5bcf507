-- Data at rest (docs/security.md "Data at rest and uploads"):
-- 1. Biometric paths become relative to the data folder, so a database serves from any
--    working directory and with an absolute --db from another folder (issue 9 item 8). The
--    files have always been written at <data folder>/apps/<application id>/<slot>.
UPDATE biometrics SET path = 'apps/' || application_id || '/' || slot WHERE path <> '';

-- 2. The data keys that sealed what is stored (src/seal: biometric files and fingerprint
--    templates). An open with a key file that lacks an active key here is refused before
--    anything is read or written; a rotation retires the old key once nothing needs it.
CREATE TABLE seal_keys (
    key_id     TEXT PRIMARY KEY,    -- 16 hex characters (seal_ring_current_id)
    created_at INTEGER NOT NULL,
    retired_at INTEGER              -- NULL while a stored blob may be sealed with it
);

-- 3. Whether files and template rows of an older database may still be plain: the first open
--    with this schema seals them (svc_open, service/atrest.c) and sets 0.
CREATE TABLE seal_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    plain_left INTEGER NOT NULL
);
INSERT INTO seal_state (id, plain_left) VALUES (1, 1);

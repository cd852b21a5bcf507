-- 010_link_node.sql - the kecamatan node's side of the link to Disdukcapil (issue 11,
-- docs/internals/link.md). Empty in an office that runs alone (no central configured).

-- The enrolment: which central, its pinned keys and TLS public key, this node's identity and
-- key, the packet sequence and the status feed's cursor. One row once enrolled.
CREATE TABLE link_config (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    central_url     TEXT NOT NULL,
    tls_pin         TEXT NOT NULL DEFAULT '',   -- "sha256//<base64>" of the central's TLS key
    central_sign_pk TEXT NOT NULL,              -- base64 Ed25519
    central_box_pk  TEXT NOT NULL,              -- base64 X25519: packets are sealed to it
    node_id         TEXT NOT NULL,              -- "367110-01"
    kecamatan_code  TEXT NOT NULL,
    key_path        TEXT NOT NULL,              -- this node's Ed25519 key file (0600)
    key_id          INTEGER NOT NULL DEFAULT 1,
    next_seq        INTEGER NOT NULL DEFAULT 1, -- the next packet's sequence
    status_cursor   INTEGER NOT NULL DEFAULT 0, -- the last status feed entry applied
    enrolled_at     INTEGER NOT NULL
);

-- The outbox: one row per packet, inserted in the transaction of the step it reports
-- (record, change_data, hand_over). header: the manifest's own fields as JSON, snapshotted in
-- that transaction (biodata, changes, AFIS result, who and when). The file is built from the
-- row and the biometric files (which do not change after recording) into path.
CREATE TABLE link_outbox (
    packet_id       TEXT PRIMARY KEY,           -- "367110-01-00000042"
    seq             INTEGER NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('rekam', 'perubahan', 'cetak', 'card_issued')),
    application_id  INTEGER,                    -- applications.id (no FK: outlives nothing)
    nik             TEXT NOT NULL DEFAULT '',
    header          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'ready', 'sent', 'failed')),
    path            TEXT NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    exported_at     INTEGER,
    central_status  TEXT NOT NULL DEFAULT '',   -- the latest status the central reported
    central_reason  TEXT NOT NULL DEFAULT '',
    central_decision TEXT NOT NULL DEFAULT ''   -- adjudication: '' | pending | confirmed | cleared
);
CREATE INDEX link_outbox_state ON link_outbox (state, next_attempt_at);
CREATE INDEX link_outbox_app ON link_outbox (application_id);

-- Every status feed entry applied (seq is the central's per-node sequence): the audit of what
-- the central said and when it was applied here.
CREATE TABLE link_statuses (
    seq            INTEGER PRIMARY KEY,
    packet_id      TEXT NOT NULL,
    application_id INTEGER,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    central_at     INTEGER NOT NULL,
    applied_at     INTEGER NOT NULL
);
CREATE INDEX link_statuses_app ON link_statuses (application_id);

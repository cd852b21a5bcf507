-- P001_pusat.sql - the city registry's (pusat, Disdukcapil) own tables: a series of its own,
-- recorded in pusat_schema_version, applied only by `ktpel serve --role pusat` and the pusat
-- commands (a kecamatan database never holds them). docs/internals/link.md.

-- The kecamatan nodes. state: registered (code handed out) -> active (enrolled) -> revoked.
-- status_seq: the last number of this node's status feed (dense: 1, 2, 3 ...).
CREATE TABLE pusat_nodes (
    node_id         TEXT PRIMARY KEY,          -- "367110-01"
    kecamatan_code  TEXT NOT NULL,
    name            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('registered', 'active', 'revoked')),
    code_hash       TEXT NOT NULL DEFAULT '',  -- SHA-256 of the one-time enrolment code
    code_expires_at INTEGER NOT NULL DEFAULT 0,
    status_seq      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    enrolled_at     INTEGER,
    revoked_at      INTEGER,
    last_seen_at    INTEGER
);

-- Each node's public signing keys. A rotated key is retired: it still verifies the packets it
-- signed before (seq <= last_seq), nothing after.
CREATE TABLE pusat_node_keys (
    node_id    TEXT NOT NULL,
    key_id     INTEGER NOT NULL,
    public_key TEXT NOT NULL,                   -- base64 Ed25519
    created_at INTEGER NOT NULL,
    retired_at INTEGER,
    last_seq   INTEGER,
    PRIMARY KEY (node_id, key_id)
);

-- Every packet received, once: packet_id is unique, so a packet sent twice is stored once.
-- state: received (stored, acknowledged) -> processed (its effect committed).
CREATE TABLE pusat_packets (
    packet_id       TEXT PRIMARY KEY,
    node_id         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    application_id  INTEGER NOT NULL DEFAULT 0, -- the node's application
    nik             TEXT NOT NULL DEFAULT '',
    manifest_sha256 TEXT NOT NULL,
    manifest        TEXT NOT NULL,
    size            INTEGER NOT NULL,
    via             TEXT NOT NULL DEFAULT 'https', -- https | import (removable disk)
    state           TEXT NOT NULL CHECK (state IN ('received', 'processed')),
    received_at     INTEGER NOT NULL,
    processed_at    INTEGER
);
CREATE INDEX pusat_packets_state ON pusat_packets (state, received_at);
CREATE INDEX pusat_packets_node ON pusat_packets (node_id, received_at);

-- The parts of a packet, each a file under <data>/pusat/parts, encrypted at rest.
CREATE TABLE pusat_parts (
    packet_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    path         TEXT NOT NULL,
    PRIMARY KEY (packet_id, name)
);

-- A card request: one per recorded (or reprinted) application of a node. status is the
-- national one (status_rekam_ktp_el.csv); adjudication: '' | pending | confirmed | cleared.
CREATE TABLE pusat_records (
    id             INTEGER PRIMARY KEY,
    packet_id      TEXT NOT NULL UNIQUE,
    node_id        TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    application_id INTEGER NOT NULL,
    nik            TEXT NOT NULL,
    kind           TEXT NOT NULL,              -- rekam | cetak
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    adjudication   TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     INTEGER,
    decision_note  TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (node_id, application_id, kind)
);
CREATE INDEX pusat_records_status ON pusat_records (status, adjudication);
CREATE INDEX pusat_records_nik ON pusat_records (nik);

-- The city's gallery: every finger of every recording received (duplicates included).
CREATE TABLE pusat_templates (
    id        INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES pusat_records (id),
    nik       TEXT NOT NULL,
    finger    INTEGER NOT NULL,
    template  TEXT NOT NULL                    -- ISO/IEC 19794-2 record, hex
);
CREATE INDEX pusat_templates_record ON pusat_templates (record_id);

-- The matches that made a record DUPLICATE_RECORD or ADJUDICATE_RECORD.
CREATE TABLE pusat_hits (
    id                INTEGER PRIMARY KEY,
    record_id         INTEGER NOT NULL REFERENCES pusat_records (id),
    finger            INTEGER NOT NULL,
    matched_record_id INTEGER NOT NULL,
    matched_nik       TEXT NOT NULL,
    matched_finger    INTEGER NOT NULL,
    score             REAL NOT NULL,
    threshold         REAL NOT NULL
);
CREATE INDEX pusat_hits_record ON pusat_hits (record_id);

-- The status feed, per node, dense sequence: what the node applies exactly once.
CREATE TABLE pusat_status (
    node_id        TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    packet_id      TEXT NOT NULL,
    application_id INTEGER NOT NULL,
    nik            TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT '',
    at             INTEGER NOT NULL,
    PRIMARY KEY (node_id, seq)
);

-- Refusals for trust (unknown or revoked node, bad signature, replay, tampering): shown on the
-- central's overview. The refused request itself changed nothing.
CREATE TABLE pusat_alerts (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    node_id  TEXT NOT NULL DEFAULT '',
    kind     TEXT NOT NULL,
    message  TEXT NOT NULL,
    seen     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pusat_alerts_at ON pusat_alerts (at);

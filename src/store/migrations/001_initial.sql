-- 001_initial.sql - the ktpel schema. Names follow docs/domain.md; times are UTC Unix ms
-- (INTEGER, *_at); dates a person sees (service day, birth date) are TEXT YYYY-MM-DD.
-- Written in the SQL subset SQLite and PostgreSQL share where it costs nothing.

-- Region codes (Kepmendagri), digits without dots: 36, 3671, 367110, 3671101001.
CREATE TABLE wilayah (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    type   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Family cards (Kartu Keluarga), as SIAK holds them.
CREATE TABLE families (
    kk_number      TEXT PRIMARY KEY,
    address        TEXT NOT NULL DEFAULT '',
    rt             TEXT NOT NULL DEFAULT '',
    rw             TEXT NOT NULL DEFAULT '',
    kelurahan_code TEXT NOT NULL DEFAULT '',
    kecamatan_code TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Residents (SIAK biodata). Code lists are SIAK ids (docs/siak-csv.md).
CREATE TABLE residents (
    nik            TEXT PRIMARY KEY,
    kk_number      TEXT NOT NULL REFERENCES families (kk_number),
    name           TEXT NOT NULL,
    birth_place    TEXT NOT NULL DEFAULT '',
    birth_date     TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    blood_type     INTEGER NOT NULL DEFAULT 13,
    agama          INTEGER NOT NULL,
    marital_status INTEGER NOT NULL CHECK (marital_status BETWEEN 1 AND 4),
    pekerjaan      INTEGER NOT NULL DEFAULT 1,
    pendidikan     INTEGER NOT NULL DEFAULT 1,
    nationality    TEXT NOT NULL DEFAULT 'WNI' CHECK (nationality IN ('WNI', 'WNA')),
    itap_until     TEXT,
    address        TEXT NOT NULL DEFAULT '',
    rt             TEXT NOT NULL DEFAULT '',
    rw             TEXT NOT NULL DEFAULT '',
    kelurahan_code TEXT NOT NULL DEFAULT '',
    kecamatan_code TEXT NOT NULL DEFAULT '',
    hubungan       INTEGER NOT NULL DEFAULT 11,
    ktp_status     TEXT NOT NULL DEFAULT 'UNREGISTERED',
    card_valid     INTEGER NOT NULL DEFAULT 0 CHECK (card_valid IN (0, 1)),
    updated_at     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX residents_kk ON residents (kk_number);

-- Staff accounts. password_hash: argon2id in libsodium's crypt string format.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('intake', 'operator', 'handover', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    loket         INTEGER NOT NULL DEFAULT 0,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

-- Login sessions. Only the SHA-256 of the token is stored: a copy of the database opens no door.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    loket      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Queue tickets (SOP step 1). number counts from 1 per service per Jakarta service day.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    service         TEXT NOT NULL,
    day             TEXT NOT NULL,
    number          INTEGER NOT NULL,
    code            TEXT NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,
    priority_reason TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'called', 'served', 'no_show')),
    loket           INTEGER NOT NULL DEFAULT 0,
    called_by       INTEGER, -- users.id (no FK: audit columns outlive accounts)
    taken_at        INTEGER NOT NULL,
    called_at       INTEGER,
    served_at       INTEGER,
    recalls         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (day, service, number)
);
CREATE INDEX tickets_waiting ON tickets (day, state, service, priority, id);

-- Applications (SOP steps 2-6); state and reason per docs/domain.md.
CREATE TABLE applications (
    id                  INTEGER PRIMARY KEY,
    ticket_id           INTEGER REFERENCES tickets (id),
    nik                 TEXT NOT NULL DEFAULT '',
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT '',
    change_fields       TEXT NOT NULL DEFAULT '', -- comma-separated fields a perubahan changes
    day                 TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    intake_user_id      INTEGER, -- users.id of who did each step (no FK, as above)
    operator_user_id    INTEGER,
    handover_user_id    INTEGER
);
CREATE INDEX applications_nik ON applications (nik);
CREATE INDEX applications_day ON applications (day, state);
CREATE INDEX applications_state ON applications (state);

-- Documents presented at the intake check (SOP step 2).
CREATE TABLE documents (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    doc            TEXT NOT NULL,
    presented_at   INTEGER NOT NULL,
    PRIMARY KEY (application_id, doc)
) WITHOUT ROWID;

-- Data changes (perubahan data), before and after, applied to the resident (SOP step 3).
CREATE TABLE data_changes (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    field          TEXT NOT NULL,
    before_value   TEXT,
    after_value    TEXT,
    at             INTEGER NOT NULL,
    user_id        INTEGER
);
CREATE INDEX data_changes_app ON data_changes (application_id);

-- Biometric files of a recording (SOP step 3): the file lives under data_dir, the row says
-- where and what; exception_reason set (and path empty) for a slot that cannot be captured.
CREATE TABLE biometrics (
    application_id   INTEGER NOT NULL REFERENCES applications (id),
    slot             TEXT NOT NULL,
    path             TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL DEFAULT '',
    size             INTEGER NOT NULL DEFAULT 0,
    content_type     TEXT NOT NULL DEFAULT '',
    exception_reason TEXT NOT NULL DEFAULT '',
    at               INTEGER NOT NULL,
    user_id          INTEGER,
    PRIMARY KEY (application_id, slot)
) WITHOUT ROWID;

-- Pickup receipts (tanda terima pengambilan, SOP step 4).
CREATE TABLE receipts (
    receipt_no      TEXT PRIMARY KEY,
    application_id  INTEGER NOT NULL UNIQUE REFERENCES applications (id),
    issued_at       INTEGER NOT NULL,
    expected_pickup TEXT NOT NULL,
    issued_by       INTEGER
);

-- Card handovers (SOP step 6).
CREATE TABLE handovers (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    receipt_no     TEXT NOT NULL,
    confirmed_by   TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    at             INTEGER NOT NULL,
    user_id        INTEGER
);

-- The audit trail: every state change of a ticket or an application, who, when and why.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER,
    ticket_id      INTEGER,
    user_id        INTEGER NOT NULL DEFAULT 0,
    username       TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT '',
    loket          INTEGER NOT NULL DEFAULT 0,
    at             INTEGER NOT NULL,
    from_state     TEXT NOT NULL DEFAULT '',
    to_state       TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_app ON events (application_id);
CREATE INDEX events_ticket ON events (ticket_id);
CREATE INDEX events_at ON events (at);

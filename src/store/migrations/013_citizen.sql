-- 013_citizen.sql - the citizen's side (docs/internals/citizen.md): appointments (janji temu),
-- phone numbers given with consent, the SMS outbox handed to Gammu's SMS daemon, and the IKM
-- survey (PermenPANRB 14/2017).

-- The weekly pattern of bookable slots: per ISO weekday (1 Senin .. 7 Minggu), a slot
-- [start_min, end_min) in minutes after midnight (Asia/Jakarta) with a capacity per service.
-- Set by the admin; an empty table means nothing can be booked.
CREATE TABLE appointment_slots (
    weekday   INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
    end_min   INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440),
    service   TEXT NOT NULL,
    capacity  INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 1000),
    PRIMARY KEY (weekday, start_min, service)
) WITHOUT ROWID;

-- Days the office is closed (public holidays, cuti bersama), set by the admin.
CREATE TABLE holidays (
    day  TEXT PRIMARY KEY, -- YYYY-MM-DD (Jakarta)
    name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- A booking. code: 9 symbols (core/appointment.h), the citizen's key to cancel, reschedule
-- and check in. state: booked -> checked_in (a ticket was given) | cancelled | no_show (the
-- slot ended without a check-in). One active booking per NIK and service (the index).
-- phone: +62... when the citizen gave one and agreed (consent_at), erased when the booking
-- ends.
CREATE TABLE appointments (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    nik         TEXT NOT NULL,
    service     TEXT NOT NULL,
    day         TEXT NOT NULL,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    consent_at  INTEGER,
    state       TEXT NOT NULL DEFAULT 'booked'
                CHECK (state IN ('booked', 'checked_in', 'cancelled', 'no_show')),
    ticket_id   INTEGER,
    reschedules INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX appointments_active ON appointments (nik, service) WHERE state = 'booked';
CREATE INDEX appointments_slot ON appointments (day, start_at, service, state);
CREATE INDEX appointments_due ON appointments (state, end_at);

-- A ticket taken by checking in a booking is called under the booked/walk-in rule.
ALTER TABLE tickets ADD COLUMN appointment_id INTEGER;

-- "Nomor Anda tinggal N lagi": a phone number given for one ticket (kiosk or the phone queue
-- page), with consent; notified_at once the SMS is queued. Erased after the service day.
CREATE TABLE ticket_phones (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets (id),
    phone       TEXT NOT NULL,
    consent_at  INTEGER NOT NULL,
    notified_at INTEGER
);

-- "KTP-el Anda sudah dapat diambil": a phone number given for one application (the card's
-- status page), with consent. Erased at the handover.
CREATE TABLE application_phones (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    phone          TEXT NOT NULL,
    consent_at     INTEGER NOT NULL
);

-- SMS waiting for, or handed to, Gammu's SMS daemon (files backend). Written in the same
-- transaction as what causes it. (kind, ref) names the cause, so a message is queued once.
-- state: pending (next_at: when the sender tries) -> handed (file: the name it was given in
-- the daemon's outbox) -> sent (found in the daemon's sent folder) | failed (the daemon gave
-- up 3 times) | expired (too late to be of use). The number is masked once the message is
-- done with.
CREATE TABLE sms_outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    phone      TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'handed', 'sent', 'failed', 'expired')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    file       TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    handed_at  INTEGER,
    done_at    INTEGER,
    UNIQUE (kind, ref)
);
CREATE INDEX sms_outbox_due ON sms_outbox (state, next_at);

-- IKM survey answers (PermenPANRB 14/2017): nine elements 1..4, the respondent profile and a
-- suggestion. Anonymous: no application, no person, no time finer than the month (reports are
-- per month, quarter, semester, year), and a random key, so neither a column nor the order of
-- rows leads back to who answered.
CREATE TABLE survey_responses (
    id          TEXT PRIMARY KEY,
    month       TEXT NOT NULL, -- YYYY-MM (Jakarta)
    persyaratan INTEGER NOT NULL CHECK (persyaratan BETWEEN 1 AND 4),
    prosedur    INTEGER NOT NULL CHECK (prosedur BETWEEN 1 AND 4),
    waktu       INTEGER NOT NULL CHECK (waktu BETWEEN 1 AND 4),
    biaya       INTEGER NOT NULL CHECK (biaya BETWEEN 1 AND 4),
    produk      INTEGER NOT NULL CHECK (produk BETWEEN 1 AND 4),
    kompetensi  INTEGER NOT NULL CHECK (kompetensi BETWEEN 1 AND 4),
    perilaku    INTEGER NOT NULL CHECK (perilaku BETWEEN 1 AND 4),
    pengaduan   INTEGER NOT NULL CHECK (pengaduan BETWEEN 1 AND 4),
    sarana      INTEGER NOT NULL CHECK (sarana BETWEEN 1 AND 4),
    age         INTEGER NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    education   TEXT NOT NULL,
    occupation  TEXT NOT NULL,
    suggestion  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX survey_responses_month ON survey_responses (month);

-- The single use of an application's survey token: one survey per served application. Kept
-- apart from the answers, with no time (see above).
CREATE TABLE survey_used (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id)
);

-- A survey offered on the tablet at a handover loket (the officer pressed "Survei di tablet");
-- the tablet takes it once.
CREATE TABLE survey_offers (
    loket          INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    offered_at     INTEGER NOT NULL
);

-- P002_resident_feed.sql - the central is the source of population data (SIAK): every change
-- of a resident (an import, a data change from a kecamatan, a move, a death) is published in
-- the feed of the kecamatan that holds the resident, with a dense sequence per kecamatan that
-- each of its nodes applies exactly once (docs/internals/link.md, "Resident data").

-- Where each resident was last published, and the residents.updated_at then.
CREATE TABLE pusat_resident_home (
    nik            TEXT PRIMARY KEY,
    kecamatan_code TEXT NOT NULL,
    published_at   INTEGER NOT NULL,
    deceased       INTEGER NOT NULL DEFAULT 0
);

-- The feed: change = new | changed | moved_away | deceased.
CREATE TABLE pusat_resident_feed (
    kecamatan_code TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    nik            TEXT NOT NULL,
    change         TEXT NOT NULL CHECK (change IN ('new', 'changed', 'moved_away', 'deceased')),
    at             INTEGER NOT NULL,
    PRIMARY KEY (kecamatan_code, seq)
);

-- Each kecamatan's last sequence number, and the publisher's mark (residents.updated_at).
CREATE TABLE pusat_feed_heads (
    kecamatan_code TEXT PRIMARY KEY,
    seq            INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE pusat_publish_mark (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    mark     INTEGER NOT NULL,               -- (updated_at, nik) of the last resident published
    mark_nik TEXT NOT NULL
);
INSERT INTO pusat_publish_mark (id, mark, mark_nik) VALUES (1, -1, '');
-- The publisher walks residents by their last change.
CREATE INDEX pusat_residents_updated ON residents (updated_at, nik);

-- AFIS de-duplication (one person, one card): finger templates, the gallery they form, and
-- the duplicate hits the supervisor decides on. See docs/internals/afis-service.md.
-- Templates are ISO/IEC 19794-2:2005 records stored as lowercase hex text (the store
-- interface binds text, not blobs; a record is a few hundred bytes).

-- A finger's template as extracted at upload (SOP step 3), one row per application and slot;
-- replaced when the operator retakes the print. Only becomes part of the gallery when the
-- recording completes.
CREATE TABLE afis_probes (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    slot           TEXT NOT NULL,           -- finger_1 .. finger_10
    finger         INTEGER NOT NULL,        -- ISO finger position 1..10
    quality        INTEGER NOT NULL,        -- 0..100 (bio_image_quality)
    minutiae       INTEGER NOT NULL,
    template       TEXT NOT NULL,           -- ISO 19794-2 record, hex
    at             INTEGER NOT NULL,
    PRIMARY KEY (application_id, slot)
) WITHOUT ROWID;

-- The gallery: every finger of every completed recording (duplicates included, so a third
-- attempt under yet another NIK matches both earlier records). id is the gallery key.
CREATE TABLE afis_templates (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    nik            TEXT NOT NULL,
    slot           TEXT NOT NULL,
    finger         INTEGER NOT NULL,
    quality        INTEGER NOT NULL,
    template       TEXT NOT NULL,
    at             INTEGER NOT NULL,
    UNIQUE (application_id, slot)
);
CREATE INDEX afis_templates_nik ON afis_templates (nik);

-- A match of an enrollee's finger with a finger of another NIK's record, found when the
-- recording completed (action afis_hit). The decision itself is the application's
-- clear_duplicate / confirm_duplicate event.
CREATE TABLE afis_hits (
    id                     INTEGER PRIMARY KEY,
    application_id         INTEGER NOT NULL REFERENCES applications (id),
    slot                   TEXT NOT NULL,   -- the enrollee's finger
    matched_template_id    INTEGER NOT NULL REFERENCES afis_templates (id),
    matched_application_id INTEGER NOT NULL,
    matched_nik            TEXT NOT NULL,
    matched_slot           TEXT NOT NULL,
    score                  REAL NOT NULL,
    threshold              REAL NOT NULL,
    at                     INTEGER NOT NULL
);
CREATE INDEX afis_hits_app ON afis_hits (application_id);

-- 1:1 checks at handover (SOP step 6): the resident presents a finger, matched against the
-- template stored at recording. A handover "confirmed_by fingerprint" needs a recent match.
CREATE TABLE afis_verifications (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    slot           TEXT NOT NULL,           -- the stored finger that scored best
    score          REAL NOT NULL,
    threshold      REAL NOT NULL,
    matched        INTEGER NOT NULL,        -- 0/1
    at             INTEGER NOT NULL,
    user_id        INTEGER
);
CREATE INDEX afis_verifications_app ON afis_verifications (application_id, at);

-- AFIS, person-level decision (issue 12; docs/internals/afis-service.md): a recording is a
-- duplicate when the fused evidence of all its fingers against ONE other record reaches the
-- threshold that holds the configured false positive identification rate (FPIR) at the
-- gallery's size (src/bio/tenprint.h). One row per other record that reached it, beside the
-- per-finger rows of afis_hits, so the supervisor sees why.
CREATE TABLE afis_person_hits (
    id                     INTEGER PRIMARY KEY,
    application_id         INTEGER NOT NULL REFERENCES applications (id),
    matched_application_id INTEGER NOT NULL,
    matched_nik            TEXT NOT NULL,
    evidence               REAL NOT NULL,    -- fused, sum of -log10 FMR over the fingers
    threshold              REAL NOT NULL,    -- evidence needed at this gallery size and FPIR
    fpir                   REAL NOT NULL,    -- the FPIR bound this evidence stands for
    fpir_target            REAL NOT NULL,    -- the configured FPIR (svc_config.afis_fpir)
    persons                INTEGER NOT NULL, -- records in the gallery when searched
    fingers_compared       INTEGER NOT NULL, -- the enrollee's fingers
    fingers_matched        INTEGER NOT NULL,
    swapped                INTEGER NOT NULL, -- 1: the evidence came mostly from fingers in
                                             -- other slots (a swapped hand, a wrong slot)
    at                     INTEGER NOT NULL
);
CREATE INDEX afis_person_hits_app ON afis_person_hits (application_id);

-- Each finger's share of the evidence, and whether it matched the finger in the same slot.
ALTER TABLE afis_hits ADD COLUMN evidence REAL NOT NULL DEFAULT 0;
ALTER TABLE afis_hits ADD COLUMN positional INTEGER NOT NULL DEFAULT 1;

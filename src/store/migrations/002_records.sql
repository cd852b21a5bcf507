-- 002_records.sql - the records side of the service (docs/internals/records.md): the signed
-- token a pickup receipt carries and its single use, the archive rack (Rak Arsip), and the
-- archive configuration. The pickup register is read from handovers + receipts.

-- The receipt's QR token (tok_issue at step 4) and its use at the handover (step 6): a receipt
-- is used once, in the handover's own transaction. used_via: 'receipt_no' | 'qr_token'.
ALTER TABLE receipts ADD COLUMN token TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN used_at INTEGER;
ALTER TABLE receipts ADD COLUMN used_via TEXT NOT NULL DEFAULT '';

-- How the archive room is laid out (one row). Changing it affects files filed afterwards.
CREATE TABLE archive_config (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    racks          INTEGER NOT NULL CHECK (racks BETWEEN 1 AND 999),
    boxes_per_rack INTEGER NOT NULL CHECK (boxes_per_rack BETWEEN 1 AND 999),
    files_per_box  INTEGER NOT NULL CHECK (files_per_box BETWEEN 1 AND 9999)
);
INSERT INTO archive_config (id, racks, boxes_per_rack, files_per_box) VALUES (1, 10, 20, 100);

-- One box on one rack, created when its first file goes in.
CREATE TABLE archive_boxes (
    id         INTEGER PRIMARY KEY,
    rack       INTEGER NOT NULL,
    box        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (rack, box)
);

-- The paper file of one finished application: its box and position (1-based) in the box.
-- box_id NULL: the archive was full when the application ended (not yet placed).
CREATE TABLE archive_files (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    box_id         INTEGER REFERENCES archive_boxes (id),
    position       INTEGER NOT NULL DEFAULT 0,
    filed_at       INTEGER NOT NULL,
    UNIQUE (box_id, position)
);
CREATE INDEX archive_files_filed ON archive_files (filed_at);
CREATE INDEX handovers_at ON handovers (at);

-- 011_link_residents.sql - a linked node applies the central's resident feed (its kecamatan's
-- residents: new, changed, moved away, deceased) exactly once: the cursor moves in the
-- transaction that applies each entry (docs/internals/link.md, "Resident data").
ALTER TABLE link_config ADD COLUMN resident_cursor INTEGER NOT NULL DEFAULT 0;

-- 015_shipments_scans.sql - issue 11, second part: the printed cards Disdukcapil ships to a
-- linked kecamatan, and the scans of the documents checked at intake (SOP step 2, the
-- "scanner digital"). docs/internals/link.md, docs/internals/service.md.

-- What the status feed said of the card (CARD_PRINTED, CARD_SHIPPED).
ALTER TABLE link_statuses ADD COLUMN card_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE link_statuses ADD COLUMN shipment_no TEXT NOT NULL DEFAULT '';

-- A shipment of cards from Disdukcapil as this node learns it from the status feed (one
-- CARD_SHIPPED entry a card). cards: how many of the shipment's cards are this node's (the
-- entry says so: a shipment whose entries have not all arrived shows it). received_at: the
-- officer confirmed its arrival (a card not ticked then is `missing`).
CREATE TABLE link_shipments (
    shipment_no TEXT PRIMARY KEY,            -- "KRM-367110-000012"
    cards       INTEGER NOT NULL,
    shipped_at  INTEGER NOT NULL,            -- the central's time
    noted_at    INTEGER NOT NULL,            -- applied here
    received_at INTEGER,
    received_by INTEGER                      -- users.id
);

-- Each card of a shipment. state: shipped (on its way) -> received (the application moved
-- print_ready -> printed) | missing (not in the box when the shipment was received; received
-- later if it turns up).
CREATE TABLE link_shipment_cards (
    shipment_no    TEXT NOT NULL,
    application_id INTEGER NOT NULL,
    packet_id      TEXT NOT NULL,
    nik            TEXT NOT NULL,
    card_serial    TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('shipped', 'received', 'missing')),
    received_at    INTEGER,
    received_by    INTEGER,
    PRIMARY KEY (shipment_no, application_id)
);
CREATE INDEX link_shipment_cards_app ON link_shipment_cards (application_id);
CREATE INDEX link_shipment_cards_state ON link_shipment_cards (state);

-- The scan of a document checked at intake (one image a document), sealed at rest like a
-- biometric file: apps/<application>/doc_<doc>. content_type is the server's, from the bytes.
CREATE TABLE document_scans (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    doc            TEXT NOT NULL,
    path           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    content_type   TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    user_id        INTEGER,
    PRIMARY KEY (application_id, doc)
);

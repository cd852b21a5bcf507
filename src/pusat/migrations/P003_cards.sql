-- P003_cards.sql - the card's life at the central (issue 11 items 4, 5, 7): the print queue
-- (SENT_FOR_CARD_PRINTING), the printed card with its serial (CARD_PRINTED), the blank cards
-- (blanko) and printer ribbon each print consumes, and the shipments that take printed cards
-- to a kecamatan (CARD_SHIPPED). docs/internals/link.md, "The card's life at the central".

-- Every card printed: one per print of a record. state: printed -> shipped. A record's card is
-- unique (one card a record); the serial is the card's own number and unique in the city.
CREATE TABLE pusat_cards (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL UNIQUE REFERENCES pusat_records (id),
    card_serial TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL CHECK (state IN ('printed', 'shipped')),
    printed_at  INTEGER NOT NULL,
    printed_by  TEXT NOT NULL,
    shipment_id INTEGER
);
CREATE INDEX pusat_cards_state ON pusat_cards (state);

-- What a print consumes. quantity: blanko in cards, ribbon in prints left on the ribbons
-- (a YMCKO roll prints a known number of cards). low_at: at or below it, the pages warn.
CREATE TABLE pusat_stock (
    item       TEXT PRIMARY KEY CHECK (item IN ('blanko', 'ribbon')),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    low_at     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO pusat_stock (item, quantity, low_at, updated_at) VALUES ('blanko', 0, 100, 0);
INSERT INTO pusat_stock (item, quantity, low_at, updated_at) VALUES ('ribbon', 0, 100, 0);

-- Every change of the stock with the balance after it: the blanko ledger the registry answers
-- for (each blank card is accounted for: restocked, or consumed by the print of a record).
CREATE TABLE pusat_stock_moves (
    id        INTEGER PRIMARY KEY,
    item      TEXT NOT NULL,
    delta     INTEGER NOT NULL,
    balance   INTEGER NOT NULL,
    reason    TEXT NOT NULL CHECK (reason IN ('restock', 'print')),
    record_id INTEGER,
    note      TEXT NOT NULL DEFAULT '',
    by_user   TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX pusat_stock_moves_item ON pusat_stock_moves (item, id);

-- A shipment of printed cards to one kecamatan: "KRM-<kecamatan>-<number>".
CREATE TABLE pusat_shipments (
    id             INTEGER PRIMARY KEY,
    shipment_no    TEXT NOT NULL UNIQUE,
    kecamatan_code TEXT NOT NULL,
    cards          INTEGER NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX pusat_shipments_kec ON pusat_shipments (kecamatan_code, id);

-- The status feed carries the card: its serial (CARD_PRINTED, CARD_SHIPPED), and for
-- CARD_SHIPPED the shipment's number and how many of its cards go to that node.
ALTER TABLE pusat_status ADD COLUMN card_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE pusat_status ADD COLUMN shipment_no TEXT NOT NULL DEFAULT '';
ALTER TABLE pusat_status ADD COLUMN shipment_cards INTEGER NOT NULL DEFAULT 0;

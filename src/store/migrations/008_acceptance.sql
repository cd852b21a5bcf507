-- 008_acceptance.sql - what the acceptance run of issue 10 found in the schema: ticket numbers
-- that a transfer could duplicate, pickup tickets that never reached their application, and a
-- display board whose queries grew with the day.

-- A ticket's number belongs to the service it was taken for at the kiosk: `service` and
-- `number` never change again (UNIQUE (day, service, number) of 001 is then exactly the rule
-- "unique per service per service day"), and the next number is MAX(number) + 1 of that
-- series whatever transfers did. The queue the ticket waits in now is `queue_service`: a
-- transfer (called -> waiting, to another service) changes only it, so the citizen keeps the
-- number on the paper in hand and a new ticket of the old service never repeats it.
ALTER TABLE tickets ADD COLUMN queue_service TEXT NOT NULL DEFAULT '';
UPDATE tickets SET queue_service = service;
-- Rows that a transfer moved before this migration: their series is their code's letter
-- (unless that number was issued again meanwhile - the duplicate this migration stops).
UPDATE tickets SET service = CASE substr(code, 1, 1) WHEN 'A' THEN 'rekam_baru'
    WHEN 'B' THEN 'perubahan_data' WHEN 'C' THEN 'hilang_rusak' WHEN 'D' THEN 'pindah_datang'
    ELSE 'pengambilan' END
WHERE service <> CASE substr(code, 1, 1) WHEN 'A' THEN 'rekam_baru'
    WHEN 'B' THEN 'perubahan_data' WHEN 'C' THEN 'hilang_rusak' WHEN 'D' THEN 'pindah_datang'
    ELSE 'pengambilan' END
  AND NOT EXISTS (SELECT 1 FROM tickets o WHERE o.day = tickets.day AND o.number = tickets.number
    AND o.service = CASE substr(tickets.code, 1, 1) WHEN 'A' THEN 'rekam_baru'
      WHEN 'B' THEN 'perubahan_data' WHEN 'C' THEN 'hilang_rusak' WHEN 'D' THEN 'pindah_datang'
      ELSE 'pengambilan' END);
-- Calling picks from the queue a ticket waits in now.
DROP INDEX tickets_waiting;
CREATE INDEX tickets_waiting ON tickets (day, state, queue_service, priority, id);

-- The pickup (E) ticket the citizen held at the handover loket, linked when the officer holding
-- it finds the receipt: the ticket is then served, and the handover step (SOP Mutu Baku,
-- 3 minutes) runs from that ticket's call to the handover (core/sla.h "pickup_called").
ALTER TABLE applications ADD COLUMN pickup_ticket_id INTEGER;

-- The display board, at the same cost at the day's end as at its start (issue 9 item 7):
-- each loket's last call walks its own calls backwards and stops at the first row...
CREATE INDEX tickets_loket_called ON tickets (day, loket, called_at);
-- ...and the recording desk's calls are found among the desk calls only, not among every
-- event of the day (the condition is written exactly as the board's queries write it, so
-- both SQLite and PostgreSQL use these partial indexes).
CREATE INDEX events_desk_calls ON events (loket, at)
    WHERE action IN ('call_recording', 'recall_recording');
CREATE INDEX events_desk_calls_at ON events (at)
    WHERE action IN ('call_recording', 'recall_recording');
-- ...and whether a loket's call is still current (its person still served there) is a lookup
-- of the application by its intake or pickup ticket.
CREATE INDEX applications_ticket ON applications (ticket_id);
CREATE INDEX applications_pickup_ticket ON applications (pickup_ticket_id);

-- The intake's search without a NIK (name and birth date, a citizen who forgot it) looks
-- among the people born that day only.
CREATE INDEX residents_birth_date ON residents (birth_date);

-- The queue's "latest calls" in call order: call-next recounts today's calls since the last
-- priority call (ORDER BY called_at DESC, id DESC LIMIT 64) and the display board shows each
-- loket's last call and the last ten. Without this index every call sorted all of the day's
-- tickets of its services; with it SQLite walks today's calls backwards and stops after the
-- first rows (id is the rowid, so the index order is (called_at, id)).
CREATE INDEX tickets_called ON tickets (day, called_at);

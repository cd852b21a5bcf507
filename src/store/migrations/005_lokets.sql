-- The lokets' roles as the SOP has them (docs/internals/web.md, "Lokets"): the intake counter
-- (Loket Penerima Berkas), the operator's recording desk (Perekaman) and the handover counter
-- (Loket Penyerahan Dokumen). Empty table = the default layout (1 intake, 2 operator,
-- 3 handover, any further loket intake), not enforced; once set (`ktpel serve --lokets
-- "1:intake,2:operator,3:handover"` or PUT /api/lokets) a loket only calls its role's queue.
-- The operator's calls to the recording desk are audit events (action call_recording /
-- recall_recording, with the ticket and the loket), not rows here.
CREATE TABLE lokets (
    loket INTEGER PRIMARY KEY,
    role  TEXT NOT NULL CHECK (role IN ('intake', 'operator', 'handover'))
);

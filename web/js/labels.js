// labels.js - the Indonesian words people see for the ids of docs/domain.md.
// The ids are the contract; these labels are only for display.

// The words for the codes come from the server (GET /api/labels, src/core/words.c): the one
// place that turns codes into words for pages, PDFs and CSV files alike. Loaded once, before
// any page module runs (top-level await). Without the server a page shows the codes.
const words = await fetch('/api/labels', { credentials: 'same-origin' })
  .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
const table = (name) => words[name] || {};

const PREFIX = { rekam_baru: 'A', perubahan_data: 'B', hilang_rusak: 'C', pindah_datang: 'D', pengambilan: 'E' };
const SERVICE_KIND = { rekam_baru: 'baru', perubahan_data: 'perubahan', hilang_rusak: 'hilang', pindah_datang: 'pindah_datang', pengambilan: null };
export const SERVICES = Object.fromEntries(Object.keys(PREFIX).map((id) =>
  [id, { label: table('service')[id] || id, prefix: PREFIX[id], kind: SERVICE_KIND[id] }]));
export const INTAKE_SERVICES = ['rekam_baru', 'perubahan_data', 'hilang_rusak', 'pindah_datang'];

export const PRIORITY = { lansia: 'Lansia', disabilitas: 'Penyandang disabilitas', ibu_hamil: 'Ibu hamil' };

export const KINDS = table('kind');
export const DOCS = table('document');
export const STATES = table('state');
export const REASONS = table('reason');
export const ACTIONS = table('action');          // audit trail actions (bio_put, receipt_scanned, ...)
export const KTP_STATUS = table('ktp_status');   // SIAK status_rekam_ktp_el (BELUM_WAJIB, ...)
export const CONFIRMED_BY = table('confirmed_by');
export const USED_VIA = table('used_via');       // how a receipt was read (receipt_no, qr_token)
export const CHECKS = table('check');            // KONSOLIDASI checks
export const ACCESS = table('access');           // reads of personal data (the access log)

export const MARITAL = { 1: 'BELUM KAWIN', 2: 'KAWIN', 3: 'CERAI HIDUP', 4: 'CERAI MATI' };
export const AGAMA = { 1: 'ISLAM', 2: 'KRISTEN', 3: 'KATHOLIK', 4: 'HINDU', 5: 'BUDHA', 6: 'KHONGHUCU', 7: 'KEPERCAYAAN TERHADAP TUHAN YME' };

// Fields an officer may change in a data change (perubahan data), with input kinds.
export const CHANGE_FIELDS = {
  marital_status: { label: 'Status perkawinan', type: 'select', options: MARITAL },
  pekerjaan: { label: 'Pekerjaan (kode SIAK)', type: 'number' },
  pendidikan: { label: 'Pendidikan (kode SIAK)', type: 'number' },
  agama: { label: 'Agama', type: 'select', options: AGAMA },
  name: { label: 'Nama', type: 'text' },
  address: { label: 'Alamat', type: 'text' },
  rt: { label: 'RT', type: 'text' },
  rw: { label: 'RW', type: 'text' },
};

// ISO/IEC 19794-2 finger positions 1..10.
export const FINGERS = [
  'Ibu jari kanan', 'Telunjuk kanan', 'Jari tengah kanan', 'Jari manis kanan', 'Kelingking kanan',
  'Ibu jari kiri', 'Telunjuk kiri', 'Jari tengah kiri', 'Jari manis kiri', 'Kelingking kiri',
];

export const STEPS = table('step');
export const ROLES = table('role');

export const label = (table, id) => (table[id] && (table[id].label || table[id])) || id;

// The link to Disdukcapil (docs/internals/link.md): outbox states, packet kinds, and the
// national recording statuses (status_rekam_ktp_el.csv) in words.
export const KIRIMAN_STATES = { pending: 'Disiapkan', ready: 'Menunggu kirim', sent: 'Terkirim', failed: 'Gagal (ditolak)' };
export const PACKET_KINDS = { rekam: 'Perekaman', perubahan: 'Perubahan data', cetak: 'Cetak ulang', card_issued: 'Kartu diserahkan' };
export const CENTRAL_STATUS = {
  RECEIVED_AT_CENTRAL: 'Diterima Disdukcapil',
  PRINT_READY_RECORD: 'Siap cetak (PRR)',
  DUPLICATE_RECORD: 'Terindikasi ganda',
  ADJUDICATE_RECORD: 'Perlu adjudikasi',
  ENROLL_FAILURE_AT_CENTRAL: 'Gagal rekam di pusat',
  SENT_FOR_CARD_PRINTING: 'Dikirim untuk dicetak',
  CARD_PRINTED: 'Kartu dicetak',
  CARD_SHIPPED: 'Kartu dikirim',
  CARD_ISSUED: 'Kartu diserahkan',
};

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

// ---- the citizen's side (docs/internals/citizen.md) ----
// The satisfaction survey's questions and answers (PermenPANRB 14/2017 questionnaire), in the
// regulation's order; the ids are the service's element ids.
export const IKM_QUESTIONS = [
  { id: 'persyaratan', label: 'Persyaratan', q: 'Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?', a: ['Tidak sesuai', 'Kurang sesuai', 'Sesuai', 'Sangat sesuai'] },
  { id: 'prosedur', label: 'Sistem, Mekanisme, dan Prosedur', q: 'Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?', a: ['Tidak mudah', 'Kurang mudah', 'Mudah', 'Sangat mudah'] },
  { id: 'waktu', label: 'Waktu Penyelesaian', q: 'Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?', a: ['Tidak cepat', 'Kurang cepat', 'Cepat', 'Sangat cepat'] },
  { id: 'biaya', label: 'Biaya/Tarif', q: 'Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan? (KTP-el tidak dipungut biaya)', a: ['Sangat mahal', 'Cukup mahal', 'Murah', 'Gratis'] },
  { id: 'produk', label: 'Produk Spesifikasi Jenis Pelayanan', q: 'Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?', a: ['Tidak sesuai', 'Kurang sesuai', 'Sesuai', 'Sangat sesuai'] },
  { id: 'kompetensi', label: 'Kompetensi Pelaksana', q: 'Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?', a: ['Tidak kompeten', 'Kurang kompeten', 'Kompeten', 'Sangat kompeten'] },
  { id: 'perilaku', label: 'Perilaku Pelaksana', q: 'Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?', a: ['Tidak sopan dan ramah', 'Kurang sopan dan ramah', 'Sopan dan ramah', 'Sangat sopan dan ramah'] },
  { id: 'pengaduan', label: 'Penanganan Pengaduan, Saran dan Masukan', q: 'Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?', a: ['Tidak ada', 'Ada tetapi tidak berfungsi', 'Berfungsi kurang maksimal', 'Dikelola dengan baik'] },
  { id: 'sarana', label: 'Sarana dan Prasarana', q: 'Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?', a: ['Buruk', 'Cukup', 'Baik', 'Sangat baik'] },
];
export const EDUCATION = table('education');      // the IKM questionnaire's profile (core/ikm.c)
export const OCCUPATION = table('occupation');
export const GRADES = table('grade');              // IKM mutu pelayanan A..D
export const APPT_STATES = table('appointment_state');
export const WEEKDAYS = { 1: 'Senin', 2: 'Selasa', 3: 'Rabu', 4: 'Kamis', 5: 'Jumat', 6: 'Sabtu', 7: 'Minggu' };
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

// labels.js - the Indonesian words people see for the ids of docs/domain.md.
// The ids are the contract; these labels are only for display.

export const SERVICES = {
  rekam_baru: { label: 'Rekam e-KTP baru', prefix: 'A', kind: 'baru' },
  perubahan_data: { label: 'Perubahan data', prefix: 'B', kind: 'perubahan' },
  hilang_rusak: { label: 'KTP hilang / rusak', prefix: 'C', kind: 'hilang' },
  pindah_datang: { label: 'Pindah datang', prefix: 'D', kind: 'pindah_datang' },
  pengambilan: { label: 'Pengambilan e-KTP', prefix: 'E', kind: null },
};
export const INTAKE_SERVICES = ['rekam_baru', 'perubahan_data', 'hilang_rusak', 'pindah_datang'];

export const PRIORITY = { lansia: 'Lansia', disabilitas: 'Penyandang disabilitas', ibu_hamil: 'Ibu hamil' };

export const KINDS = {
  baru: 'Penerbitan baru', perubahan: 'Perubahan data', hilang: 'KTP hilang',
  rusak: 'KTP rusak', pindah_datang: 'Pindah datang',
};

export const DOCS = {
  pengantar_rt_rw: 'Surat Pengantar RT/RW',
  f107: 'Formulir Permohonan KTP F-1.07 dari kelurahan',
  kk_copy: 'Fotocopy Kartu Keluarga (KK)',
  ktp_asli: 'KTP asli (KTP lama / KTP yang rusak)',
  surat_kehilangan: 'Surat Keterangan Kehilangan dari Kepolisian',
  ijazah_akta: 'Fotocopy Ijazah / Akta Kelahiran',
  akta_status: 'Surat Nikah / Akta Perceraian / Surat Kematian',
  surat_pindah: 'Surat pindah',
};

export const STATES = {
  called: 'Dipanggil', checked: 'Berkas lengkap', incomplete: 'Dikembalikan (tidak lengkap)',
  referred: 'Dirujuk ke Disdukcapil', rejected: 'Ditolak', data_changed: 'Data diubah',
  recorded: 'Sudah direkam', receipt_issued: 'Tanda terima diberikan', sent: 'Dikirim ke Disdukcapil',
  print_ready: 'Siap cetak', duplicate: 'Duplikat (menunggu keputusan)', printed: 'Sudah dicetak',
  handed_over: 'Sudah diserahkan',
  waiting: 'Menunggu', served: 'Dilayani', no_show: 'Tidak hadir',
};

export const REASONS = {
  no_nik: 'Tidak memiliki NIK', nik_invalid: 'NIK tidak sah', not_found_in_siak: 'Data tidak ditemukan di SIAK',
  data_mismatch: 'Data tidak sesuai', under_age: 'Belum berumur 17 tahun', not_wni_no_itap: 'WNA tanpa ITAP',
  has_valid_card: 'Masih memiliki KTP-el yang berlaku', duplicate_biometric: 'Biometrik ganda', other: 'Alasan lain',
};

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

export const STEPS = {
  call: 'Pemanggilan', intake: 'Pemeriksaan berkas', recording: 'Perekaman / perubahan data',
  receipt: 'Tanda terima', handover: 'Penyerahan KTP-el',
};

export const ROLES = {
  intake: 'Loket Penerima Berkas', operator: 'Operator Perekaman', handover: 'Loket Penyerahan',
  supervisor: 'Camat / Kasi Pelayanan', admin: 'Administrator',
};

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
export const EDUCATION = { sd: 'SD ke bawah', smp: 'SMP', sma: 'SMA', diploma: 'D1/D2/D3/D4', s1: 'S1', s2_plus: 'S2 ke atas' };
export const OCCUPATION = { pns: 'PNS', tni: 'TNI', polri: 'POLRI', swasta: 'Swasta', wirausaha: 'Wirausaha', lainnya: 'Lainnya' };
export const GRADES = { A: 'Sangat Baik', B: 'Baik', C: 'Kurang Baik', D: 'Tidak Baik' };
export const APPT_STATES = { booked: 'Terjadwal', checked_in: 'Sudah check-in', cancelled: 'Dibatalkan', no_show: 'Tidak hadir' };
export const WEEKDAYS = { 1: 'Senin', 2: 'Selasa', 3: 'Rabu', 4: 'Kamis', 5: 'Jumat', 6: 'Sabtu', 7: 'Minggu' };

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

/*
 * words.c - codes to words (see words.h). Enum-backed tables ask their module for the label,
 * so each word is written once in the project.
 * Never: I/O, allocation.
 */
#include "core/words.h"

#include <stdio.h>
#include <string.h>

#include "core/documents.h"
#include "core/ikm.h"
#include "core/queue.h"
#include "core/sla.h"
#include "core/workflow.h"

typedef struct pair {
    const char *id, *word;
} pair;

static const pair ticket_states[] = {
    {"waiting", "Menunggu"}, {"served", "Dilayani"}, {"no_show", "Tidak hadir"}};

/* Audit actions that are not workflow actions (workflow's own come from wf_action_*). */
static const pair actions[] = {
    {"open", "Permohonan dibuka"},
    {"check_ok", "Berkas diperiksa: lengkap"},
    {"return_incomplete", "Dikembalikan: berkas tidak lengkap"},
    {"refer", "Dirujuk ke Disdukcapil"},
    {"reject", "Ditolak"},
    {"change_data", "Data diubah"},
    {"record", "Perekaman selesai"},
    {"issue_receipt", "Tanda terima pengambilan diberikan"},
    {"send", "Dikirim ke Disdukcapil"},
    {"print_ready", "Siap cetak"},
    {"afis_hit", "Sidik jari sama dengan rekaman lain (AFIS)"},
    {"central_duplicate", "Duplikat menurut data pusat"},
    {"clear_duplicate", "Diputuskan bukan duplikat"},
    {"confirm_duplicate", "Dipastikan duplikat"},
    {"print", "KTP-el dicetak"},
    {"hand_over", "KTP-el diserahkan"},
    {"take", "Nomor antrian diambil"},
    {"call", "Nomor antrian dipanggil"},
    {"recall", "Nomor antrian dipanggil ulang"},
    {"no_show", "Tidak hadir saat dipanggil"},
    {"transfer", "Dialihkan ke layanan atau loket lain"},
    {"serve", "Dilayani di loket"},
    {"call_recording", "Dipanggil ke meja perekaman"},
    {"recall_recording", "Dipanggil ulang ke meja perekaman"},
    {"operator_start", "Operator mulai perekaman"},
    {"bio_put", "Berkas biometrik disimpan"},
    {"bio_exception", "Pengecualian biometrik dicatat"},
    {"check_incomplete", "Berkas diperiksa: belum lengkap"},
    {"receipt_scanned", "Tanda terima dibaca di loket penyerahan"},
    {"verify_finger", "Sidik jari penerima dicocokkan"},
    {"resident_search", "Pencarian penduduk dengan nama dan tanggal lahir"},
    {"login", "Masuk ke sistem"},
    {"login_failed", "Gagal masuk"},
    {"account_locked", "Akun dikunci sementara (terlalu banyak gagal masuk)"},
    {"login_throttled", "Komputer diblokir sementara (terlalu banyak gagal masuk)"},
    {"logout", "Keluar dari sistem"},
    {"password_change", "Kata sandi diganti"},
    {"password_reset", "Kata sandi direset oleh admin"},
    {"session_revoke", "Sesi diakhiri oleh admin"},
    {"user_add", "Akun petugas ditambahkan"},
    {"user_disable", "Akun petugas dinonaktifkan"},
    {"user_enable", "Akun petugas diaktifkan"},
    {"kiosk_add", "Kios antrian didaftarkan"},
    {"kiosk_revoke", "Kios antrian dicabut"},
    {"confirm_priority", "Antrian prioritas dikonfirmasi petugas"},
    {"decline_priority", "Antrian prioritas tidak dikonfirmasi petugas"},
    {"audit_checkpoint", "Titik periksa jejak audit ditandatangani"},
    {"audit_sealed", "Jejak audit lama dirangkai dan ditandatangani"},
    {"set_lokets", "Susunan loket diubah"},
    {"import_siak", "Data SIAK diimpor"},
    {"import_wilayah", "Data wilayah diimpor"},
    {"demo_data", "Data contoh dibuat"},
    {"archive_config", "Susunan rak arsip diubah"},
    /* The link to Disdukcapil: the node's and the central's (issue 11). */
    {"doc_scan", "Dokumen dipindai di loket penerima berkas"},
    {"shipment_receive", "Kiriman kartu dari Disdukcapil diterima"},
    {"link_enrol", "Kantor didaftarkan ke Disdukcapil"},
    {"link_retry", "Paket dikirim ulang ke Disdukcapil"},
    {"packet_process", "Paket dari kecamatan diproses Disdukcapil"},
    {"adjudicate_duplicate", "Adjudikasi: dipastikan rekaman ganda"},
    {"adjudicate_clear", "Adjudikasi: bukan rekaman ganda"},
    {"print_queue", "Masuk antrian cetak KTP-el"},
    {"card_print", "KTP-el dicetak di Disdukcapil"},
    {"card_ship", "KTP-el dikirim ke kecamatan"},
    {"shipment_make", "Kiriman kartu ke kecamatan dibuat"},
    {"stock_restock", "Stok blanko atau pita printer diubah"},
    /* the citizen's side (issue 13) */
    {"book", "Janji temu dipesan"},
    {"cancel", "Janji temu dibatalkan"},
    {"reschedule", "Janji temu dipindah"},
    {"check_in", "Check-in janji temu di kios"},
    {"set_appointment_config", "Jadwal janji temu diubah"},
    {"phone_given", "Nomor HP untuk SMS diberikan"},
    {"survey_offered", "Survei kepuasan ditawarkan di tablet"},
    {"survey_answered", "Survei kepuasan diisi"},
};

/* SIAK's status_rekam_ktp_el in words (the OpenSID labels of refcodes.c are part English:
   "PRINT READY RECORD"; they stay for exchanging data, these are for people). */
static const pair ktp_statuses[] = {
    {"BELUM_WAJIB", "Belum wajib KTP-el"},
    {"UNREGISTERED", "Belum rekam"},
    {"BIO_CAPTURED", "Sudah rekam, belum dikirim"},
    {"PROCESSING", "Sudah rekam, sedang diproses"},
    {"SENT_FOR_ENROLLMENT", "Sudah rekam, dikirim ke pusat"},
    {"RECEIVED_AT_CENTRAL", "Sudah rekam, diterima di pusat"},
    {"ENROLL_FAILURE_AT_CENTRAL", "Gagal verifikasi biometrik di pusat"},
    {"SEARCH_FAILURE_AT_CENTRAL", "Gagal pemeriksaan data ganda di pusat"},
    {"ENROLL_FAILURE_AT_REGIONAL", "Gagal verifikasi biometrik di Disdukcapil"},
    {"ADJUDICATE_RECORD", "Menunggu pemeriksaan kemiripan biometrik"},
    {"DUPLICATE_RECORD", "Rekaman ganda (kartu tidak diterbitkan)"},
    {"PRINT_READY_RECORD", "Siap cetak"},
    {"SENT_FOR_CARD_PRINTING", "Dikirim untuk dicetak"},
    {"CARD_PRINTED", "Kartu sudah dicetak"},
    {"CARD_SHIPPED", "Kartu dalam pengiriman"},
    {"CARD_ISSUED", "Kartu sudah diterima"},
};

static const pair roles[] = {
    {"intake", "Petugas Loket Penerima Berkas"}, {"operator", "Operator Perekaman"},
    {"handover", "Petugas Loket Penyerahan Dokumen"}, {"supervisor", "Camat / Kasi Pelayanan"},
    {"admin", "Administrator"}, {"system", "Sistem"}};

static const pair confirmed_by[] = {{"ktp_receipt", "Tanda terima dan wajah pemohon"},
                                    {"fingerprint", "Sidik jari"},
                                    {"document", "Dokumen lain (KK / surat kuasa)"}};

static const pair used_via[] = {{"receipt_no", "Nomor tanda terima diketik"},
                                {"qr_token", "Kode QR dipindai"}};

static const pair appt_states[] = {{"booked", "Terjadwal"},
                                   {"checked_in", "Sudah check-in"},
                                   {"cancelled", "Dibatalkan"},
                                   {"no_show", "Tidak hadir"}};

static const pair checks[] = {
    {"nik_biodata", "NIK tidak sesuai biodata"},
    {"duplicate_nik", "NIK ganda"},
    {"no_kk", "Tanpa Kartu Keluarga"},
    {"biometric_files", "Berkas biometrik hilang atau berubah"},
    {"duplicates_waiting", "Duplikat menunggu keputusan"},
    {"stuck", "Permohonan tertahan melewati standar"},
    {"archive_unplaced", "Berkas belum mendapat tempat di rak arsip"},
    {"audit_chain", "Jejak audit rusak (diubah atau dihapus)"},
};

/* Reads of personal data, as the access log names them (service/audit.c: svc_access_*). */
static const pair access[] = {
    {"read_resident", "Cari NIK (biodata)"},
    {"resident_search", "Cari penduduk dengan nama dan tanggal lahir"},
    {"read_application", "Buka permohonan"},
    {"read_application_events", "Riwayat permohonan"},
    {"read_biometric", "Unduh biometrik"},
    {"list_applications", "Daftar permohonan"},
    {"register_list", "Register pengambilan"},
    {"register_export", "Unduh register (CSV)"},
    {"archive_find", "Cari arsip"},
    {"list_duplicates", "Daftar duplikat"},
    {"read_duplicate", "Bandingkan duplikat"},
    {"konsolidasi", "KONSOLIDASI"},
    {"print_receipt", "Cetak tanda terima"},
    {"print_missing_slip", "Cetak slip kekurangan"},
    {"print_referral", "Cetak surat rujukan"},
    {"audit_reads", "Lihat siapa membaca"},
    {"read_scan", "Buka pindaian dokumen"},
    {"link_outbox", "Daftar kiriman ke Disdukcapil"},
    {"link_shipments", "Daftar kiriman kartu dari Disdukcapil"},
    {"pusat_adjudications", "Daftar rekaman menunggu adjudikasi (pusat)"},
    {"pusat_record", "Bandingkan rekaman (pusat)"},
    {"pusat_record_part", "Unduh bagian rekaman (pusat)"},
    {"pusat_print_queue", "Antrean cetak kartu (pusat)"},
    {"pusat_shipment", "Isi kiriman kartu (pusat)"},
    {"card_status", "Status KTP-el dilihat di halaman publik"},
    {"appointment_book", "Pesan janji temu (NIK diperiksa)"},
    {"appointment_read", "Halaman janji temu dibuka dengan kodenya"},
    {"list_appointments", "Daftar janji temu"},
};

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static const char *const table_str[WORDS_TABLE_COUNT] = {
    "state", "kind", "reason", "action", "ktp_status", "service", "step", "role", "document",
    "confirmed_by", "used_via", "check", "appointment_state", "grade", "education",
    "occupation", "access"};

const char *words_table_str(words_table t)
{
    return (int)t >= 0 && t < WORDS_TABLE_COUNT ? table_str[t] : NULL;
}

static bool pair_at(const pair *p, size_t n, size_t i, const char **id, const char **word)
{
    if (i >= n)
        return false;
    *id = p[i].id;
    *word = p[i].word;
    return true;
}

bool words_at(words_table t, size_t i, const char **id, const char **word)
{
    switch (t) {
    case WORDS_STATE:
        /* WF_STATE_NONE (index 0) is no state a person sees */
        if (i + 1 < WF_STATE_COUNT) {
            *id = wf_state_str((wf_state)(i + 1));
            *word = wf_state_label((wf_state)(i + 1));
            return true;
        }
        return pair_at(ticket_states, N_(ticket_states), i + 1 - WF_STATE_COUNT, id, word);
    case WORDS_KIND:
        if (i >= WF_KIND_COUNT)
            return false;
        *id = wf_kind_str((wf_kind)i);
        *word = wf_kind_label((wf_kind)i);
        return true;
    case WORDS_REASON:
        if (i + 1 >= WF_REASON_COUNT)
            return false;
        *id = wf_reason_str((wf_reason)(i + 1));
        *word = wf_reason_label((wf_reason)(i + 1));
        return true;
    case WORDS_ACTION:
        return pair_at(actions, N_(actions), i, id, word);
    case WORDS_KTP_STATUS:
        return pair_at(ktp_statuses, N_(ktp_statuses), i, id, word);
    case WORDS_SERVICE:
        if (i >= QUEUE_SERVICE_COUNT)
            return false;
        *id = queue_service_str((queue_service)i);
        *word = queue_service_label((queue_service)i);
        return true;
    case WORDS_STEP:
        if (i >= SLA_STEP_COUNT)
            return false;
        *id = sla_step_str((sla_step)i);
        *word = sla_step_label((sla_step)i);
        return true;
    case WORDS_ROLE:
        return pair_at(roles, N_(roles), i, id, word);
    case WORDS_DOCUMENT:
        if (i >= DOCS_COUNT)
            return false;
        *id = docs_id_str((docs_id)i);
        *word = docs_title((docs_id)i);
        return true;
    case WORDS_CONFIRMED_BY:
        return pair_at(confirmed_by, N_(confirmed_by), i, id, word);
    case WORDS_USED_VIA:
        return pair_at(used_via, N_(used_via), i, id, word);
    case WORDS_CHECK:
        return pair_at(checks, N_(checks), i, id, word);
    case WORDS_APPT_STATE:
        return pair_at(appt_states, N_(appt_states), i, id, word);
    case WORDS_GRADE: {
        static const char *const grades[] = {"A", "B", "C", "D"};
        if (i >= N_(grades))
            return false;
        *id = grades[i];
        *word = ikm_grade_label(grades[i][0]);
        return true;
    }
    case WORDS_EDUCATION:
        return ikm_education_at(i, id, word);
    case WORDS_OCCUPATION:
        return ikm_occupation_at(i, id, word);
    case WORDS_ACCESS:
        return pair_at(access, N_(access), i, id, word);
    default:
        return false;
    }
}

const char *words_of(words_table t, const char *id)
{
    const char *k, *w;
    if (id == NULL)
        return NULL;
    for (size_t i = 0; words_at(t, i, &k, &w); i++)
        if (k != NULL && strcmp(k, id) == 0)
            return w;
    return NULL;
}

const char *words_or_id(words_table t, const char *id)
{
    const char *w = words_of(t, id);
    return w != NULL ? w : id != NULL ? id : "";
}

const char *words_month(int month)
{
    static const char *const names[] = {"Januari", "Februari", "Maret",     "April",
                                        "Mei",     "Juni",     "Juli",      "Agustus",
                                        "September", "Oktober", "November", "Desember"};
    return month >= 1 && month <= 12 ? names[month - 1] : "?";
}

const char *words_weekday(int weekday)
{
    static const char *const names[] = {"Senin", "Selasa", "Rabu", "Kamis",
                                        "Jumat", "Sabtu",  "Minggu"};
    return weekday >= 1 && weekday <= 7 ? names[weekday - 1] : "?";
}

void words_date(jkt_date d, char *out, size_t cap)
{
    snprintf(out, cap, "%d %s %d", d.day, words_month(d.month), d.year);
}

void words_day(jkt_date d, char *out, size_t cap)
{
    if (!jkt_date_valid(d)) {
        snprintf(out, cap, "?");
        return;
    }
    snprintf(out, cap, "%s, %d %s %d", words_weekday(jkt_weekday(d)), d.day,
             words_month(d.month), d.year);
}

void words_hhmm(int minutes, char sep, char out[6])
{
    if (minutes < 0 || minutes > 24 * 60) /* 24:00, the end of a day, is a time of day */
        minutes = 0;
    out[0] = (char)('0' + minutes / 600);
    out[1] = (char)('0' + minutes / 60 % 10);
    out[2] = sep;
    out[3] = (char)('0' + minutes % 60 / 10);
    out[4] = (char)('0' + minutes % 10);
    out[5] = '\0';
}

void words_datetime(int64_t utc_ms, char *out, size_t cap)
{
    jkt_datetime dt = jkt_from_utc_ms(utc_ms);
    snprintf(out, cap, "%d %s %d, %02d.%02d WIB", dt.date.day, words_month(dt.date.month),
             dt.date.year, dt.hour, dt.minute);
}

void words_duration(int64_t ms, char *out, size_t cap)
{
    int64_t s = ms < 0 ? 0 : (ms + 500) / 1000;
    if (s >= 3600)
        snprintf(out, cap, "%lld jam %lld menit", (long long)(s / 3600),
                 (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(out, cap, "%lld menit %lld detik", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, cap, "%lld detik", (long long)s);
}

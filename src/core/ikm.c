/*
 * ikm.c - the IKM survey's rules: elements, profile codes, exact scoring, grades, the sample
 * table and report periods. See ikm.h for the arithmetic and its source.
 * Never: I/O, allocation, floating point in a published figure.
 */
#include "core/ikm.h"

#include <stdio.h>
#include <string.h>

#include "core/words.h"

static const struct {
    const char *id, *label;
} elements[IKM_ELEMENTS] = {
    {"persyaratan", "Persyaratan"},
    {"prosedur", "Sistem, Mekanisme, dan Prosedur"},
    {"waktu", "Waktu Penyelesaian"},
    {"biaya", "Biaya/Tarif"},
    {"produk", "Produk Spesifikasi Jenis Pelayanan"},
    {"kompetensi", "Kompetensi Pelaksana"},
    {"perilaku", "Perilaku Pelaksana"},
    {"pengaduan", "Penanganan Pengaduan, Saran dan Masukan"},
    {"sarana", "Sarana dan Prasarana"},
};

const char *ikm_element_id(int i)
{
    return i >= 0 && i < IKM_ELEMENTS ? elements[i].id : NULL;
}

const char *ikm_element_label(int i)
{
    return i >= 0 && i < IKM_ELEMENTS ? elements[i].label : NULL;
}

typedef struct code_label {
    const char *id, *label;
} code_label;

static const code_label education[] = {
    {"sd", "SD ke bawah"}, {"smp", "SMP"}, {"sma", "SMA"},
    {"diploma", "D1/D2/D3/D4"}, {"s1", "S1"}, {"s2_plus", "S2 ke atas"},
};
static const code_label occupation[] = {
    {"pns", "PNS"}, {"tni", "TNI"}, {"polri", "POLRI"},
    {"swasta", "Swasta"}, {"wirausaha", "Wirausaha"}, {"lainnya", "Lainnya"},
};

static const char *find_label(const code_label *t, size_t n, const char *id)
{
    for (size_t i = 0; id != NULL && i < n; i++)
        if (strcmp(t[i].id, id) == 0)
            return t[i].label;
    return NULL;
}

const char *ikm_education_label(const char *id)
{
    return find_label(education, sizeof education / sizeof education[0], id);
}

const char *ikm_occupation_label(const char *id)
{
    return find_label(occupation, sizeof occupation / sizeof occupation[0], id);
}

static bool label_at(const code_label *t, size_t n, size_t i, const char **id,
                     const char **label)
{
    if (i >= n)
        return false;
    *id = t[i].id;
    *label = t[i].label;
    return true;
}

bool ikm_education_at(size_t i, const char **id, const char **label)
{
    return label_at(education, sizeof education / sizeof education[0], i, id, label);
}

bool ikm_occupation_at(size_t i, const char **id, const char **label)
{
    return label_at(occupation, sizeof occupation / sizeof occupation[0], i, id, label);
}

bool ikm_education_valid(const char *id) { return ikm_education_label(id) != NULL; }
bool ikm_occupation_valid(const char *id) { return ikm_occupation_label(id) != NULL; }

kt_code ikm_tally_add(ikm_tally *t, const int answers[IKM_ELEMENTS], kt_error *err)
{
    for (int i = 0; i < IKM_ELEMENTS; i++)
        if (answers[i] < 1 || answers[i] > 4)
            return kt_fail(err, KT_EINVAL, "answer_invalid", elements[i].id,
                           "Jawaban unsur %s harus 1 sampai 4, bukan %d", elements[i].label,
                           answers[i]);
    t->n++;
    for (int i = 0; i < IKM_ELEMENTS; i++)
        t->sum[i] += answers[i];
    return KT_OK;
}

int64_t ikm_round_scaled(int64_t num, int64_t den, int decimals)
{
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    /* floor(num*scale/den + 1/2) = floor((2*num*scale + den) / (2*den)) */
    return (2 * num * scale + den) / (2 * den);
}

char ikm_grade(int64_t x100)
{
    if (x100 > 10000 || x100 < 2500)
        return 0;
    if (x100 >= 8831)
        return 'A';
    if (x100 >= 7661)
        return 'B';
    if (x100 >= 6500)
        return 'C';
    return 'D';
}

const char *ikm_grade_label(char grade)
{
    switch (grade) {
    case 'A': return "Sangat Baik";
    case 'B': return "Baik";
    case 'C': return "Kurang Baik";
    case 'D': return "Tidak Baik";
    default: return "?";
    }
}

kt_code ikm_compute(const ikm_tally *t, ikm_result *out, kt_error *err)
{
    memset(out, 0, sizeof *out);
    if (t->n <= 0)
        return kt_fail(err, KT_EINVAL, "no_respondents", "",
                       "Belum ada responden survei pada periode ini");
    out->n = t->n;
    for (int i = 0; i < IKM_ELEMENTS; i++) {
        out->total += t->sum[i];
        out->nrr_x1000[i] = ikm_round_scaled(t->sum[i], t->n, 3);
        out->value_x100[i] = ikm_round_scaled(25 * t->sum[i], t->n, 2);
        out->element_grade[i] = ikm_grade(out->value_x100[i]);
        out->weakest[i] = i;
    }
    out->ikm_x100 = ikm_round_scaled(25 * out->total, 9 * t->n, 2);
    out->grade = ikm_grade(out->ikm_x100);
    /* Insertion sort by sum (n is shared, so sum_i/n compares as sum_i: exact); stable. */
    for (int i = 1; i < IKM_ELEMENTS; i++) {
        int e = out->weakest[i], j = i;
        while (j > 0 && t->sum[out->weakest[j - 1]] > t->sum[e]) {
            out->weakest[j] = out->weakest[j - 1];
            j--;
        }
        out->weakest[j] = e;
    }
    return KT_OK;
}

/* Krejcie and Morgan (1970), table 1: population N -> sample S (95% confidence, 5% margin,
   P = 0.5). Every row equals round(3.841 N 0.25 / (0.0025 (N-1) + 3.841 x 0.25)); the unit
   test recomputes them. */
static const struct {
    int64_t n, s;
} km[] = {
    {10, 10},     {15, 14},     {20, 19},     {25, 24},     {30, 28},     {35, 32},
    {40, 36},     {45, 40},     {50, 44},     {55, 48},     {60, 52},     {65, 56},
    {70, 59},     {75, 63},     {80, 66},     {85, 70},     {90, 73},     {95, 76},
    {100, 80},    {110, 86},    {120, 92},    {130, 97},    {140, 103},   {150, 108},
    {160, 113},   {170, 118},   {180, 123},   {190, 127},   {200, 132},   {210, 136},
    {220, 140},   {230, 144},   {240, 148},   {250, 152},   {260, 155},   {270, 159},
    {280, 162},   {290, 165},   {300, 169},   {320, 175},   {340, 181},   {360, 186},
    {380, 191},   {400, 196},   {420, 201},   {440, 205},   {460, 210},   {480, 214},
    {500, 217},   {550, 226},   {600, 234},   {650, 242},   {700, 248},   {750, 254},
    {800, 260},   {850, 265},   {900, 269},   {950, 274},   {1000, 278},  {1100, 285},
    {1200, 291},  {1300, 297},  {1400, 302},  {1500, 306},  {1600, 310},  {1700, 313},
    {1800, 317},  {1900, 320},  {2000, 322},  {2200, 327},  {2400, 331},  {2600, 335},
    {2800, 338},  {3000, 341},  {3500, 346},  {4000, 351},  {4500, 354},  {5000, 357},
    {6000, 361},  {7000, 364},  {8000, 367},  {9000, 368},  {10000, 370}, {15000, 375},
    {20000, 377}, {30000, 379}, {40000, 380}, {50000, 381}, {75000, 382}, {1000000, 384},
};

int64_t ikm_sample_size(int64_t population)
{
    if (population <= 0)
        return 0;
    if (population < km[0].n)
        return population; /* fewer than the table's first row: ask everybody */
    for (size_t i = 0; i < sizeof km / sizeof km[0]; i++)
        if (population <= km[i].n)
            return km[i].s;
    return km[sizeof km / sizeof km[0] - 1].s;
}

static int num_at(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static const char *const roman[] = {"I", "II", "III", "IV"};

kt_code ikm_period_parse(const char *s, const char *field, ikm_period *out, kt_error *err)
{
    ikm_period p;
    memset(&p, 0, sizeof p);
    size_t len = s != NULL ? strlen(s) : 0;
    int year = len >= 4 ? num_at(s, 4) : -1;
    if (year < 2000 || year > 2999 || (len != 4 && len != 7))
        goto bad;
    p.first.year = p.last.year = year;
    if (len == 4) {
        snprintf(p.kind, sizeof p.kind, "year");
        p.first.month = 1;
        p.last.month = 12;
        snprintf(p.label, sizeof p.label, "Tahun %d", year);
    } else if (s[4] != '-') {
        goto bad;
    } else if (s[5] == 'Q' || s[5] == 'q') {
        int q = num_at(s + 6, 1);
        if (q < 1 || q > 4)
            goto bad;
        snprintf(p.kind, sizeof p.kind, "quarter");
        p.first.month = 3 * q - 2;
        p.last.month = 3 * q;
        snprintf(p.label, sizeof p.label, "Triwulan %s %d", roman[q - 1], year);
    } else if (s[5] == 'S' || s[5] == 's') {
        int h = num_at(s + 6, 1);
        if (h < 1 || h > 2)
            goto bad;
        snprintf(p.kind, sizeof p.kind, "semester");
        p.first.month = 6 * h - 5;
        p.last.month = 6 * h;
        snprintf(p.label, sizeof p.label, "Semester %s %d", roman[h - 1], year);
    } else {
        int m = num_at(s + 5, 2);
        if (m < 1 || m > 12)
            goto bad;
        snprintf(p.kind, sizeof p.kind, "month");
        p.first.month = p.last.month = m;
        snprintf(p.label, sizeof p.label, "%s %d", words_month(m), year);
    }
    p.first.day = 1;
    p.last.day = jkt_days_in_month(year, p.last.month);
    snprintf(p.id, sizeof p.id, "%.4s%s%.3s", s, len == 7 ? "-" : "", len == 7 ? s + 5 : "");
    if (len == 7 && (p.id[5] == 'q' || p.id[5] == 's'))
        p.id[5] = (char)(p.id[5] - 'a' + 'A');
    *out = p;
    return KT_OK;
bad:
    return kt_fail(err, KT_EINVAL, "period_invalid", field != NULL ? field : "period",
                   "Periode '%.20s' tidak sah: tulis bulan 2026-03, triwulan 2026-Q1, semester "
                   "2026-S1 atau tahun 2026",
                   s != NULL ? s : "");
}

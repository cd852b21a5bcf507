/*
 * phone.c - Indonesian mobile numbers to E.164 (see phone.h for the rules).
 * Never: I/O, allocation.
 */
#include "core/phone.h"

#include <stdio.h>
#include <string.h>

kt_code phone_normalize(const char *in, const char *field, char out[PHONE_LEN], kt_error *err)
{
    char d[40];
    size_t n = 0;
    const char *f = field != NULL ? field : "phone";
    if (in == NULL || in[0] == '\0')
        return kt_fail(err, KT_EINVAL, "phone_invalid", f, "Nomor HP kosong");
    if (strlen(in) > 30)
        return kt_fail(err, KT_EINVAL, "phone_invalid", f, "Nomor HP terlalu panjang");
    int plus = 0;
    for (const char *p = in; *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9') {
            d[n++] = *p;
        } else if (*p == '+' && n == 0 && !plus) {
            plus = 1;
        } else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')') {
            continue;
        } else {
            return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                           "Nomor HP hanya boleh berisi angka, spasi, tanda - dan awalan +62");
        }
    }
    d[n] = '\0';
    const char *nsn;
    if (plus || strncmp(d, "62", 2) == 0) {
        if (strncmp(d, "62", 2) != 0)
            return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                           "Hanya nomor seluler Indonesia (+62) yang dapat menerima SMS layanan");
        nsn = d + 2;
        if (nsn[0] == '0') /* "+62 0812...": the trunk 0 written after the country code */
            nsn++;
    } else if (d[0] == '0') {
        nsn = d + 1;
    } else {
        return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                       "Nomor HP harus diawali 08, 628 atau +628");
    }
    if (nsn[0] != '8')
        return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                       "Nomor %s bukan nomor seluler (nomor seluler diawali 08)", in);
    if (strchr("1235789", nsn[1] != '\0' ? nsn[1] : 'x') == NULL)
        return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                       "Awalan 08%c bukan awalan operator seluler Indonesia",
                       nsn[1] != '\0' ? nsn[1] : '?');
    size_t len = strlen(nsn);
    if (len < 9 || len > 12)
        return kt_fail(err, KT_EINVAL, "phone_invalid", f,
                       "Nomor HP %s: nomor seluler Indonesia 10 sampai 13 digit (diawali 08), "
                       "bukan %zu",
                       len < 9 ? "terlalu pendek" : "terlalu panjang", len + 1);
    snprintf(out, PHONE_LEN, "+62%s", nsn);
    return KT_OK;
}

void phone_mask(const char *e164, char out[PHONE_LEN])
{
    size_t n = e164 != NULL ? strlen(e164) : 0;
    if (n < 12 || n >= PHONE_LEN || strncmp(e164, "+628", 4) != 0) {
        snprintf(out, PHONE_LEN, "****");
        return;
    }
    /* keep "+62" and 3 digits, and the last 4 */
    snprintf(out, PHONE_LEN, "%.6s****%s", e164, e164 + n - 4);
}

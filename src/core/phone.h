/*
 * phone.h - Indonesian mobile phone numbers, the only numbers an SMS reaches.
 *
 * People write them many ways: 0812-3456-7890, 0812 3456 7890, 62812..., +62 812..., even
 * +62 0812... Every form is normalised to E.164, "+62" followed by the national significant
 * number: a mobile number starts with 8, its second digit is an operator block (81x, 82x,
 * 83x, 85x, 87x, 88x, 89x: Telkomsel, Indosat, XL, Axis, Smartfren, Tri), and it has 9 to 12
 * digits (0812-345-678 is the shortest in use, 0812-3456-78901 the longest). Anything else -
 * letters, a landline (021...), a foreign number, too short or too long - is refused with a
 * message that says which rule it broke.
 *
 * Never: I/O, allocation; never print a whole number where a masked one will do.
 */
#ifndef KTPEL_CORE_PHONE_H
#define KTPEL_CORE_PHONE_H

#include "core/error.h"

#define PHONE_LEN 16 /* "+62" + at most 12 digits + NUL */

/* Normalise `in` to "+628..." in out. KT_EINVAL "phone_invalid" naming field (may be NULL:
   "phone") and why; out is left unchanged then. */
kt_code phone_normalize(const char *in, const char *field, char out[PHONE_LEN], kt_error *err);

/* The number with its middle hidden, for lists and logs: "+62812****7890". A text that is not
   a normalised number becomes "****". */
void phone_mask(const char *e164, char out[PHONE_LEN]);

#endif

/*
 * wsq.h - WSQ (Wavelet Scalar Quantization) decoding, FBI IAFIS-IC-0110 v3.
 *
 * The standard compression of 500 dpi fingerprint images: a 64-subband wavelet packet
 * decomposition with the 9/7 biorthogonal filters, uniform scalar quantization with a dead
 * zone, and JPEG-like Huffman coding. Decoding only; implemented from the specification.
 */
#ifndef KTPEL_BIO_WSQ_H
#define KTPEL_BIO_WSQ_H

#include "bio/bio.h"

#include <stddef.h>
#include <stdint.h>

/* 1 if buf starts with the WSQ SOI marker (FF A0) followed by another marker. */
int bio_wsq_is(const uint8_t *buf, size_t len);

/*
 * Decode a WSQ file held in memory into *img (8-bit gray, owned: bio_image_free). dpi comes
 * from the NIST comment (PPI) when present, else 500. Truncated or corrupt data gives
 * BIO_ETRUNC / BIO_EFORMAT and leaves *img zeroed.
 */
bio_status bio_wsq_decode(const uint8_t *buf, size_t len, bio_image *img, bio_msg *msg);

#endif

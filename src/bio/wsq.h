/*
 * wsq.h - WSQ (Wavelet Scalar Quantization), FBI IAFIS-IC-0110 v3: decoding (wsq.c) and
 * encoding (wsq_encode.c).
 *
 * The standard compression of 500 dpi fingerprint images: a 64-subband wavelet packet
 * decomposition with the 9/7 biorthogonal filters, uniform scalar quantization with a dead
 * zone, and JPEG-like Huffman coding. Implemented from the specification.
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

/* The FBI's usual rate: about 15:1 on a 500 dpi print. */
#define BIO_WSQ_BITRATE 0.75

/*
 * Encode an 8-bit gray image (at least 32x32, at most 20000 a side and BIO_IMAGE_MAX_PIXELS
 * in all: what the decoder takes) as WSQ at `bitrate` bits a pixel (0 < bitrate <= 8;
 * BIO_WSQ_BITRATE is the FBI's ~15:1). The NIST comment carries the
 * size and img->dpi (500 when 0). *out (free()) holds *len bytes that bio_wsq_decode() reads
 * back. BIO_EINVAL for a bad image or rate, BIO_ENOMEM.
 */
bio_status bio_wsq_encode(const bio_image *img, double bitrate, uint8_t **out, size_t *len,
                          bio_msg *msg);

#endif

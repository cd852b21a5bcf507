/*
 * wsq_internal.h - what the WSQ decoder (wsq.c) and encoder (wsq_encode.c) share: the
 * markers, the tree of the wavelet packet decomposition and its subbands (wsq_tree.c).
 * Internal to src/bio.
 */
#ifndef KTPEL_BIO_WSQ_INTERNAL_H
#define KTPEL_BIO_WSQ_INTERNAL_H

enum {
    WSQ_SOI = 0xFFA0, WSQ_EOI = 0xFFA1, WSQ_SOF = 0xFFA2, WSQ_SOB = 0xFFA3, WSQ_DTT = 0xFFA4,
    WSQ_DQT = 0xFFA5, WSQ_DHT = 0xFFA6, WSQ_DRT = 0xFFA7, WSQ_COM = 0xFFA8
};

#define WSQ_W_NODES 20      /* nodes of the wavelet tree */
#define WSQ_Q_BANDS 64      /* subbands of the quantization tree */
#define WSQ_CODED_BANDS 60  /* 60..63 are never coded */

/* A rectangle of the decomposed image: a tree node or a subband. */
struct wsq_area {
    int x, y, lenx, leny;
    int inv_row, inv_col; /* high band stored first along rows / columns */
};

/* The spec's layout for a width x height image: w (wavelet nodes, in the order the encoder
   splits them; the decoder joins them in reverse) and q (the subbands, in coding order). */
void wsq_trees(int width, int height, struct wsq_area w[WSQ_W_NODES],
               struct wsq_area q[WSQ_Q_BANDS]);

#endif

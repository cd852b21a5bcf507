/*
 * wsq_tree.c - the fixed layout of a WSQ image's wavelet packet decomposition (FBI
 * IAFIS-IC-0110 v3): the 20 nodes of the wavelet tree (each split once along rows and once
 * along columns; some store their high band first, "inverted") and the 64 subbands of the
 * quantization tree (60 coded). Shared by the decoder (wsq.c) and the encoder
 * (wsq_encode.c): both must agree to the sample on where every subband lies.
 * Never: allocate, fail (the layout is arithmetic on the image size).
 */
#include <string.h>

#include "bio/wsq_internal.h"

/* Split a length in two; `first_small` gives the odd sample to the second half. */
static void halves(int len, int first_small, int *a, int *b)
{
    if (len % 2 == 0) {
        *a = *b = len / 2;
    } else if (first_small) {
        *a = (len - 1) / 2;
        *b = *a + 1;
    } else {
        *a = (len + 1) / 2;
        *b = *a - 1;
    }
}

/* Node p and its four quadrants c..c+3 (top-left, top-right, bottom-left, bottom-right). */
static void w_split(struct wsq_area *w, int p, int c, int lenx, int leny, int x, int y, int no_br)
{
    w[p].x = x;
    w[p].y = y;
    w[p].lenx = lenx;
    w[p].leny = leny;
    int ax, bx, ay, by;
    halves(lenx, p == 4, &ax, &bx);
    halves(leny, p == 5, &ay, &by);
    w[c].x = w[c + 2].x = x;
    w[c].y = w[c + 1].y = y;
    w[c].lenx = w[c + 2].lenx = ax;
    w[c + 1].lenx = bx;
    w[c + 1].x = x + ax;
    w[c].leny = w[c + 1].leny = ay;
    w[c + 2].leny = by;
    w[c + 2].y = y + ay;
    if (!no_br) {
        w[c + 3].x = w[c + 1].x;
        w[c + 3].lenx = bx;
        w[c + 3].y = w[c + 2].y;
        w[c + 3].leny = by;
    }
}

/* Four subbands of an area: quadrants, the odd sample going to the first half. */
static void q_split4(struct wsq_area *q, int p, int lenx, int leny, int x, int y)
{
    int ax, bx, ay, by;
    halves(lenx, 0, &ax, &bx);
    halves(leny, 0, &ay, &by);
    for (int i = 0; i < 4; i++) {
        q[p + i].x = (i & 1) ? x + ax : x;
        q[p + i].lenx = (i & 1) ? bx : ax;
        q[p + i].y = (i & 2) ? y + ay : y;
        q[p + i].leny = (i & 2) ? by : ay;
    }
}

/*
 * Sixteen subbands of an area: split in four (rw / cl: along rows / columns the high band
 * comes first, so the odd sample goes to the second half), then each quadrant in four. The
 * second-level splits follow the spec's tables, which are not all plain halvings.
 */
static void q_split16(struct wsq_area *q, int p, int lenx, int leny, int x, int y, int rw, int cl)
{
    int tx, t2x, ty, t2y;
    halves(lenx, cl, &tx, &t2x);
    halves(leny, rw, &ty, &t2y);
    int ax, bx, ay, by;
    /* top-left quadrant: tx x ty */
    halves(tx, 0, &ax, &bx);
    halves(ty, 0, &ay, &by);
    q[p].x = q[p + 2].x = x;
    q[p].y = q[p + 1].y = y;
    q[p].lenx = q[p + 2].lenx = ax;
    q[p + 1].lenx = q[p + 3].lenx = bx;
    q[p + 1].x = q[p + 3].x = x + ax;
    q[p].leny = q[p + 1].leny = ay;
    q[p + 2].leny = q[p + 3].leny = by;
    q[p + 2].y = q[p + 3].y = y + ay;
    /* top-right quadrant: t2x wide; its odd column goes to the right */
    halves(t2x, 1, &ax, &bx);
    for (int i = 4; i < 8; i++) {
        q[p + i].x = x + tx + ((i & 1) ? ax : 0);
        q[p + i].lenx = (i & 1) ? bx : ax;
        q[p + i].y = (i < 6) ? y : q[p + 2].y;
        q[p + i].leny = (i < 6) ? q[p].leny : q[p + 2].leny;
    }
    /* bottom-left quadrant: t2y high; its odd row goes to the bottom */
    halves(t2y, 1, &ay, &by);
    for (int i = 8; i < 12; i++) {
        q[p + i].x = (i & 1) ? q[p + 1].x : x;
        q[p + i].lenx = (i & 1) ? q[p + 1].lenx : q[p].lenx;
        q[p + i].y = y + ty + ((i < 10) ? 0 : ay);
        q[p + i].leny = (i < 10) ? ay : by;
    }
    /* bottom-right quadrant: columns of the top-right, rows of the bottom-left */
    for (int i = 12; i < 16; i++) {
        q[p + i].x = q[p + 4 + (i & 1)].x;
        q[p + i].lenx = q[p + 4 + (i & 1)].lenx;
        q[p + i].y = q[p + 8 + ((i < 14) ? 0 : 2)].y;
        q[p + i].leny = q[p + 8 + ((i < 14) ? 0 : 2)].leny;
    }
}

void wsq_trees(int width, int height, struct wsq_area w[WSQ_W_NODES],
               struct wsq_area q[WSQ_Q_BANDS])
{
    memset(w, 0, sizeof(struct wsq_area) * WSQ_W_NODES);
    memset(q, 0, sizeof(struct wsq_area) * WSQ_Q_BANDS);
    static const int inv_row[] = {2, 4, 7, 9, 11, 13, 16, 18};
    static const int inv_col[] = {3, 5, 8, 9, 12, 13, 17, 18};
    for (size_t i = 0; i < sizeof inv_row / sizeof inv_row[0]; i++) {
        w[inv_row[i]].inv_row = 1;
        w[inv_col[i]].inv_col = 1;
    }
    w_split(w, 0, 1, width, height, 0, 0, 1);
    int lx, lx2, ly, ly2;
    halves(w[1].lenx, 0, &lx, &lx2);
    halves(w[1].leny, 0, &ly, &ly2);
    w_split(w, 4, 6, lx2, ly, lx, 0, 0);
    w_split(w, 5, 10, lx, ly2, 0, ly, 0);
    w_split(w, 14, 15, lx, ly, 0, 0, 0);
    w[19].x = w[19].y = 0;
    w[19].lenx = (w[15].lenx + 1) / 2;
    w[19].leny = (w[15].leny + 1) / 2;

    q_split16(q, 3, w[14].lenx, w[14].leny, w[14].x, w[14].y, 0, 0);
    q_split16(q, 19, w[4].lenx, w[4].leny, w[4].x, w[4].y, 0, 1);
    q_split16(q, 48, w[0].lenx, w[0].leny, w[0].x, w[0].y, 0, 0);
    q_split16(q, 35, w[5].lenx, w[5].leny, w[5].x, w[5].y, 1, 0);
    q_split4(q, 0, w[19].lenx, w[19].leny, w[19].x, w[19].y);
}

package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static tornadovae.kernels.jvm.Sgemm.MR;
import static tornadovae.kernels.jvm.Sgemm.NR_256;

/**
 * {@link Sgemm}'s packing: op(A) into [panel][p][MR], op(B) into [panel][p][nr], edge panels
 * zero-padded. Packing absorbs all four transpose forms, so the micro-kernels ({@link SgemmTiles})
 * see one layout.
 */
final class SgemmPacking {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;

    private SgemmPacking() {}

    // Two-source lane shuffles for in-register transposes (three butterfly stages of an 8×8).
    private static final VectorShuffle<Float> PAIR_LO = VectorShuffle.fromValues(S, 0, 8, 1, 9, 4, 12, 5, 13);
    private static final VectorShuffle<Float> PAIR_HI = VectorShuffle.fromValues(S, 2, 10, 3, 11, 6, 14, 7, 15);
    private static final VectorShuffle<Float> QUAD_LO = VectorShuffle.fromValues(S, 0, 1, 8, 9, 4, 5, 12, 13);
    private static final VectorShuffle<Float> QUAD_HI = VectorShuffle.fromValues(S, 2, 3, 10, 11, 6, 7, 14, 15);
    private static final VectorShuffle<Float> HALF_LO = VectorShuffle.fromValues(S, 0, 1, 2, 3, 8, 9, 10, 11);
    private static final VectorShuffle<Float> HALF_HI = VectorShuffle.fromValues(S, 4, 5, 6, 7, 12, 13, 14, 15);

    /** A stored [m][k]: rows ic.., k range pc... Full panels go 8 k at a time through a 4×8 transpose. */
    static void packA(float[] dst, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc) {
        int d = 0;
        for (int ir = 0; ir < mc; ir += MR, d += kc * MR) {
            int mr = Math.min(MR, mc - ir);
            int row = aOff + (ic + ir) * lda + pc;
            int p = 0;
            if (mr == MR) {
                for (; p + 8 <= kc; p += 8) {
                    FloatVector r0 = FloatVector.fromArray(S, a, row + p);
                    FloatVector r1 = FloatVector.fromArray(S, a, row + lda + p);
                    FloatVector r2 = FloatVector.fromArray(S, a, row + 2 * lda + p);
                    FloatVector r3 = FloatVector.fromArray(S, a, row + 3 * lda + p);
                    FloatVector t0 = r0.rearrange(PAIR_LO, r1), t1 = r0.rearrange(PAIR_HI, r1);
                    FloatVector t2 = r2.rearrange(PAIR_LO, r3), t3 = r2.rearrange(PAIR_HI, r3);
                    FloatVector u0 = t0.rearrange(QUAD_LO, t2), u1 = t0.rearrange(QUAD_HI, t2);  // k p|p+4, k p+1|p+5
                    FloatVector u2 = t1.rearrange(QUAD_LO, t3), u3 = t1.rearrange(QUAD_HI, t3);  // k p+2|p+6, k p+3|p+7
                    int o = d + p * MR;
                    u0.rearrange(HALF_LO, u1).intoArray(dst, o);
                    u2.rearrange(HALF_LO, u3).intoArray(dst, o + 8);
                    u0.rearrange(HALF_HI, u1).intoArray(dst, o + 16);
                    u2.rearrange(HALF_HI, u3).intoArray(dst, o + 24);
                }
            }
            for (; p < kc; p++)
                for (int ii = 0; ii < MR; ii++) dst[d + p * MR + ii] = ii < mr ? a[row + ii * lda + p] : 0f;
        }
    }

    /** A stored [k][m] (transA): rows ic.., k range pc... A panel row is 4 contiguous floats. */
    static void packATrans(float[] dst, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc) {
        int d = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int col = aOff + pc * lda + ic + ir;
            if (mr == MR) {
                for (int p = 0; p < kc; p++, d += MR) FloatVector.fromArray(S4, a, col + p * lda).intoArray(dst, d);
            } else {
                for (int p = 0; p < kc; p++, d += MR)
                    for (int ii = 0; ii < MR; ii++) dst[d + ii] = ii < mr ? a[col + p * lda + ii] : 0f;
            }
        }
    }

    /**
     * The width of a column panel with `cols` of C's columns: nr, except that a last panel of at most
     * NR_256 columns in a 512-bit SGEMM is packed and multiplied 16 wide (the 4×16 tile), so a
     * product of 9, 20 or 144 columns does not pay for 32-column tiles of zeros.
     */
    static int panelWidth(int cols, int nr) { return cols <= NR_256 ? NR_256 : nr; }

    /** B stored [k][n]: columns jc.., k range pc... A panel row is nr contiguous floats (see panelWidth). */
    static void packB(float[] dst, float[] b, int bOff, int ldb, int jc, int nc, int pc, int kc, int nr) {
        int d = 0;
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr), w = panelWidth(cols, nr);
            int col = bOff + pc * ldb + jc + jr;
            if (cols == w) {
                for (int p = 0; p < kc; p++, d += w) {
                    int s = col + p * ldb;
                    for (int v = 0; v < w; v += 8) FloatVector.fromArray(S, b, s + v).intoArray(dst, d + v);
                }
            } else {
                for (int p = 0; p < kc; p++, d += w)
                    for (int jj = 0; jj < w; jj++) dst[d + jj] = jj < cols ? b[col + p * ldb + jj] : 0f;
            }
        }
    }

    /**
     * B stored [n][k] (transB): columns jc.., k range pc... Each half of a full panel goes 8 k at a
     * time through an 8×8 in-register transpose: twice as fast as scalar copies, which matters
     * because every dense forward packs its weight matrix this way.
     */
    static void packBTrans(float[] dst, float[] b, int bOff, int ldb, int jc, int nc, int pc, int kc, int nr) {
        int d = 0;
        for (int jr = 0; jr < nc; jr += nr, d += kc * nr) {
            int cols = Math.min(nr, nc - jr), w = panelWidth(cols, nr);
            for (int half = 0; half < w; half += 8) {
                int rows = Math.max(0, Math.min(8, cols - half));
                int row = bOff + (jc + jr + half) * ldb + pc;
                int p = 0;
                if (rows == 8) {
                    for (; p + 8 <= kc; p += 8) {
                        FloatVector r0 = FloatVector.fromArray(S, b, row + p);
                        FloatVector r1 = FloatVector.fromArray(S, b, row + ldb + p);
                        FloatVector r2 = FloatVector.fromArray(S, b, row + 2 * ldb + p);
                        FloatVector r3 = FloatVector.fromArray(S, b, row + 3 * ldb + p);
                        FloatVector r4 = FloatVector.fromArray(S, b, row + 4 * ldb + p);
                        FloatVector r5 = FloatVector.fromArray(S, b, row + 5 * ldb + p);
                        FloatVector r6 = FloatVector.fromArray(S, b, row + 6 * ldb + p);
                        FloatVector r7 = FloatVector.fromArray(S, b, row + 7 * ldb + p);
                        FloatVector t0 = r0.rearrange(PAIR_LO, r1), t1 = r0.rearrange(PAIR_HI, r1);
                        FloatVector t2 = r2.rearrange(PAIR_LO, r3), t3 = r2.rearrange(PAIR_HI, r3);
                        FloatVector t4 = r4.rearrange(PAIR_LO, r5), t5 = r4.rearrange(PAIR_HI, r5);
                        FloatVector t6 = r6.rearrange(PAIR_LO, r7), t7 = r6.rearrange(PAIR_HI, r7);
                        FloatVector u0 = t0.rearrange(QUAD_LO, t2), u1 = t0.rearrange(QUAD_HI, t2);
                        FloatVector u2 = t1.rearrange(QUAD_LO, t3), u3 = t1.rearrange(QUAD_HI, t3);
                        FloatVector u4 = t4.rearrange(QUAD_LO, t6), u5 = t4.rearrange(QUAD_HI, t6);
                        FloatVector u6 = t5.rearrange(QUAD_LO, t7), u7 = t5.rearrange(QUAD_HI, t7);
                        int o = d + p * w + half;
                        u0.rearrange(HALF_LO, u4).intoArray(dst, o);
                        u1.rearrange(HALF_LO, u5).intoArray(dst, o + w);
                        u2.rearrange(HALF_LO, u6).intoArray(dst, o + 2 * w);
                        u3.rearrange(HALF_LO, u7).intoArray(dst, o + 3 * w);
                        u0.rearrange(HALF_HI, u4).intoArray(dst, o + 4 * w);
                        u1.rearrange(HALF_HI, u5).intoArray(dst, o + 5 * w);
                        u2.rearrange(HALF_HI, u6).intoArray(dst, o + 6 * w);
                        u3.rearrange(HALF_HI, u7).intoArray(dst, o + 7 * w);
                    }
                }
                for (int jj = 0; jj < 8; jj++) {
                    int src = row + jj * ldb;
                    for (int q = p; q < kc; q++) dst[d + q * w + half + jj] = jj < rows ? b[src + q] : 0f;
                }
            }
        }
    }
}

package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static tornadovae.kernels.jvm.Sgemm.MR;
import static tornadovae.kernels.jvm.Sgemm.NR_256;
import static tornadovae.kernels.jvm.Sgemm.NR_512;
import static tornadovae.kernels.jvm.SgemmPacking.panelWidth;

/** {@link Sgemm}'s macro-kernel and its two micro-kernels, over blocks packed by {@link SgemmPacking}. */
final class SgemmTiles {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;

    private SgemmTiles() {}

    /**
     * C block at cOff (row stride ldc), mc×nc, from packed A (mc×kc) and packed B (kc×nc) in panels
     * of nr columns.
     *
     * Full tiles by loop bounds, the partial ones of the last row and column panels in
     * {@link #edgeTiles}: not by a branch per tile. With the branch, C2 compiled the edge path as an
     * uncommon trap while the first products had only full tiles, then threw the whole compile away
     * at the first n = 20 or 40 (an unstable_if deoptimisation in every run's log). The test of nr
     * is no such branch: a process's SGEMMs all have the platform's width (only tests mix them).
     */
    static void macroKernel(float[] c, int cOff, int ldc, int mc, int nc, int kc,
                            float[] ap, float[] bp, boolean overwrite, float[] tmp, int nr) {
        int ncFull = nc - nc % nr, mcFull = mc - mc % MR;
        fullTiles(c, cOff, ldc, 0, mcFull, 0, ncFull, kc, ap, bp, overwrite, nr);
        if (ncFull < nc || mcFull < mc) edgeTiles(c, cOff, ldc, mc, nc, kc, ap, bp, overwrite, tmp, mcFull, ncFull, nr);
    }

    private static void fullTiles(float[] c, int cOff, int ldc, int ir0, int ir1, int jr0, int jr1, int kc,
                                  float[] ap, float[] bp, boolean overwrite, int nr) {
        if (nr == NR_512) tiles512(c, cOff, ldc, ir0, ir1, jr0, jr1, kc, ap, bp, overwrite);
        else tiles(c, cOff, ldc, ir0, ir1, jr0, jr1, kc, ap, bp, overwrite);
    }

    /**
     * The 256-bit micro-kernel over row panels [ir0, ir1) × column panels [jr0, jr1) (multiples of MR
     * and NR_256): each MR×NR_256 tile from its packed panels, written to C at cOff + ir·ldc + jr.
     * Everything vector stays in this one method: a vector passed to a non-inlined helper gets boxed.
     */
    static void tiles(float[] c, int cOff, int ldc, int ir0, int ir1, int jr0, int jr1, int kc,
                      float[] ap, float[] bp, boolean overwrite) {
        for (int jr = jr0; jr < jr1; jr += NR_256) {
            int bBase = jr * kc;                     // (jr / NR_256) * kc * NR_256
            for (int ir = ir0; ir < ir1; ir += MR) {
                int ai = ir * kc, bi = bBase;        // (ir / MR) * kc * MR
                FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
                FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
                FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
                FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
                for (int p = 0; p < kc; p++, ai += MR, bi += NR_256) {
                    FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                    FloatVector b1 = FloatVector.fromArray(S, bp, bi + 8);
                    FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                }
                int r0 = cOff + ir * ldc + jr, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
                if (!overwrite) {
                    c00 = c00.add(FloatVector.fromArray(S, c, r0));
                    c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
                    c10 = c10.add(FloatVector.fromArray(S, c, r1));
                    c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
                    c20 = c20.add(FloatVector.fromArray(S, c, r2));
                    c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
                    c30 = c30.add(FloatVector.fromArray(S, c, r3));
                    c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
                }
                c00.intoArray(c, r0);
                c01.intoArray(c, r0 + 8);
                c10.intoArray(c, r1);
                c11.intoArray(c, r1 + 8);
                c20.intoArray(c, r2);
                c21.intoArray(c, r2 + 8);
                c30.intoArray(c, r3);
                c31.intoArray(c, r3 + 8);
            }
        }
    }

    /**
     * The same on 512-bit vectors: MR×NR_512 tiles; each element's FMAs in the same order, so the same
     * bits. A copy of {@link #tiles} rather than one method taking the species: C2 intrinsifies the
     * Vector API only where the species is a constant, and the boxed fallback is ~100 times slower.
     */
    static void tiles512(float[] c, int cOff, int ldc, int ir0, int ir1, int jr0, int jr1, int kc,
                         float[] ap, float[] bp, boolean overwrite) {
        for (int jr = jr0; jr < jr1; jr += NR_512) {
            int bBase = jr * kc;                     // (jr / NR_512) * kc * NR_512
            for (int ir = ir0; ir < ir1; ir += MR) {
                int ai = ir * kc, bi = bBase;        // (ir / MR) * kc * MR
                FloatVector c00 = FloatVector.zero(S16), c01 = FloatVector.zero(S16);
                FloatVector c10 = FloatVector.zero(S16), c11 = FloatVector.zero(S16);
                FloatVector c20 = FloatVector.zero(S16), c21 = FloatVector.zero(S16);
                FloatVector c30 = FloatVector.zero(S16), c31 = FloatVector.zero(S16);
                for (int p = 0; p < kc; p++, ai += MR, bi += NR_512) {
                    FloatVector b0 = FloatVector.fromArray(S16, bp, bi);
                    FloatVector b1 = FloatVector.fromArray(S16, bp, bi + 16);
                    FloatVector a0 = FloatVector.broadcast(S16, ap[ai]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    FloatVector a1 = FloatVector.broadcast(S16, ap[ai + 1]);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    FloatVector a2 = FloatVector.broadcast(S16, ap[ai + 2]);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    FloatVector a3 = FloatVector.broadcast(S16, ap[ai + 3]);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                }
                int r0 = cOff + ir * ldc + jr, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
                if (!overwrite) {
                    c00 = c00.add(FloatVector.fromArray(S16, c, r0));
                    c01 = c01.add(FloatVector.fromArray(S16, c, r0 + 16));
                    c10 = c10.add(FloatVector.fromArray(S16, c, r1));
                    c11 = c11.add(FloatVector.fromArray(S16, c, r1 + 16));
                    c20 = c20.add(FloatVector.fromArray(S16, c, r2));
                    c21 = c21.add(FloatVector.fromArray(S16, c, r2 + 16));
                    c30 = c30.add(FloatVector.fromArray(S16, c, r3));
                    c31 = c31.add(FloatVector.fromArray(S16, c, r3 + 16));
                }
                c00.intoArray(c, r0);
                c01.intoArray(c, r0 + 16);
                c10.intoArray(c, r1);
                c11.intoArray(c, r1 + 16);
                c20.intoArray(c, r2);
                c21.intoArray(c, r2 + 16);
                c30.intoArray(c, r3);
                c31.intoArray(c, r3 + 16);
            }
        }
    }

    /**
     * {@link #tiles512} over all of an mc×nc block (multiples of MR and NR_512) with B read where it lies, not
     * from packed panels: B's element (k = p, n = j) is src[rowOff[p0 + p] + colOff[j0 + j]], and each half of a
     * 32-column tile (16 columns from a multiple of 16) is a run in src. The same values in the same FMA order as
     * packing them first, so the same bits; what it saves is writing B's block and reading it back (a whole L2's
     * worth on rgb128-conv's 32×32-pixel layers, whose m = 32 rows reuse each packed float only 32 times).
     * A copy of tiles512's body with other loads, for tiles512's reason: the vectors must stay in one method.
     */
    static void tiles512Direct(float[] c, int cOff, int ldc, int mc, int nc, int kc, float[] ap,
                               float[] src, int[] colOff, int j0, int[] rowOff, int p0, boolean overwrite) {
        for (int jr = 0; jr < nc; jr += NR_512) {
            int h0 = colOff[j0 + jr], h1 = colOff[j0 + jr + 16];
            for (int ir = 0; ir < mc; ir += MR) {
                int ai = ir * kc;
                FloatVector c00 = FloatVector.zero(S16), c01 = FloatVector.zero(S16);
                FloatVector c10 = FloatVector.zero(S16), c11 = FloatVector.zero(S16);
                FloatVector c20 = FloatVector.zero(S16), c21 = FloatVector.zero(S16);
                FloatVector c30 = FloatVector.zero(S16), c31 = FloatVector.zero(S16);
                for (int p = 0; p < kc; p++, ai += MR) {
                    int t = rowOff[p0 + p];
                    FloatVector b0 = FloatVector.fromArray(S16, src, t + h0);
                    FloatVector b1 = FloatVector.fromArray(S16, src, t + h1);
                    FloatVector a0 = FloatVector.broadcast(S16, ap[ai]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    FloatVector a1 = FloatVector.broadcast(S16, ap[ai + 1]);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    FloatVector a2 = FloatVector.broadcast(S16, ap[ai + 2]);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    FloatVector a3 = FloatVector.broadcast(S16, ap[ai + 3]);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                }
                int r0 = cOff + ir * ldc + jr, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
                if (!overwrite) {
                    c00 = c00.add(FloatVector.fromArray(S16, c, r0));
                    c01 = c01.add(FloatVector.fromArray(S16, c, r0 + 16));
                    c10 = c10.add(FloatVector.fromArray(S16, c, r1));
                    c11 = c11.add(FloatVector.fromArray(S16, c, r1 + 16));
                    c20 = c20.add(FloatVector.fromArray(S16, c, r2));
                    c21 = c21.add(FloatVector.fromArray(S16, c, r2 + 16));
                    c30 = c30.add(FloatVector.fromArray(S16, c, r3));
                    c31 = c31.add(FloatVector.fromArray(S16, c, r3 + 16));
                }
                c00.intoArray(c, r0);
                c01.intoArray(c, r0 + 16);
                c10.intoArray(c, r1);
                c11.intoArray(c, r1 + 16);
                c20.intoArray(c, r2);
                c21.intoArray(c, r2 + 16);
                c30.intoArray(c, r3);
                c31.intoArray(c, r3 + 16);
            }
        }
    }

    /**
     * {@link #tiles512} over an mc×nc block (multiples of MR and NR_512) with A read where it lies: A's element
     * (i, p) is src[rowOff[r0 + i] + colOff[p0 + p]]. Each A element is broadcast, as from a packed panel, so the
     * same FMAs in the same order: the same bits. A copy of tiles512's body, for the same reason as above.
     */
    static void tiles512DirectA(float[] c, int cOff, int ldc, int mc, int nc, int kc, float[] src, int[] rowOff, int r0,
                                int[] colOff, int p0, float[] bp, boolean overwrite) {
        for (int jr = 0; jr < nc; jr += NR_512) {
            int bBase = jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int t0 = rowOff[r0 + ir], t1 = rowOff[r0 + ir + 1], t2 = rowOff[r0 + ir + 2], t3 = rowOff[r0 + ir + 3];
                int bi = bBase;
                FloatVector c00 = FloatVector.zero(S16), c01 = FloatVector.zero(S16);
                FloatVector c10 = FloatVector.zero(S16), c11 = FloatVector.zero(S16);
                FloatVector c20 = FloatVector.zero(S16), c21 = FloatVector.zero(S16);
                FloatVector c30 = FloatVector.zero(S16), c31 = FloatVector.zero(S16);
                for (int p = 0; p < kc; p++, bi += NR_512) {
                    int q = colOff[p0 + p];
                    FloatVector b0 = FloatVector.fromArray(S16, bp, bi);
                    FloatVector b1 = FloatVector.fromArray(S16, bp, bi + 16);
                    FloatVector a0 = FloatVector.broadcast(S16, src[t0 + q]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    FloatVector a1 = FloatVector.broadcast(S16, src[t1 + q]);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    FloatVector a2 = FloatVector.broadcast(S16, src[t2 + q]);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    FloatVector a3 = FloatVector.broadcast(S16, src[t3 + q]);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                }
                int r0c = cOff + ir * ldc + jr, r1c = r0c + ldc, r2c = r1c + ldc, r3c = r2c + ldc;
                if (!overwrite) {
                    c00 = c00.add(FloatVector.fromArray(S16, c, r0c));
                    c01 = c01.add(FloatVector.fromArray(S16, c, r0c + 16));
                    c10 = c10.add(FloatVector.fromArray(S16, c, r1c));
                    c11 = c11.add(FloatVector.fromArray(S16, c, r1c + 16));
                    c20 = c20.add(FloatVector.fromArray(S16, c, r2c));
                    c21 = c21.add(FloatVector.fromArray(S16, c, r2c + 16));
                    c30 = c30.add(FloatVector.fromArray(S16, c, r3c));
                    c31 = c31.add(FloatVector.fromArray(S16, c, r3c + 16));
                }
                c00.intoArray(c, r0c);
                c01.intoArray(c, r0c + 16);
                c10.intoArray(c, r1c);
                c11.intoArray(c, r1c + 16);
                c20.intoArray(c, r2c);
                c21.intoArray(c, r2c + 16);
                c30.intoArray(c, r3c);
                c31.intoArray(c, r3c + 16);
            }
        }
    }

    /**
     * The partial tiles: column panel [ncFull, nc) for every row panel (16 wide if it can be, see
     * panelWidth), and row panel [mcFull, mc) for the full column panels. Each is the full
     * micro-kernel over the zero-padded panels (an element sees the same FMAs in the same order),
     * into tmp, of which only the elements inside C are written.
     */
    static void edgeTiles(float[] c, int cOff, int ldc, int mc, int nc, int kc, float[] ap, float[] bp,
                          boolean overwrite, float[] tmp, int mcFull, int ncFull, int nr) {
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr), w = panelWidth(cols, nr);
            for (int ir = jr < ncFull ? mcFull : 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                fullTiles(tmp, -(ir * w + jr), w, ir, ir + MR, jr, jr + w, kc, ap, bp, true, w);   // the tile at tmp[0], rows w apart
                int r0 = cOff + ir * ldc + jr;
                for (int ii = 0; ii < rows; ii++) {
                    int row = r0 + ii * ldc;
                    for (int jj = 0; jj < cols; jj++) {
                        float v = tmp[ii * w + jj];
                        c[row + jj] = overwrite ? v : c[row + jj] + v;
                    }
                }
            }
        }
    }
}

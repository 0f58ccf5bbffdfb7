package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops of the direct convolutions that {@link ConvLowering} runs when the wide side X has
 * few taps (Cx·k² ≤ {@link #MAX_TAPS}: the first layer of an image encoder and the last of its
 * decoder), one image at a time, vectorised over Y's pixels with the operands where they lie.
 *
 * Why not the packed SGEMM there: with K = 9 (one channel, 3×3) or N = 9 every GEMM element is a
 * handful of FMAs, so packing, the channel-major copies and the zero-padded edge panels cost more
 * than the arithmetic. On mnist-conv its five thin ops took ~2.5 ms a training step at 15–30 GFLOP/s.
 *
 * {@link #rows} keeps the SGEMM's bits: one element is an fma chain over k in k order from zero (k ≤
 * {@link Sgemm#KC}, so a single k block), then + bias where Y from X added it. {@link #accumulateDots}
 * does not: it sums along the pixels in vector lanes (see {@link ConvLowering}'s thin weight gradient
 * for the fixed order that keeps it independent of the thread count).
 */
final class ThinConv {
    private ThinConv() {}

    /** Wide sides with at most this many taps go direct (mnist-conv 9, mnist-conv4 16, RGB 3×3 27). */
    static final int MAX_TAPS = 32;
    /**
     * The same for X from Y and the weight gradient, which also take RGB at 4×4 (48 taps: rgb128-conv's
     * image layers). There, at batch 64, direct loops took ~11 ms an op against ~16-18 for col2im or
     * the lowered weight gradient; Y from X went the other way (~7 ms by the implicit im2col, ~9.5 direct).
     */
    static final int MAX_TAPS_X_SIDE = 48;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes of the preferred vector (16 on AVX-512, 8 on AVX2): {@link #rows}' bits do not depend on it. */
    private static final int LANES = S.length();
    /**
     * The weight gradient's sums run in 8 lanes on every platform: their bits depend on the lane count,
     * and a run must give the same bits on AVX2 and AVX-512 machines. (Zen 4 executes a 512-bit FMA as
     * two 256-bit halves anyway.)
     */
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    static final int DOT_LANES = 8;

    /**
     * out[i][q] = Σ_k a[aOff + i·ai + k·ak] · b[bOff + k·bs + q] for i < m, q < n, each an fma chain in
     * k order from zero, then + add[addOff + i] (0 where add is NO_ARRAY) when plus; rows of out at
     * outOff + i·os. Blocks of 4 rows × 2 vectors (a broadcast weight feeds two FMAs); the last part
     * of a row is one masked vector, not a scalar loop (which had cost ~40% of the time at n = 196).
     */
    static void rows(float[] out, int outOff, int os, float[] a, int aOff, int ai, int ak, float[] b, int bOff, int bs,
                     int m, int k, int n, float[] add, int addOff, boolean plus) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOff + i * ai, a1 = a0 + ai, a2 = a1 + ai, a3 = a2 + ai;
            float p0 = addend(add, addOff + i, plus), p1 = addend(add, addOff + i + 1, plus),
                  p2 = addend(add, addOff + i + 2, plus), p3 = addend(add, addOff + i + 3, plus);
            int o0 = outOff + i * os, o1 = o0 + os, o2 = o1 + os, o3 = o2 + os, q = 0;
            for (; q + 2 * LANES <= n; q += 2 * LANES) {
                FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
                for (int kk = 0, bi = bOff + q, at = 0; kk < k; kk++, bi += bs, at += ak) {
                    FloatVector v = FloatVector.fromArray(S, b, bi), u = FloatVector.fromArray(S, b, bi + LANES);
                    FloatVector w0 = FloatVector.broadcast(S, a[a0 + at]), w1 = FloatVector.broadcast(S, a[a1 + at]),
                                w2 = FloatVector.broadcast(S, a[a2 + at]), w3 = FloatVector.broadcast(S, a[a3 + at]);
                    c0 = v.fma(w0, c0); c1 = v.fma(w1, c1); c2 = v.fma(w2, c2); c3 = v.fma(w3, c3);
                    d0 = u.fma(w0, d0); d1 = u.fma(w1, d1); d2 = u.fma(w2, d2); d3 = u.fma(w3, d3);
                }
                if (plus) {
                    c0 = c0.add(p0); c1 = c1.add(p1); c2 = c2.add(p2); c3 = c3.add(p3);
                    d0 = d0.add(p0); d1 = d1.add(p1); d2 = d2.add(p2); d3 = d3.add(p3);
                }
                c0.intoArray(out, o0 + q); c1.intoArray(out, o1 + q); c2.intoArray(out, o2 + q); c3.intoArray(out, o3 + q);
                d0.intoArray(out, o0 + q + LANES); d1.intoArray(out, o1 + q + LANES);
                d2.intoArray(out, o2 + q + LANES); d3.intoArray(out, o3 + q + LANES);
            }
            for (; q < n; q += LANES) {   // at most one whole vector, then at most one partial one
                VectorMask<Float> in = S.indexInRange(q, n);
                FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
                for (int kk = 0, bi = bOff + q, at = 0; kk < k; kk++, bi += bs, at += ak) {
                    FloatVector v = FloatVector.fromArray(S, b, bi, in);
                    c0 = v.fma(FloatVector.broadcast(S, a[a0 + at]), c0);
                    c1 = v.fma(FloatVector.broadcast(S, a[a1 + at]), c1);
                    c2 = v.fma(FloatVector.broadcast(S, a[a2 + at]), c2);
                    c3 = v.fma(FloatVector.broadcast(S, a[a3 + at]), c3);
                }
                if (plus) { c0 = c0.add(p0); c1 = c1.add(p1); c2 = c2.add(p2); c3 = c3.add(p3); }
                c0.intoArray(out, o0 + q, in); c1.intoArray(out, o1 + q, in);
                c2.intoArray(out, o2 + q, in); c3.intoArray(out, o3 + q, in);
            }
        }
        for (; i < m; i++) {
            int a0 = aOff + i * ai, o0 = outOff + i * os;
            float p0 = addend(add, addOff + i, plus);
            for (int q = 0; q < n; q += LANES) {
                VectorMask<Float> in = S.indexInRange(q, n);
                FloatVector c0 = FloatVector.zero(S);
                for (int kk = 0, bi = bOff + q, at = a0; kk < k; kk++, bi += bs, at += ak)
                    c0 = FloatVector.fromArray(S, b, bi, in).fma(FloatVector.broadcast(S, a[at]), c0);
                if (plus) c0 = c0.add(p0);
                c0.intoArray(out, o0 + q, in);
            }
        }
    }

    private static float addend(float[] add, int at, boolean plus) {
        return !plus || add == ConvLowering.NO_ARRAY ? 0f : add[at];
    }

    /**
     * For i < m, t < taps: lanes[(i·taps + t)·DOT_LANES + l] += Σ over q ≡ l (mod DOT_LANES), q < n, in
     * q order, of y[yOff + i·ys + q] · col[colOff + t·cs + q]. One image's contribution to the thin
     * weight gradient. Blocks of 2 rows × 4 taps (a col load feeds two FMAs, a y load four); the last
     * part of a row is one masked vector.
     */
    static void accumulateDots(float[] lanes, float[] y, int yOff, int ys, float[] col, int colOff, int cs,
                               int m, int taps, int n) {
        int full = n - n % DOT_LANES, i = 0;
        for (; i + 2 <= m; i += 2) {
            int y0 = yOff + i * ys, y1 = y0 + ys, t = 0;
            for (; t + 4 <= taps; t += 4) {
                int l0 = (i * taps + t) * DOT_LANES, l1 = l0 + taps * DOT_LANES, r0 = colOff + t * cs;
                FloatVector s0 = load(lanes, l0, 0), s1 = load(lanes, l0, 1), s2 = load(lanes, l0, 2), s3 = load(lanes, l0, 3);
                FloatVector u0 = load(lanes, l1, 0), u1 = load(lanes, l1, 1), u2 = load(lanes, l1, 2), u3 = load(lanes, l1, 3);
                for (int q = 0; q < full; q += DOT_LANES) {
                    FloatVector v = FloatVector.fromArray(S8, y, y0 + q), w = FloatVector.fromArray(S8, y, y1 + q);
                    FloatVector k0 = FloatVector.fromArray(S8, col, r0 + q), k1 = FloatVector.fromArray(S8, col, r0 + cs + q),
                                k2 = FloatVector.fromArray(S8, col, r0 + 2 * cs + q), k3 = FloatVector.fromArray(S8, col, r0 + 3 * cs + q);
                    s0 = v.fma(k0, s0); s1 = v.fma(k1, s1); s2 = v.fma(k2, s2); s3 = v.fma(k3, s3);
                    u0 = w.fma(k0, u0); u1 = w.fma(k1, u1); u2 = w.fma(k2, u2); u3 = w.fma(k3, u3);
                }
                s0.intoArray(lanes, l0); s1.intoArray(lanes, l0 + DOT_LANES);
                s2.intoArray(lanes, l0 + 2 * DOT_LANES); s3.intoArray(lanes, l0 + 3 * DOT_LANES);
                u0.intoArray(lanes, l1); u1.intoArray(lanes, l1 + DOT_LANES);
                u2.intoArray(lanes, l1 + 2 * DOT_LANES); u3.intoArray(lanes, l1 + 3 * DOT_LANES);
                if (full < n)   // after the unmasked loop: each lane's last term, as in the loop's order
                    for (int j = 0; j < 4; j++) {
                        dotTail(lanes, l0 + j * DOT_LANES, y, y0, col, r0 + j * cs, full, n);
                        dotTail(lanes, l1 + j * DOT_LANES, y, y1, col, r0 + j * cs, full, n);
                    }
            }
            for (; t < taps; t++) {
                dotsRowTap(lanes, (i * taps + t) * DOT_LANES, y, y0, col, colOff + t * cs, n, full);
                dotsRowTap(lanes, ((i + 1) * taps + t) * DOT_LANES, y, y1, col, colOff + t * cs, n, full);
            }
        }
        for (; i < m; i++)
            for (int t = 0; t < taps; t++)
                dotsRowTap(lanes, (i * taps + t) * DOT_LANES, y, yOff + i * ys, col, colOff + t * cs, n, full);
    }

    private static FloatVector load(float[] lanes, int at, int v) { return FloatVector.fromArray(S8, lanes, at + v * DOT_LANES); }

    /** One (row, tap) pair of {@link #accumulateDots}. */
    private static void dotsRowTap(float[] lanes, int l, float[] y, int yr, float[] col, int r, int n, int full) {
        FloatVector s = FloatVector.fromArray(S8, lanes, l);
        for (int q = 0; q < full; q += DOT_LANES)
            s = FloatVector.fromArray(S8, y, yr + q).fma(FloatVector.fromArray(S8, col, r + q), s);
        s.intoArray(lanes, l);
        if (full < n) dotTail(lanes, l, y, yr, col, r, full, n);
    }

    /** The masked last vector (pixels [full, n)) of one (row, tap) pair, added into its lanes. */
    private static void dotTail(float[] lanes, int l, float[] y, int yr, float[] col, int r, int full, int n) {
        VectorMask<Float> in = S8.indexInRange(full, n);
        FloatVector.fromArray(S8, y, yr + full, in).fma(FloatVector.fromArray(S8, col, r + full, in), FloatVector.fromArray(S8, lanes, l))
                .intoArray(lanes, l);
    }

    /** sums[i] = the lanes of element i added in lane order: the fixed order of a partial weight gradient. */
    static void finishDots(float[] sums, int sumsOff, float[] lanes, int count) {
        for (int e = 0; e < count; e++) {
            float s = 0f;
            for (int l = 0; l < DOT_LANES; l++) s += lanes[e * DOT_LANES + l];
            sums[sumsOff + e] = s;
        }
    }
}

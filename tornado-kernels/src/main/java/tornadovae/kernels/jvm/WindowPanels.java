package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;

/**
 * im2col(X) as the SGEMM's packed B, laid out as SgemmPacking.packB lays out an array: col itself (element
 * (k = tap r, n = group pixel j) is pad[taps[r] + base[j]]) when tap0 < 0, else colᵀ over the taps
 * from tap0 (element (k = pixel j, n = tap tap0 + t)). The same values as packing col, so the same bits.
 */
final class WindowPanels implements Sgemm.Panels {
    /**
     * The gathers' vectors: 8 lanes, so AVX2 has them too. On the development machine (AVX-512) they
     * took mnist-conv's forward and its mirror from ~2.7 to ~2.25 ms (scalar loads, one element
     * at a time, before), the weight gradients ~3-8% and the whole training step ~4% (in-process A/B).
     * The scatter-add of col2im was tried the same way and was ~13% slower than its scalar loop.
     */
    static final VectorSpecies<Float> GATHER = FloatVector.SPECIES_256;
    /** Lanes 0, 2, .., 14 of two vectors: a stride-2 run of 8 from two plain loads. */
    static final VectorShuffle<Float> EVENS = VectorShuffle.fromValues(GATHER, 0, 2, 4, 6, 8, 10, 12, 14);
    /** Lanes 0..3 of two vectors: two runs of 4 (two rows of a 4×4 kernel's taps, or of 4-pixel images) from two plain loads. */
    private static final VectorShuffle<Float> HALF_LO = VectorShuffle.fromValues(GATHER, 0, 1, 2, 3, 8, 9, 10, 11);
    /**
     * How a chunk of 8 panel columns lies in pad: anywhere (a gather), one run (a load), a stride-2 run
     * or two runs of 4 (two loads and a shuffle).
     */
    private static final int SCATTERED = 0, RUN = 1, RUN2 = 2, HALVES = 3;

    /** Whether full panels load runs of columns instead of gathering them; off only to measure against the gathers. */
    static boolean runLoads = true;

    float[] pad = NO_ARRAY;
    int[] base = new int[0], taps = new int[0];
    int tap0 = -1;
    private final int[] chunk = new int[Sgemm.NR_512 / 8];   // per chunk of the panel being packed: how it lies

    @Override
    public void pack(float[] dst, int jc, int nc, int pc, int kc, int nr) {
        float[] pad = this.pad;
        int[] base = this.base, taps = this.taps;
        int d = 0;
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr), w = SgemmPacking.panelWidth(cols, nr), j0 = jc + jr;
            if (tap0 < 0) {
                if (cols == w) {   // a full panel: runs as loads, the rest as vector gathers
                    int[] kind = chunk;
                    for (int v = 0; v < w; v += 8) kind[v >> 3] = runLoads ? layout(base, j0 + v) : SCATTERED;
                    for (int p = 0; p < kc; p++, d += w) {
                        int t = taps[pc + p];
                        for (int v = 0; v < w; v += 8) {
                            int at = t + base[j0 + v], at4 = t + base[j0 + v + 4], how = kind[v >> 3];
                            FloatVector x;
                            if (how == RUN) x = FloatVector.fromArray(GATHER, pad, at);
                            else if (how == RUN2 && at + 16 <= pad.length)
                                x = FloatVector.fromArray(GATHER, pad, at).rearrange(EVENS, FloatVector.fromArray(GATHER, pad, at + 8));
                            else if (how == HALVES && at4 + 8 <= pad.length)   // rows of 4 pixels (rgb128-conv's 4×4 layers)
                                x = FloatVector.fromArray(GATHER, pad, at).rearrange(HALF_LO, FloatVector.fromArray(GATHER, pad, at4));
                            else x = FloatVector.fromArray(GATHER, pad, t, base, j0 + v);
                            x.intoArray(dst, d + v);
                        }
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++, d += w) {
                    int t = taps[pc + p];
                    for (int jj = 0; jj < cols; jj++) dst[d + jj] = pad[t + base[j0 + jj]];
                    for (int jj = cols; jj < w; jj++) dst[d + jj] = 0f;
                }
            } else {
                int t0 = tap0 + j0;
                if (cols == w) {   // a full panel: runs of taps as loads, the rest as vector gathers
                    int[] kind = chunk;
                    for (int v = 0; v < w; v += 8) kind[v >> 3] = runLoads ? layout(taps, t0 + v) : SCATTERED;
                    for (int p = 0; p < kc; p++, d += w) {
                        int b = base[pc + p];
                        for (int v = 0; v < w; v += 8) {
                            int at = b + taps[t0 + v], at4 = b + taps[t0 + v + 4], how = kind[v >> 3];
                            FloatVector x;
                            if (how == RUN) x = FloatVector.fromArray(GATHER, pad, at);
                            else if (how == HALVES && at4 + 8 <= pad.length)
                                x = FloatVector.fromArray(GATHER, pad, at).rearrange(HALF_LO, FloatVector.fromArray(GATHER, pad, at4));
                            else x = FloatVector.fromArray(GATHER, pad, b, taps, t0 + v);
                            x.intoArray(dst, d + v);
                        }
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++, d += w) {
                    int b = base[pc + p];
                    for (int jj = 0; jj < cols; jj++) dst[d + jj] = pad[taps[t0 + jj] + b];
                    for (int jj = cols; jj < w; jj++) dst[d + jj] = 0f;
                }
            }
        }
    }

    /** Whether B may be read in place (Sgemm.Panels#direct); off only to measure against packing. */
    static boolean directLoads = true;

    /** col itself, with every 16 columns of [j0, j1) from a multiple of 16 one run in pad (whole rows of ≥ 16 pixels). */
    @Override
    public boolean direct(int j0, int j1) {
        if (!directLoads || !runLoads || tap0 >= 0 || j0 % 16 != 0) return false;
        int[] base = this.base;
        for (int j = j0; j < j1; j += 16) {
            if (j + 16 > j1 || j + 16 > base.length) return false;
            int b0 = base[j];
            for (int q = 1; q < 16; q++) if (base[j + q] != b0 + q) return false;
        }
        return true;
    }

    @Override public float[] source() { return pad; }
    @Override public int[] rowOffsets() { return taps; }
    @Override public int[] columnOffsets() { return base; }

    /** How offsets[j], .., offsets[j + 7] lie: one run, a run of stride 2, two runs of 4, or none of these. */
    private static int layout(int[] offsets, int j) {
        int o0 = offsets[j], o4 = offsets[j + 4];
        boolean run = true, run2 = true, halves = o4 > o0;   // then the first load ends before the second
        for (int q = 1; q < 8; q++) {
            run &= offsets[j + q] == o0 + q;
            run2 &= offsets[j + q] == o0 + 2 * q;
            halves &= offsets[j + q] == (q < 4 ? o0 + q : o4 + q - 4);
        }
        return run ? RUN : run2 ? RUN2 : halves ? HALVES : SCATTERED;
    }
}

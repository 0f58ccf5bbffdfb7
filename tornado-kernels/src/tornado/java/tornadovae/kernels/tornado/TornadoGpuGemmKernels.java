package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The GPU-class GEMM kernels ({@link GpuGemm}): a {@link GemmCall} computed by work-groups that stage a BM×BK
 * block of A and a BK×BN block of B in local memory per step over k, each work-item keeping a TM×TN micro-tile
 * of C in registers. Numbered variants, as llm.c's dev/cuda does, so they can be compared side by side:
 * <pre>
 *   variant  block (BM×BN)  micro-tile (TM×TN)  work-items  global loads per FMA
 *   1        64×64          4×4                 256         (64+64)/(64·64)   = 1/32
 *   2        64×64          8×4                 128         1/32, half the work-items, twice the registers
 *   3        128×64         8×4                 256         (128+64)/(128·64) = 1/42.7
 *   4        32×32          2×2                 256         1/16: small outputs (a weight gradient's 32×16)
 * </pre>
 * Work-item (tx, ty) owns rows {@code ty + ii·WY} and columns {@code tx + jj·WX} of its block (strided, not
 * contiguous), so that neighbouring work-items read neighbouring words of local memory (no bank conflicts)
 * and store neighbouring words of C (coalesced).
 *
 * <p>The grid is (column blocks·WX, row blocks·WY, outputs·parts), local size (WX, WY, 1), set by {@link GpuGemm}.
 * Along z, work-group (z, part) sums the k-steps {@code q ∈ [part·qPerPart, (part+1)·qPerPart)} of output z's
 * {@code inner·kSteps} steps ({@code q = t·kSteps + kStep}, t the batch inside z). With one part it applies the
 * epilogue and stores C; with several (split-K: a weight gradient summed over the images, or a GEMM whose C alone
 * makes too few work-items) it stores its plain sum into {@code out} = the scratch array at
 * {@code ((z·parts + part)·m + i)·n + j}, and {@link #reduce} adds the parts in order and applies the epilogue.
 *
 * <p>TornadoVM allows 20 task arguments and freezes every int and long into the compiled kernel, so most of the
 * GemmCall's ints travel packed two to a long ({@link #pack}); the unpacking folds away at compile time.
 * Loads clamp their indices to valid elements and mask the values (no speculated out-of-bounds load);
 * work-items outside C still take part in every load and barrier.
 */
public final class TornadoGpuGemmKernels {
    private TornadoGpuGemmKernels() {}

    /** k per step of every variant: the depth of the blocks in local memory. */
    public static final int BK = 16;

    /** {BM, BN, TM, TN} of variants 1 to 4 (index 0 unused). */
    static final int[][] SHAPES = {null, {64, 64, 4, 4}, {64, 64, 8, 4}, {128, 64, 8, 4}, {32, 32, 2, 2}};

    /** Epilogue bits: accumulate | biasMode &lt;&lt; 1 | act &lt;&lt; 3. */
    static int epilogue(boolean accumulate, int biasMode, int act) {
        return (accumulate ? 1 : 0) | biasMode << 1 | act << 3;
    }

    /** Two ints in one long, hi first. */
    static long pack(int hi, int lo) {
        return ((long) hi << 32) | (lo & 0xFFFFFFFFL);
    }

    private static int hi(long x) { return (int) (x >> 32); }

    private static int lo(long x) { return (int) x; }

    // Four entry points: each fixes its block's constants, so that the local arrays, the private micro-tile
    // and its loops have constant sizes once TornadoVM inlines block().
    // Arguments: a, pack(aOff, sAb), pack(sAi, sAp), b, pack(bOff, sBb), pack(sBp, sBj), pack(m, n), pack(k, inner),
    // parts, qPerPart, bias, biasOff, epilogue, slope, out, pack(cOff, sCz), ldc.

    public static void gemm1(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, int ldc) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldc, 64, 64, 4, 4);
    }

    public static void gemm2(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, int ldc) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldc, 64, 64, 8, 4);
    }

    public static void gemm3(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, int ldc) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldc, 128, 64, 8, 4);
    }

    public static void gemm4(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, int ldc) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldc, 32, 32, 2, 2);
    }

    private static void block(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr,
                              long mn, long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi,
                              float slope, float[] out, long cOffZ, int ldc, int bm, int bn, int tm, int tn) {
        int aOff = hi(aOffAb), sAb = lo(aOffAb), sAi = hi(aStr), sAp = lo(aStr);
        int bOff = hi(bOffBb), sBb = lo(bOffBb), sBp = hi(bStr), sBj = lo(bStr);
        int m = hi(mn), n = lo(mn), k = hi(kInner), inner = lo(kInner);
        int wx = bn / tn;
        int wy = bm / tm;
        int wg = wx * wy;
        int tx = ctx.localIdx;
        int ty = ctx.localIdy;
        int lid = ty * wx + tx;
        int row0 = ctx.groupIdy * bm;
        int col0 = ctx.groupIdx * bn;
        int zp = ctx.groupIdz;
        int z = zp / parts;
        int part = zp - z * parts;

        float[] as = ctx.allocateFloatLocalArray(bm * BK);   // as[p·bm + r]
        float[] bs = ctx.allocateFloatLocalArray(BK * bn);   // bs[p·bn + c]
        float[] acc = new float[tm * tn];
        float[] av = new float[tm];
        float[] bv = new float[tn];
        for (int e = 0; e < tm * tn; e++) acc[e] = 0f;

        int kSteps = (k + BK - 1) / BK;
        // + localIdz, which is 0 (GpuGemm launches local size 1 along z) but not known to the compiler: with one part
        // the trip count would be a frozen constant, and TornadoVM 5.2 then unrolls this loop, barriers and all, and
        // fails to compile it ("logic node (class=LogicConstantNode)", measured with 2 and 3 k-steps).
        int qEnd = TornadoMath.min((part + 1) * qPerPart, inner * kSteps) + ctx.localIdz;
        for (int q = part * qPerPart; q < qEnd; q++) {
            int t = q / kSteps;
            int p0 = (q - t * kSteps) * BK;
            int bb = z * inner + t;
            int aBase = aOff + bb * sAb;
            int bBase = bOff + bb * sBb;
            // A block: consecutive work-items take consecutive words of memory (along p if A's rows are
            // contiguous, else along i), so the loads coalesce either way.
            for (int e = lid; e < bm * BK; e += wg) {
                int r = sAp == 1 ? e / BK : e % bm;
                int p = sAp == 1 ? e % BK : e / bm;
                int gi = row0 + r;
                int gp = p0 + p;
                float v = a[aBase + TornadoMath.min(gi, m - 1) * sAi + TornadoMath.min(gp, k - 1) * sAp];
                as[p * bm + r] = (gi < m && gp < k) ? v : 0f;
            }
            for (int e = lid; e < BK * bn; e += wg) {
                int p = sBj == 1 ? e / bn : e % BK;
                int c = sBj == 1 ? e % bn : e / BK;
                int gp = p0 + p;
                int gj = col0 + c;
                float v = b[bBase + TornadoMath.min(gp, k - 1) * sBp + TornadoMath.min(gj, n - 1) * sBj];
                bs[p * bn + c] = (gp < k && gj < n) ? v : 0f;
            }
            ctx.localBarrier();
            for (int p = 0; p < BK; p++) {
                for (int ii = 0; ii < tm; ii++) av[ii] = as[p * bm + ty + ii * wy];
                for (int jj = 0; jj < tn; jj++) bv[jj] = bs[p * bn + tx + jj * wx];
                for (int ii = 0; ii < tm; ii++)
                    for (int jj = 0; jj < tn; jj++) acc[ii * tn + jj] += av[ii] * bv[jj];
            }
            ctx.localBarrier();   // before the next step overwrites the blocks others may still be reading
        }

        // Partial sums go to the scratch rows of (z, part), plain; a whole sum to C, through the epilogue.
        int base = parts > 1 ? (z * parts + part) * m * n : hi(cOffZ) + z * lo(cOffZ);
        int ld = parts > 1 ? n : ldc;
        int e2 = parts > 1 ? 0 : epi;
        for (int ii = 0; ii < tm; ii++) {
            int gi = row0 + ty + ii * wy;
            for (int jj = 0; jj < tn; jj++)
                store(out, acc[ii * tn + jj], gi, col0 + tx + jj * wx, m, n, base, ld, e2, bias, biasOff, slope);
        }
    }

    private static void store(float[] out, float v, int gi, int gj, int m, int n, int base, int ld, int epi, float[] bias,
                              int biasOff, float slope) {
        if (gi < m && gj < n) {
            int ci = base + gi * ld + gj;
            float old = (epi & 1) != 0 ? out[ci] : 0f;   // C is read only when accumulating
            out[ci] = finish(epi, bias, biasOff, slope, v, old, gi, gj);
        }
    }

    /**
     * The epilogue: (C if accumulating) + the sum + bias, through the activation. {@code old} is C's value
     * when accumulating (the caller reads C only then).
     */
    private static float finish(int epi, float[] bias, int biasOff, float slope, float sum, float old, int i, int j) {
        float v = (epi & 1) != 0 ? old + sum : sum;
        int biasMode = (epi >> 1) & 3;
        if (biasMode == 1) v += bias[biasOff + i];
        else if (biasMode == 2) v += bias[biasOff + j];
        return TornadoActivations.activate(epi >> 3, slope, v);
    }

    /**
     * Split-K's second task: C_z = epilogue(Σ_part scratch[z][part]), the parts added in order 0, 1, … so that
     * the result does not depend on scheduling. One work-item per element of C (outputs·m·n of them), the
     * grid rounded up to the work-group size, so work-items past the end do nothing.
     */
    public static void reduce(KernelContext ctx, float[] scratch, long mn, int parts, float[] bias, int biasOff, int epi,
                              float slope, float[] c, long cOffZ, int ldc, int total) {
        int e = ctx.globalIdx;
        if (e < total) {
            int m = hi(mn), n = lo(mn);
            int plane = m * n;
            int z = e / plane;
            int ij = e - z * plane;
            int i = ij / n;
            int j = ij - i * n;
            float sum = 0f;
            for (int s = 0; s < parts; s++) sum += scratch[(z * parts + s) * plane + ij];
            int ci = hi(cOffZ) + z * lo(cOffZ) + i * ldc + j;
            float old = (epi & 1) != 0 ? c[ci] : 0f;
            c[ci] = finish(epi, bias, biasOff, slope, sum, old, i, j);
        }
    }
}

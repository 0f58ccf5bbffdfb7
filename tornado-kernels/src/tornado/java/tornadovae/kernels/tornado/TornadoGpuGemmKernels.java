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
 *   5        32×128         4×4                 256         (32+128)/(32·128) = 1/25.6: few rows, many columns (a
 *                                                           convolution with 32 output channels across its images)
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
 * Loads of elements outside A and B are skipped (the block holds 0 there), so a 64-row block over m = 32 rows
 * loads 32 and a 16-deep step over k = 9 loads 9: mnist-conv's first layer had loaded 1 float per 4 FMAs when
 * its padding was loaded too. Work-items outside C still take part in every load and barrier.
 * {@link GemmCall}'s column groups (a GEMM across a group of images) cost a division per load of B and per store.
 */
public final class TornadoGpuGemmKernels {
    private TornadoGpuGemmKernels() {}

    /** k per step of every variant: the depth of the blocks in local memory. */
    public static final int BK = 16;

    /** {BM, BN, TM, TN} of variants 1 to 5 (index 0 unused). */
    static final int[][] SHAPES = {null, {64, 64, 4, 4}, {64, 64, 8, 4}, {128, 64, 8, 4}, {32, 32, 2, 2}, {32, 128, 4, 4}};

    /**
     * Epilogue bits: accumulate | biasMode &lt;&lt; 1 | act &lt;&lt; 3, and how B is read (bits 8-9): 0 a strided matrix,
     * 1 a convolution's X ({@link GemmCall.ImplicitB}); then B's strides
     * {@code pack(sBp, sBj)} carry {@code pack(xDims, yDims)} and sBn the kernel's {@code kps}. Bit 10: B's block is
     * loaded along j (consecutive work-items, consecutive columns), else along p.
     */
    static int epilogue(boolean accumulate, int biasMode, int act, int bMode, boolean bAlongJ) {
        return (accumulate ? 1 : 0) | biasMode << 1 | act << 3 | bMode << 8 | (bAlongJ ? 1024 : 0);
    }

    /** Two ints in one long, hi first. */
    static long pack(int hi, int lo) {
        return ((long) hi << 32) | (lo & 0xFFFFFFFFL);
    }

    private static int hi(long x) { return (int) (x >> 32); }

    private static int lo(long x) { return (int) x; }

    // Five entry points: each fixes its block's constants, so that the local arrays, the private micro-tile
    // and its loops have constant sizes once TornadoVM inlines block().
    // Arguments: a, pack(aOff, sAb), pack(sAi, sAp), b, pack(bOff, sBb), pack(sBp, sBj), pack(m, n), pack(k, inner),
    // parts, qPerPart, bias, biasOff, epilogue, slope, out, pack(cOff, sCz), pack(ldc, nPer), pack(sBn, sCn).

    public static void gemm1(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, long ldcNPer, long nStr) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldcNPer, nStr, 64, 64, 4, 4);
    }

    public static void gemm2(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, long ldcNPer, long nStr) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldcNPer, nStr, 64, 64, 8, 4);
    }

    public static void gemm3(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, long ldcNPer, long nStr) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldcNPer, nStr, 128, 64, 8, 4);
    }

    public static void gemm4(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, long ldcNPer, long nStr) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldcNPer, nStr, 32, 32, 2, 2);
    }

    public static void gemm5(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn,
                             long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope,
                             float[] out, long cOffZ, long ldcNPer, long nStr) {
        block(ctx, a, aOffAb, aStr, b, bOffBb, bStr, mn, kInner, parts, qPerPart, bias, biasOff, epi, slope, out, cOffZ, ldcNPer, nStr, 32, 128, 4, 4);
    }

    private static void block(KernelContext ctx, float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr,
                              long mn, long kInner, int parts, int qPerPart, float[] bias, int biasOff, int epi,
                              float slope, float[] out, long cOffZ, long ldcNPer, long nStr, int bm, int bn, int tm, int tn) {
        int aOff = hi(aOffAb), sAb = lo(aOffAb), sAi = hi(aStr), sAp = lo(aStr);
        int bOff = hi(bOffBb), sBb = lo(bOffBb), sBp = hi(bStr), sBj = lo(bStr);
        int m = hi(mn), n = lo(mn), k = hi(kInner), inner = lo(kInner);
        int nPer = lo(ldcNPer), sBn = hi(nStr);
        int bMode = (epi >> 8) & 3;
        // B's block, like A's, taken in the order in which its words lie in memory: along j where B's rows are
        // contiguous or (reading X) where j walks an image's pixels, else along p (the host's choice, epilogue bit 10)
        boolean alongJ = (epi & 1024) != 0;
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
                float v = 0f;
                if (gi < m && gp < k) v = a[aBase + gi * sAi + gp * sAp];
                as[p * bm + r] = v;
            }
            for (int e = lid; e < BK * bn; e += wg) {
                int p = alongJ ? e / bn : e % BK;
                int c = alongJ ? e % bn : e / BK;
                int gp = p0 + p;
                int gj = col0 + c;
                float v = 0f;
                if (gp < k && gj < n) {
                    if (bMode == 0) {
                        int jg = gj / nPer;
                        v = b[bBase + jg * sBn + gp * sBp + (gj - jg * nPer) * sBj];
                    } else {
                        v = implicitX(b, bBase, gp, gj, nPer, bStr, sBn);
                    }
                }
                bs[p * bn + c] = v;
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

        // Partial sums go to the scratch rows of (z, part), plain [m][n]; a whole sum to C, through the epilogue. The
        // host passes either layout in the same arguments (GpuGemm.add): C element (i, j) of work-group z lies at
        // hi(cOffZ) + z·lo(cOffZ) + (j / nPer)·sCn + i·ldc + j % nPer, and the scratch is C with cOff 0, sCz = m·n,
        // ldc = n, sCn = nPer (a plain matrix whatever nPer is) and no epilogue. (Computing both here took TornadoVM
        // past the 600 graph nodes it inlines into a kernel.)
        int base = hi(cOffZ) + zp * lo(cOffZ);
        int ld = hi(ldcNPer);
        int sC = lo(nStr);
        int biasMode = (epi >> 1) & 3;
        // A row's bias is loaded once per work-group into local memory (A's block is free after the k-loop's last
        // barrier), not by each work-item: with k = 9 (mnist-conv's first layer) the work-items' own loads of their
        // rows' bias added 1/36 of a load per FMA.
        for (int e = lid; e < bm; e += wg) {
            float v = 0f;
            if (biasMode == 1 && row0 + e < m) v = bias[biasOff + row0 + e];
            as[e] = v;
        }
        ctx.localBarrier();
        for (int ii = 0; ii < tm; ii++) {
            int gi = row0 + ty + ii * wy;
            float rowBias = as[ty + ii * wy];
            for (int jj = 0; jj < tn; jj++) {
                int gj = col0 + tx + jj * wx;
                if (gi < m && gj < n) {
                    int jg = gj / nPer;
                    int ci = base + jg * sC + gi * ld + gj - jg * nPer;
                    float old = 0f;
                    if ((epi & 1) != 0) old = out[ci];   // C is read only when accumulating
                    float withBias = rowBias;
                    if (biasMode == 2) withBias = bias[biasOff + gj];   // a column's bias: a Linear layer's, whose k is hundreds
                    out[ci] = finish(epi, slope, acc[ii * tn + jj], old, withBias);
                }
            }
        }
    }

    /**
     * B's element (p, j) read from a convolution's X, as {@link GemmCall.ImplicitB#at} with taps along k: p is the
     * tap and j the image·P + pixel; 0 on the padding.
     */
    private static float implicitX(float[] x, int base, int p, int j, int nPer, long dims, int kps) {
        int xDims = hi(dims), wy = lo(dims) & 1023;
        int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
        int k = kps & 255, s = (kps >> 8) & 255, pad = kps >> 16;
        int image = j / nPer;
        int pixel = j - image * nPer;
        int iy = (pixel / wy) * s - pad + (p / k) % k;
        int ix = (pixel % wy) * s - pad + p % k;
        float v = 0f;
        if (iy >= 0 && iy < hx && ix >= 0 && ix < wx) v = x[base + ((image * cx + p / (k * k)) * hx + iy) * wx + ix];
        return v;
    }

    /**
     * The epilogue: (C if accumulating) + the sum + the bias (0 without), through the activation. {@code old} is
     * C's value when accumulating (the caller reads C only then, and the bias only where it has one).
     */
    private static float finish(int epi, float slope, float sum, float old, float bias) {
        float v = (epi & 1) != 0 ? old + sum : sum;
        return TornadoActivations.activate((epi >> 3) & 31, slope, v + bias);
    }

    /**
     * Split-K's second task: C_z = epilogue(Σ_part scratch[z][part]), the parts added in order 0, 1, … so that
     * the result does not depend on scheduling. One work-item per element of C (outputs·m·n of them), the
     * grid rounded up to the work-group size, so work-items past the end do nothing.
     */
    public static void reduce(KernelContext ctx, float[] scratch, long mn, int parts, float[] bias, int biasOff, int epi,
                              float slope, float[] c, long cOffZ, long ldcNPer, int sCn, int total) {
        int e = ctx.globalIdx;
        if (e < total) {
            int m = hi(mn), n = lo(mn);
            int nPer = lo(ldcNPer);
            int plane = m * n;
            int z = e / plane;
            int ij = e - z * plane;
            int i = ij / n;
            int j = ij - i * n;
            float sum = 0f;
            for (int s = 0; s < parts; s++) sum += scratch[(z * parts + s) * plane + ij];
            int jg = j / nPer;
            int ci = hi(cOffZ) + z * lo(cOffZ) + jg * sCn + i * hi(ldcNPer) + j - jg * nPer;
            float old = 0f;
            if ((epi & 1) != 0) old = c[ci];
            int biasMode = (epi >> 1) & 3;
            float b = 0f;
            if (biasMode == 1) b = bias[biasOff + i];
            else if (biasMode == 2) b = bias[biasOff + j];
            c[ci] = finish(epi, slope, sum, old, b);
        }
    }
}

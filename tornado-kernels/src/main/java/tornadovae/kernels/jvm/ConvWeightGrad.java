package tornadovae.kernels.jvm;

import java.util.Arrays;
import tornadovae.kernels.plan.ConvGeometry;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;

/**
 * {@link ConvLowering}'s weight gradient, dW[Cy][Cx·k²] = Σ over the images of Yc·colᵀ. It sums
 * over groups, so the group size depends on the shape (the implicit im2col) or the scratch alone,
 * never on the thread count: one group
 * at a time with the whole scratch, split by taps (dW's columns) where there are many, else lowered
 * in runs of images and multiplied by the pooled SGEMM. Thin X (see ConvLowering.thin) sums fixed
 * chunks of {@link #THIN_CHUNK} images with ThinConv instead.
 */
final class ConvWeightGrad {
    /** Below this many taps (four 16-wide tile columns) the weight gradient is not split by taps. */
    static final int TAP_SPLIT_MIN = 64;
    /**
     * Images per partial sum of the thin weight gradient. Fixed, so the order of its sums depends on
     * neither the thread count nor the scratch size.
     */
    static final int THIN_CHUNK = 8;

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private final ConvCall call;
    private final ImageLowering images;
    private final TapsTask taps;
    private final LowerBothTask lowerBoth = new LowerBothTask();
    private final ThinDotsTask thinDots;
    /** Groups sized by the shape where the implicit im2col runs (see run); off only to measure against the scratch's. */
    boolean wideGroups = true;
    /**
     * The most channels of Y for which the tap-split products read col in place (TapsTask): packing colᵀ costs
     * 1/Cy of the arithmetic, and dWᵀ's transpose into dW grows with Cy. On rgb128-conv (batch 64, side by side)
     * the Cy = 64 layers went from 31-34 to ~20.5 ms and the Cy = 128 ones from ~23 to ~19.3; Cy = 256 was
     * ~1 ms slower and Cy = 512 ~8 ms slower.
     */
    static final int DIRECT_A_MAX_CY = 128;
    /** Whether the tap-split products read col in place as A (see TapsTask); off only to measure against packing colᵀ as B. */
    static boolean directA = true;
    /** Whether thin X goes that way too (see run); off only to measure against ThinConv's loops. */
    static boolean directThin = true;

    ConvWeightGrad(WorkerPool pool, Sgemm sgemm, ConvCall call, ImageLowering images) {
        this.pool = pool;
        this.sgemm = sgemm;
        this.call = call;
        this.images = images;
        this.taps = new TapsTask(pool.threads());
        this.thinDots = new ThinDotsTask(pool.threads());
    }

    void run(float[] dw, int dwO, float[] yA, int yO, float[] xA, int xO,
             float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        ConvCall cc = call;
        cc.set(g, transposed);
        int per = ConvLowering.perImage(g, transposed, colLen), batch = cc.batch;
        int grp = Math.min(batch, colLen / per), pix = cc.pixels(), kk = cc.taps();
        int yc = colO + grp * pix * kk;
        // The implicit im2col writes no col: its groups need not fit the scratch. Sized by it, rgb128-conv's
        // 8×8- and 4×4-pixel layers summed 1 to 3 images a group, each group a pass over all of dW (2–8 MB).
        // The group depends on the shape alone, so the bits still do not depend on the thread count.
        // col read in place (TapsTask) also takes thin X with a multiple of 4 taps (rgb128-conv's RGB layers, 48)
        boolean direct = directA && Sgemm.HAS_256_BIT_VECTORS && cc.cy <= DIRECT_A_MAX_CY && kk % Sgemm.MR == 0
                && sgemm.directA(Sgemm.MR, cc.cy) && (kk >= TAP_SPLIT_MIN || directThin);
        boolean tapSplit = kk >= TAP_SPLIT_MIN || direct;
        if (Sgemm.HAS_256_BIT_VECTORS && tapSplit && wideGroups)
            grp = Math.max(1, Math.min(batch, SubPixelConv.GROUP_COLUMNS / pix));
        cc.x = xA; cc.xOff = xO; cc.y = yA; cc.yOff = yO; cc.col = colA; cc.colOff = colO;
        try {
            if (!direct && ConvLowering.thin(cc, ConvLowering.thinXSide)) {
                runThin(dw, dwO);
                return;
            }
            taps.dW = dw; taps.dWOff = dwO;
            taps.direct = direct;
            if (direct && taps.dWT.length < kk * cc.cy) taps.dWT = new float[kk * cc.cy];
            lowerBoth.group = grp;
            for (int n0 = 0; n0 < batch; n0 += grp) {
                int count = Math.min(grp, batch - n0);
                if (tapSplit) {
                    taps.n0 = n0; taps.count = count;
                    // in 16s whatever the tile: a 16-column last panel runs 16 wide (SgemmPacking.panelWidth), and
                    // 288 taps split 144 + 144, where 32s would give 160 + 128; taps are rows of 4 when col is read in place
                    int unit = direct ? Sgemm.MR : Sgemm.NR_256;
                    taps.tapStep = Sgemm.ceilDiv(Sgemm.ceilDiv(kk, unit), pool.threads()) * unit;
                    pool.forEach(Sgemm.ceilDiv(kk, taps.tapStep), taps);
                } else {
                    // runs of consecutive images: images dealt out one by one made the cores trade col's lines
                    lowerBoth.n0 = n0; lowerBoth.count = count;
                    lowerBoth.runs = Math.min(count, 2 * pool.threads());
                    pool.forEach(lowerBoth.runs, lowerBoth);
                    sgemm.sgemm(dw, dwO, colA, yc, colA, colO, cc.cy, kk, count * pix, false, true, n0 > 0);
                }
            }
        } finally {
            cc.x = cc.y = cc.col = taps.dW = NO_ARRAY;
        }
    }

    /**
     * dW's columns for taps [r0, r0 + tapStep) over the group of images [n0, n0 + count), on one
     * worker: it lowers exactly the col rows its GEMM reads (so they stay in its cache) and copies Yc
     * for itself. A C element's bits depend on k alone, so the tap split leaves them unchanged.
     */
    private final class TapsTask implements WorkerPool.Task {
        private final float[][] ycCopy;          // per worker: its own copy of the group's Yc
        float[] dW = NO_ARRAY;
        float[] dWT = NO_ARRAY;                  // dWᵀ [taps][Cy], summed over the groups when direct
        boolean direct;
        int dWOff, n0, count, tapStep;

        TapsTask(int threads) { this.ycCopy = new float[threads][0]; }

        @Override
        public void run(int part, int worker) {
            ConvCall cc = call;
            int pix = cc.pixels(), rowLen = count * pix, kk = cc.taps(), k = cc.k;
            int r0 = part * tapStep, r1 = Math.min(kk, r0 + tapStep);
            float[] yc = ownYc(worker, cc.cy * rowLen);
            for (int i = 0; i < count; i++) images.toChannelMajor(n0 + i, yc, i * pix, rowLen);
            if (direct) {
                // dWᵀ = col·Ycᵀ with col read where it lies (A's elements are broadcast one by one anyway) and Ycᵀ packed
                // as B: packing colᵀ as B (r1 − r0 taps × all pixels, each float used Cy times) had been ~20% of the
                // op at Cy = 64. An element is the same fma chain over the pixels (fma(a, b, c) = fma(b, a, c)).
                int kk2 = k * k, cy = cc.cy;
                WindowPanels panels = images.windowsOf(n0, count, worker, r0 / kk2, (r1 - 1) / kk2 + 1, r0);
                sgemm.sgemmOnWorkerDirectA(worker, dWT, r0 * cy, cy, panels.pad, panels.taps, r0, panels.base, yc, 0,
                        r1 - r0, cy, rowLen, true, n0 > 0);
                if (n0 + count == cc.batch)   // the last group: this part's taps into dW
                    for (int r = r0; r < r1; r++)
                        for (int c = 0; c < cy; c++) dW[dWOff + c * kk + r] = dWT[r * cy + c];
                return;
            }
            if (Sgemm.HAS_256_BIT_VECTORS) {   // implicit im2col, as in yFromX: B = colᵀ, k = pixels, n = taps
                int kk2 = k * k;
                WindowPanels panels = images.windowsOf(n0, count, worker, r0 / kk2, (r1 - 1) / kk2 + 1, r0);
                sgemm.sgemmOnWorker(worker, dW, dWOff + r0, kk, yc, 0, panels, cc.cy, r1 - r0, rowLen, false, n0 > 0);
                return;
            }
            for (int i = 0; i < count; i++) images.im2colTaps(cc.col, n0 + i, cc.colOff + i * pix, rowLen, worker, r0, r1);
            sgemm.sgemmOnWorker(worker, dW, dWOff + r0, kk, yc, 0, cc.col, cc.colOff + r0 * rowLen, cc.cy, r1 - r0, rowLen,
                    false, true, n0 > 0);
        }

        private float[] ownYc(int worker, int need) {
            if (ycCopy[worker].length < need) ycCopy[worker] = new float[need];
            return ycCopy[worker];
        }
    }

    /** Both operands of the weight gradient (col and, after the group's col, Yc) for run `run` of `runs` of the group's images. */
    private final class LowerBothTask implements WorkerPool.Task {
        int group, n0, count, runs;

        @Override
        public void run(int run, int worker) {
            ConvCall cc = call;
            int pix = cc.pixels(), rowLen = count * pix, yc = cc.colOff + group * pix * cc.taps();
            for (int i = run * count / runs, end = (run + 1) * count / runs; i < end; i++) {
                images.im2col(n0 + i, cc.colOff + i * pix, rowLen, worker);
                images.toChannelMajor(n0 + i, cc.col, yc + i * pix, rowLen);
            }
        }
    }

    // ---- the thin path: sums per fixed chunk of images, then over the chunks in order ----

    /** dW = Σ over chunks of THIN_CHUNK images, in chunk order, of each chunk's partial (ThinDotsTask). */
    private void runThin(float[] dW, int dWOff) {
        ConvCall cc = call;
        int e = cc.cy * cc.taps(), chunks = Sgemm.ceilDiv(cc.batch, THIN_CHUNK);
        float[] part = thinDots.partials(chunks * e);
        pool.forEach(chunks, thinDots);
        for (int i = 0; i < e; i++) {
            float sum = part[i];
            for (int ch = 1; ch < chunks; ch++) sum += part[ch * e + i];
            dW[dWOff + i] = sum;
        }
    }

    /** Chunk ch's partial weight gradient: Σ over its images and Y's pixels of Y·col(X)ᵀ, in ThinConv's lane order. */
    private final class ThinDotsTask implements WorkerPool.Task {
        private final float[][] lanes;           // per worker: ThinConv's lane sums
        private float[] partials = NO_ARRAY;     // one partial dW per chunk

        ThinDotsTask(int threads) { this.lanes = new float[threads][0]; }

        float[] partials(int need) {
            if (partials.length < need) partials = new float[need];
            return partials;
        }

        @Override
        public void run(int ch, int worker) {
            ConvCall cc = call;
            int pix = cc.pixels(), kk = cc.taps(), cy = cc.cy, e = cy * kk;
            float[] c = images.thinCol(worker, kk * pix);
            if (lanes[worker].length < e * ThinConv.DOT_LANES) lanes[worker] = new float[e * ThinConv.DOT_LANES];
            float[] l = lanes[worker];
            Arrays.fill(l, 0, e * ThinConv.DOT_LANES, 0f);
            for (int n = ch * THIN_CHUNK, end = Math.min(cc.batch, n + THIN_CHUNK); n < end; n++) {
                images.im2colTaps(c, n, 0, pix, worker, 0, kk);
                ThinConv.accumulateDots(l, cc.y, cc.yOff + n * cy * pix, pix, c, 0, pix, cy, kk, pix);
            }
            ThinConv.finishDots(partials, ch * e, l, e);
        }
    }
}

package tornadovae.kernels.jvm;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;

/**
 * Convolutions as im2col + the packed {@link Sgemm}, so the time goes where the flops are.
 *
 * <p>Every op is lowered to one of three primitives over a "wide" tensor X [N][Cx][Hx][Wx], a
 * "narrow" tensor Y [N][Cy][Hy][Wy] = conv(X, W) and W [Cy][Cx][k][k]: Y from X (Conv2d forward,
 * ConvTranspose2d input gradient), X from Y (Conv2d input gradient, ConvTranspose2d forward) and
 * the weight gradient. A ConvTranspose2d's weights [inC][outC][k][k] are exactly such a W with X
 * its output, so both layers share the same code.
 *
 * <p>Where X has few taps (Cx·k² ≤ {@link ThinConv#MAX_TAPS}, {@link ThinConv#MAX_TAPS_X_SIDE} for X from
 * Y and the weight gradient: an encoder's first layer, a decoder's
 * last) the three primitives skip the lowering and the GEMM: one image a task, {@link ThinConv}'s
 * vector loops read Y where it lies and one image's col from a per-worker buffer. The forward and
 * input gradient keep the GEMM path's bits. The weight gradient sums per fixed chunk of
 * {@link ConvWeightGrad#THIN_CHUNK} images and then over the chunks in order, so its bits depend on neither the
 * thread count nor the scratch size (they differ from the GEMM path's, which were summed in another order).
 * On mnist-conv this took its five thin ops from ~2.5–3.2 ms a training step to ~1.3–1.5.
 *
 * <p>Per group of G images, a slice of the scratch holds col [K][G·P] (K = Cx·k² kernel taps,
 * P = Hy·Wy pixels of Y; row r holds tap r for every pixel of every image) and Yc [Cy][G·P] (Y
 * channel-major). Each product is then one wide GEMM (Yc = W·col, col = Wᵀ·Yc, dW = Yc·colᵀ), and
 * moving between NCHW and Yc copies runs of P contiguous floats. im2col and col2im go through a
 * per-worker copy of X's images with zero padding around each plane, so their inner loops carry no
 * tests ({@link ImageLowering}). Where col is a GEMM operand (Y from X, the weight gradient) it is never written: the SGEMM
 * packs its panels straight from the padded images ({@link WindowPanels}, an implicit im2col).
 * Writing col (~360 KB a group for mnist-conv's 64-channel layers, in rows of 49 floats) and
 * packing it again had cost about as much as the gathers; the two ops got ~7% and ~15% faster.
 *
 * <p>X from Y for 4×4 stride-2 layers of at least {@link SubPixelConv#MIN_CX} channels of X (rgb128-conv's)
 * takes {@link SubPixelConv} instead: four sub-pixel phases, each a stride-1 2×2 convolution with its
 * own GEMM, no col and no scatter-add. Y from X by the implicit im2col writes no col either, so its
 * groups are sized by pixels ({@link #wideGroups}), not by the scratch.
 *
 * <p>Threads: Y from X and X from Y give every worker its own slice of the scratch and whole groups
 * to lower, multiply (on that worker alone) and store. Splitting one group across the cores instead
 * made them trade col's cache lines (one core wrote what the other packed): im2col then ran slower
 * on two cores than on one. An element's bits depend on k alone (see {@link Sgemm#sgemmOnWorker}),
 * so neither the group size nor the thread count changes a result. The weight gradient sums over
 * groups, so its group size must not depend on the thread count: it lowers one group at a time with
 * the whole scratch, and each worker lowers and multiplies its own range of taps (dW's columns);
 * that path is {@link ConvWeightGrad}'s.
 *
 * <p>The call's operands and sizes are one {@link ConvCall}; each path's tasks are small objects
 * holding what else they need (a group split, a tap range), set per call and reused.
 */
final class ConvLowering {
    /**
     * What an array field or per-worker buffer holds when it holds nothing, instead of null. Compiled
     * code that has only ever seen an array there checks for null implicitly (a fault the JVM's signal
     * handler turns into a trap), and twice on the development machine a worker thread died on exactly
     * such a fault (the kernel log: a read at 0xc, the length of a null element of an array of arrays,
     * i.e. a fresh {@code padded[worker]}) instead of the JVM handling it. CI once lost a test JVM
     * in a test that runs this code with "Segmentation fault" and no hs_err file, which is what such
     * a death looks like. Why the fault went unhandled is not known; with no nulls here, it cannot occur.
     */
    static final float[] NO_ARRAY = new float[0];

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private final ConvCall call = new ConvCall();
    private final ImageLowering images;
    private final ConvWeightGrad weightGrad;
    private final SubPixelConv subPixel;
    /** Whether X from Y takes {@link SubPixelConv} where it applies; off only to measure against the col2im way. */
    boolean subPixelOn = true;
    private final YFromXGroups yFromXGroups;
    private final XFromYGroups xFromYGroups = new XFromYGroups();
    private final WorkerPool.Task yFromXThin = this::yFromXThin;
    private final WorkerPool.Task xFromYThin = this::xFromYThin;

    ConvLowering(WorkerPool pool, Sgemm sgemm) {
        this.pool = pool;
        this.sgemm = sgemm;
        this.images = new ImageLowering(call, pool.threads());
        this.weightGrad = new ConvWeightGrad(pool, sgemm, call, images);
        this.subPixel = new SubPixelConv(pool, sgemm, call);
        this.yFromXGroups = new YFromXGroups(pool.threads());
    }

    /** Floats of scratch one image needs; throws if colLen is less. */
    static int perImage(ConvGeometry g, boolean transposed, int colLen) {
        int per = g.scratchPerImage(transposed);
        if (colLen < per) throw new IllegalArgumentException("convolution scratch of " + colLen + " floats, needs at least " + per);
        return per;
    }

    /**
     * Makes the next yFromX or xFromY finish each output element e with f(e), or with e·f'(actOut at
     * e's index) when actOut is not NO_ARRAY (outOff: the output's offset, whose element actOutOff
     * matches). Applied to each image, or each row of a plane, right after it is stored (still in
     * cache) by JvmKernels' own activation loops, so the bits of the op followed by that activation.
     */
    void epilogue(ActivationKind kind, float slope, float[] actOut, int actOutOff, int outOff) {
        call.epilogue(kind, slope, actOut, actOutOff, outOff);
    }

    /** Y = conv(X, W) (+ bias per Y channel when bias != null). */
    void yFromX(float[] yA, int yO, float[] xA, int xO, float[] wA, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        runGroups(yFromXGroups, yFromXThin, xA, xO, yA, yO, wA, wO, b, bO, colA, colO, colLen, g, transposed);
    }

    /** X = convᵀ(Y, W) (+ bias per X channel when bias != null): the adjoint of yFromX. */
    void xFromY(float[] xA, int xO, float[] yA, int yO, float[] wA, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        runGroups(xFromYGroups, xFromYThin, xA, xO, yA, yO, wA, wO, b, bO, colA, colO, colLen, g, transposed);
    }

    /** dW[Cy][Cx·k²] = Σ over the images of Yc·colᵀ: the weight gradient, Y being the gradient on the narrow side. */
    void weightGrad(float[] dw, int dwO, float[] yA, int yO, float[] xA, int xO,
                    float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        weightGrad.run(dw, dwO, yA, yO, xA, xO, colA, colO, colLen, g, transposed);
    }

    /** One call of yFromX or xFromY: its operands into the call, then task per group (or thinTask per image). */
    private void runGroups(GroupTask task, WorkerPool.Task thinTask, float[] xA, int xO, float[] yA, int yO, float[] wA, int wO,
                           float[] b, int bO, float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        ConvCall cc = call;
        cc.set(g, transposed);
        cc.x = xA; cc.xOff = xO; cc.y = yA; cc.yOff = yO; cc.w = wA; cc.wOff = wO; cc.col = colA; cc.colOff = colO; cc.biasOff = bO;
        cc.hasBias = b != null;
        cc.bias = cc.hasBias ? b : NO_ARRAY;
        try {
            if (task == xFromYGroups && subPixelOn && SubPixelConv.applies(cc)) {
                perImage(g, transposed, colLen);   // the same contract: SubPixelConv keeps its own buffers
                subPixel.run();
            } else if (thin(cc, task == yFromXGroups ? ThinConv.MAX_TAPS : thinXSide)) {
                perImage(g, transposed, colLen);   // the same contract on the scratch, though unused
                pool.forEach(cc.batch, thinTask);
            } else if (task == yFromXGroups && Sgemm.HAS_256_BIT_VECTORS && wideGroups) {
                perImage(g, transposed, colLen);   // the same contract: the implicit im2col writes no col
                wideGroups(task);
            } else {
                perWorkerGroups(g, transposed, colLen, task);
            }
        } finally {
            cc.clear();
        }
    }

    /** Splits the scratch into one slice per worker (or fewer, if it holds fewer images) and runs task per group. */
    private void perWorkerGroups(ConvGeometry g, boolean transposed, int colLen, GroupTask task) {
        int per = perImage(g, transposed, colLen), batch = call.batch;
        int slots = Math.min(pool.threads(), colLen / per);
        int most = Math.min(batch, colLen / per / slots);
        task.slotLen = most * per;
        // A multiple of the thread count of groups, of sizes that differ by at most one: 128 images in
        // groups of at most 7 on 2 threads are 20 groups of 6 or 7 (64 images a thread), where
        // 19 groups of 7 and a last one of 2 gave one thread 70 images and the other 58.
        int groups = Sgemm.ceilDiv(batch, most);
        if (slots == pool.threads()) groups = Math.min(batch, Sgemm.ceilDiv(groups, slots) * slots);
        task.groups = groups;
        if (slots == pool.threads()) pool.forEach(groups, task);
        else for (int gi = 0; gi < groups; gi++) task.run(gi, 0);   // too little scratch for a slice each
    }

    /**
     * Groups of about {@link SubPixelConv#GROUP_COLUMNS} pixels of Y, the same number per worker, each
     * worker storing Yc in a buffer of its own (slotLen 0): for Y from X by the implicit im2col, whose
     * col is never written. Sized by the scratch, as the col2im way needs, the groups of rgb128-conv's
     * deep layers had one to four images: a GEMM of 16 to 64 columns repacked all of W (up to 8 MB) per image.
     */
    private void wideGroups(GroupTask task) {
        int threads = pool.threads(), batch = call.batch;
        int most = Math.max(1, Math.min(Sgemm.ceilDiv(batch, threads), SubPixelConv.GROUP_COLUMNS / call.pixels()));
        task.slotLen = 0;
        task.groups = Math.min(batch, Sgemm.ceilDiv(Sgemm.ceilDiv(batch, most), threads) * threads);
        pool.forEach(task.groups, task);
    }

    /** Whether Y from X takes wideGroups; off only to measure against the groups the scratch allows. */
    private boolean wideGroups = true;

    /** Wide groups (Y from X, the weight gradient) on or off: for side-by-side timing. */
    void wideGroups(boolean on) { wideGroups = on; weightGrad.wideGroups = on; }

    /** A task per group of images, each worker in its own slice of slotLen floats of the scratch (or its own buffer: slotLen 0). */
    private abstract class GroupTask implements WorkerPool.Task {
        int groups, slotLen;

        /** The first image of group gi of `groups` (see perWorkerGroups). */
        int groupStart(int gi) { return (int) ((long) gi * call.batch / groups); }
    }

    /** Y from X for one group: one GEMM Yc = W·col, then Yc back into Y's images. */
    private final class YFromXGroups extends GroupTask {
        private final float[][] own;   // per worker: Yc when slotLen is 0

        YFromXGroups(int threads) { own = new float[threads][0]; }

        @Override
        public void run(int gi, int worker) {
            ConvCall cc = call;
            int n0 = groupStart(gi), count = groupStart(gi + 1) - n0, pix = cc.pixels(), kk = cc.taps();
            int cols = cc.colOff + worker * slotLen, rowLen = count * pix;
            if (Sgemm.HAS_256_BIT_VECTORS) {
                // implicit im2col: the SGEMM packs B's panels straight from the padded images, so col is
                // never written (writing it, ~360 KB a group in rows of 49 floats, and reading it back to
                // pack cost about as much as the gathers themselves); Yc takes the slot's start
                float[] dst = cc.col;
                int yc = cols;
                if (slotLen == 0) { dst = ownYc(worker, cc.cy * rowLen); yc = 0; }
                sgemm.sgemmOnWorker(worker, dst, yc, rowLen, cc.w, cc.wOff, images.windowsOf(n0, count, worker, 0, cc.cx, -1),
                        cc.cy, rowLen, kk, false, false);
                for (int i = 0; i < count; i++) images.fromChannelMajor(n0 + i, dst, yc + i * pix, rowLen);
                return;
            }
            int yc = cols + count * pix * kk;
            for (int i = 0; i < count; i++) images.im2col(n0 + i, cols + i * pix, rowLen, worker);
            sgemm.sgemmOnWorker(worker, cc.col, yc, rowLen, cc.w, cc.wOff, cc.col, cols, cc.cy, rowLen, kk, false, false, false);
            for (int i = 0; i < count; i++) images.fromChannelMajor(n0 + i, cc.col, yc + i * pix, rowLen);
        }

        private float[] ownYc(int worker, int need) {
            if (own[worker].length < need) own[worker] = new float[need];
            return own[worker];
        }
    }

    /** X from Y for one group: Y's images as Yc, one GEMM col = Wᵀ·Yc, then col2im into X. */
    private final class XFromYGroups extends GroupTask {
        @Override
        public void run(int gi, int worker) {
            ConvCall cc = call;
            int n0 = groupStart(gi), count = groupStart(gi + 1) - n0, pix = cc.pixels(), kk = cc.taps();
            int cols = cc.colOff + worker * slotLen, yc = cols + count * pix * kk, rowLen = count * pix;
            for (int i = 0; i < count; i++) images.toChannelMajor(n0 + i, cc.col, yc + i * pix, rowLen);
            sgemm.sgemmOnWorker(worker, cc.col, cols, rowLen, cc.w, cc.wOff, cc.col, yc, kk, rowLen, cc.cy, true, false, false);
            for (int i = 0; i < count; i++) images.col2im(cc.col, n0 + i, cols + i * pix, rowLen, worker);
        }
    }

    // ---- the thin path: X with at most ThinConv.MAX_TAPS (or MAX_TAPS_X_SIDE) taps, one image at a time, no GEMM ----

    /** The most taps of thin X from Y and weight gradients: MAX_TAPS instead of MAX_TAPS_X_SIDE only to measure against it. */
    static int thinXSide = ThinConv.MAX_TAPS_X_SIDE;

    /** X has few enough taps for ThinConv's direct loops (Y's channels within one k block: the SGEMM's bits). */
    static boolean thin(ConvCall cc, int maxTaps) {
        return Sgemm.HAS_256_BIT_VECTORS && cc.taps() <= maxTaps && cc.cy <= Sgemm.KC;
    }

    /** Image n of Y = W·col(X) (+ bias), straight into Y: the bits of YFromXGroups. */
    private void yFromXThin(int n, int worker) {
        ConvCall cc = call;
        int pix = cc.pixels(), kk = cc.taps(), cy = cc.cy;
        float[] c = images.thinCol(worker, kk * pix);
        images.im2colTaps(c, n, 0, pix, worker, 0, kk);
        ThinConv.rows(cc.y, cc.yOff + n * cy * pix, pix, cc.w, cc.wOff, kk, 1, c, 0, pix, cy, kk, pix, cc.bias, cc.biasOff, true);
        cc.finish(cc.y, cc.yOff + n * cy * pix, cy * pix);
    }

    /** Image n of X = col2im(Wᵀ·Y) (+ bias), Y read in place: the bits of XFromYGroups. */
    private void xFromYThin(int n, int worker) {
        ConvCall cc = call;
        int pix = cc.pixels(), kk = cc.taps(), cy = cc.cy;
        float[] c = images.thinCol(worker, kk * pix);
        ThinConv.rows(c, 0, pix, cc.w, cc.wOff, 1, kk, cc.y, cc.yOff + n * cy * pix, pix, kk, cy, pix, NO_ARRAY, 0, false);
        images.col2im(c, n, 0, pix, worker);
    }
}

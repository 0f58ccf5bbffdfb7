package tornadovae.kernels.jvm;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
 * <p>Where X has few taps (Cx·k² ≤ {@link ThinConv#MAX_TAPS}: an encoder's first layer, a decoder's
 * last) the three primitives skip the lowering and the GEMM: one image a task, {@link ThinConv}'s
 * vector loops read Y where it lies and one image's col from a per-worker buffer. The forward and
 * input gradient keep the GEMM path's bits. The weight gradient sums per fixed chunk of
 * {@link #THIN_CHUNK} images and then over the chunks in order, so its bits depend on neither the
 * thread count nor the scratch size (they differ from the GEMM path's, which were summed in another order).
 * On mnist-conv this took its five thin ops from ~2.5–3.2 ms a training step to ~1.3–1.5.
 *
 * <p>Per group of G images, a slice of the scratch holds col [K][G·P] (K = Cx·k² kernel taps,
 * P = Hy·Wy pixels of Y; row r holds tap r for every pixel of every image) and Yc [Cy][G·P] (Y
 * channel-major). Each product is then one wide GEMM (Yc = W·col, col = Wᵀ·Yc, dW = Yc·colᵀ), and
 * moving between NCHW and Yc copies runs of P contiguous floats. im2col and col2im go through a
 * per-worker copy of X's images with zero padding around each plane, so their inner loops carry no
 * tests. Where col is a GEMM operand (Y from X, the weight gradient) it is never written: the SGEMM
 * packs its panels straight from the padded images ({@link WindowPanels}, an implicit im2col).
 * Writing col (~360 KB a group for mnist-conv's 64-channel layers, in rows of 49 floats) and
 * packing it again had cost about as much as the gathers; the two ops got ~7% and ~15% faster.
 *
 * <p>Threads: Y from X and X from Y give every worker its own slice of the scratch and whole groups
 * to lower, multiply (on that worker alone) and store. Splitting one group across the cores instead
 * made them trade col's cache lines (one core wrote what the other packed): im2col then ran slower
 * on two cores than on one. An element's bits depend on k alone (see {@link Sgemm#sgemmOnWorker}),
 * so neither the group size nor the thread count changes a result. The weight gradient sums over
 * groups, so its group size must not depend on the thread count: it lowers one group at a time with
 * the whole scratch, and each worker lowers and multiplies its own range of taps (dW's columns).
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
    private final float[][] padded;          // per worker: images of X, zero-padded planes [Cx][hp][wp], one after another
    private final int[][] pixelBase;         // per worker: group pixel j → its window's corner in padded
    private final WindowPanels[] windows;    // per worker: the packing of B = col straight from padded
    private int[] tapOffsets = new int[0];   // tap r = (c, i, j) → its offset from a window's corner

    // The current call, read by the tasks.
    private float[] x = NO_ARRAY, y = NO_ARRAY, col = NO_ARRAY, w = NO_ARRAY, bias = NO_ARRAY;
    private boolean hasBias;                 // tested instead of bias == null: see NO_ARRAY
    private int xOff, yOff, colOff, wOff, biasOff, batch, group, groups, slotLen;
    private int cx, hx, wx, cy, hy, wy, k, s, p;
    private int hp, wp;                      // X's planes padded so that every window fits: p before, at least p after
    private int[] pixelOffsets = new int[0]; // Y pixel (oy, ox) → its window's corner in a padded plane
    private final WorkerPool.Task yFromXTask = this::yFromXGroup;
    private final WorkerPool.Task xFromYTask = this::xFromYGroup;
    private final WorkerPool.Task lowerBothTask = this::lowerBothRun;
    private int wgN0, wgCount, wgRuns;       // the weight gradient's current group, dealt out in runs
    private int tapStep, dWOff;              // or split by taps
    private float[] dW = NO_ARRAY;
    private final float[][] ycCopy;          // per worker: its own copy of the group's Yc for a tap split
    private final WorkerPool.Task tapsTask = this::taps;
    // The thin path (ThinConv): per-worker one image's col and lane sums, and one partial dW per chunk.
    private final float[][] thinCol, thinLanes;
    private float[] thinPartials = NO_ARRAY;
    private final WorkerPool.Task yFromXThinTask = this::yFromXThin;
    private final WorkerPool.Task xFromYThinTask = this::xFromYThin;
    private final WorkerPool.Task thinDotsTask = this::thinDots;
    // The epilogue of the next yFromX or xFromY (see epilogue()): f, or f' from actOut, on each stored element.
    private ActivationKind act = ActivationKind.IDENTITY;
    private JvmActivations.Loops actLoops;
    private float actSlope;
    private float[] actOut = NO_ARRAY;       // NO_ARRAY: an activation; else a derivative's activation output
    private int actShift;                    // actOut index of output index i: i + actShift

    ConvLowering(WorkerPool pool, Sgemm sgemm) {
        this.pool = pool;
        this.sgemm = sgemm;
        this.padded = new float[pool.threads()][0];
        this.ycCopy = new float[pool.threads()][0];
        this.pixelBase = new int[pool.threads()][0];
        this.windows = new WindowPanels[pool.threads()];
        this.thinCol = new float[pool.threads()][0];
        this.thinLanes = new float[pool.threads()][0];
        for (int t = 0; t < windows.length; t++) windows[t] = new WindowPanels();
    }

    /** The lowered sizes of a Conv2d (X = input) or ConvTranspose2d (X = output) geometry. */
    private void set(ConvGeometry g, boolean transposed) {
        if (!transposed) {
            cx = g.inC(); hx = g.inH(); wx = g.inW(); cy = g.outC(); hy = g.outH(); wy = g.outW();
        } else {
            cx = g.outC(); hx = g.outH(); wx = g.outW(); cy = g.inC(); hy = g.inH(); wy = g.inW();
        }
        k = g.kernel(); s = g.stride(); p = g.pad(); batch = g.batch();
        hp = Math.max(hx + 2 * p, (hy - 1) * s + k);
        wp = Math.max(wx + 2 * p, (wy - 1) * s + k);
        if (pixelOffsets.length < hy * wy) pixelOffsets = new int[hy * wy];
        for (int oy = 0, q = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, q++) pixelOffsets[q] = oy * s * wp + ox * s;
        int kk = cx * k * k;
        if (tapOffsets.length < kk) tapOffsets = new int[kk];
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) tapOffsets[r] = (c * hp + i) * wp + j;
    }

    private static int perImage(ConvGeometry g, boolean transposed, int colLen) {
        int per = g.scratchPerImage(transposed);
        if (colLen < per) throw new IllegalArgumentException("convolution scratch of " + colLen + " floats, needs at least " + per);
        return per;
    }

    /** Splits the scratch into one slice per worker (or fewer, if it holds fewer images) and runs task per group. */
    private void perWorkerGroups(ConvGeometry g, boolean transposed, int colLen, WorkerPool.Task task) {
        int per = perImage(g, transposed, colLen);
        int slots = Math.min(pool.threads(), colLen / per);
        int most = Math.min(batch, colLen / per / slots);
        slotLen = most * per;
        // A multiple of the thread count of groups, of sizes that differ by at most one: 128 images in
        // groups of at most 7 on 2 threads are 20 groups of 6 or 7 (64 images a thread), where
        // 19 groups of 7 and a last one of 2 gave one thread 70 images and the other 58.
        groups = Sgemm.ceilDiv(batch, most);
        if (slots == pool.threads()) groups = Math.min(batch, Sgemm.ceilDiv(groups, slots) * slots);
        if (slots == pool.threads()) pool.forEach(groups, task);
        else for (int gi = 0; gi < groups; gi++) task.run(gi, 0);   // too little scratch for a slice each
    }

    /**
     * Makes the next yFromX or xFromY finish each output element e with f(e), or with e·f'(actOut at
     * e's index) when actOut is not NO_ARRAY (outOff: the output's offset, whose element actOutOff
     * matches). Applied to each image, or each row of a plane, right after it is stored (still in
     * cache) by JvmKernels' own activation loops, so the bits of the op followed by that activation.
     */
    void epilogue(ActivationKind kind, float slope, float[] actOut, int actOutOff, int outOff) {
        this.act = kind;
        this.actLoops = JvmActivations.of(kind);
        this.actSlope = slope;
        this.actOut = actOut;
        this.actShift = actOutOff - outOff;
    }

    /** The epilogue on out[off, off + n), just stored. f(x) = x and f' = 1 leave the values as they are. */
    private void finish(float[] out, int off, int n) {
        if (act == ActivationKind.IDENTITY) return;
        if (actOut == NO_ARRAY) actLoops.forward(actSlope, out, off, out, off, n);
        else actLoops.backward(actSlope, out, off, actOut, off + actShift, out, off, n);
    }

    /** Y = conv(X, W) (+ bias per Y channel when bias != null). */
    void yFromX(float[] yA, int yO, float[] xA, int xO, float[] wA, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        runGroups(yFromXTask, yFromXThinTask, xA, xO, yA, yO, wA, wO, b, bO, colA, colO, colLen, g, transposed);
    }

    /** One call of yFromX or xFromY: its operands into the fields the tasks read, then task per group (or thinTask per image). */
    private void runGroups(WorkerPool.Task task, WorkerPool.Task thinTask, float[] xA, int xO, float[] yA, int yO, float[] wA, int wO,
                           float[] b, int bO, float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        x = xA; xOff = xO; y = yA; yOff = yO; w = wA; wOff = wO; col = colA; colOff = colO; biasOff = bO;
        hasBias = b != null;
        bias = hasBias ? b : NO_ARRAY;
        try {
            if (thin()) {
                perImage(g, transposed, colLen);   // the same contract on the scratch, though unused
                pool.forEach(batch, thinTask);
            } else {
                perWorkerGroups(g, transposed, colLen, task);
            }
        } finally {
            x = y = w = col = bias = actOut = NO_ARRAY;
            act = ActivationKind.IDENTITY;
        }
    }

    /** The first image of group gi of `groups` (see perWorkerGroups). */
    private int groupStart(int gi) { return (int) ((long) gi * batch / groups); }

    private void yFromXGroup(int gi, int worker) {
        int n0 = groupStart(gi), count = groupStart(gi + 1) - n0, pix = hy * wy, kk = cx * k * k;
        int cols = colOff + worker * slotLen, rowLen = count * pix;
        if (Sgemm.HAS_256_BIT_VECTORS) {
            // implicit im2col: the SGEMM packs B's panels straight from the padded images, so col is
            // never written (writing it, ~360 KB a group in rows of 49 floats, and reading it back to
            // pack cost about as much as the gathers themselves); Yc takes the slot's start
            int yc = cols;
            sgemm.sgemmOnWorker(worker, col, yc, rowLen, w, wOff, windowsOf(n0, count, worker, 0, cx, -1), cy, rowLen, kk, false, false);
            for (int i = 0; i < count; i++) fromChannelMajor(n0 + i, yc + i * pix, rowLen);
            return;
        }
        int yc = cols + count * pix * kk;
        for (int i = 0; i < count; i++) im2col(n0 + i, cols + i * pix, rowLen, worker);
        sgemm.sgemmOnWorker(worker, col, yc, rowLen, w, wOff, col, cols, cy, rowLen, kk, false, false, false);
        for (int i = 0; i < count; i++) fromChannelMajor(n0 + i, yc + i * pix, rowLen);
    }

    /**
     * Channels [c0, c1) of images [n0, n0 + count) of X padded into this worker's planes, and the
     * panels that read their windows: B = col (taps × pixels) when tap0 < 0, else colᵀ from tap tap0.
     */
    private WindowPanels windowsOf(int n0, int count, int worker, int c0, int c1, int tap0) {
        int img = cx * hp * wp, pix = hy * wy;
        if (pixelBase[worker].length < count * pix) pixelBase[worker] = new int[count * pix];
        float[] pad = paddedPlanes(worker, count);
        int[] base = pixelBase[worker];
        for (int i = 0; i < count; i++) padImageInto(pad, i * img, n0 + i, c0, c1);
        for (int i = 0, j = 0; i < count; i++)
            for (int q = 0; q < pix; q++, j++) base[j] = i * img + pixelOffsets[q];
        WindowPanels panels = windows[worker];
        panels.pad = pad;
        panels.base = base;
        panels.taps = tapOffsets;
        panels.tap0 = tap0;
        return panels;
    }

    /**
     * The gathers' vectors: 8 lanes, so AVX2 has them too. On the development machine (AVX-512) they
     * took mnist-conv's forward and its mirror from ~2.7 to ~2.25 ms (scalar loads, one element
     * at a time, before), the weight gradients ~3-8% and the whole training step ~4% (in-process A/B).
     * The scatter-add of col2im was tried the same way and was ~13% slower than its scalar loop.
     */
    private static final VectorSpecies<Float> GATHER = FloatVector.SPECIES_256;

    /**
     * im2col(X) as the SGEMM's packed B, laid out as Sgemm.packB lays out an array: col itself (element
     * (k = tap r, n = group pixel j) is pad[taps[r] + base[j]]) when tap0 < 0, else colᵀ over the taps
     * from tap0 (element (k = pixel j, n = tap tap0 + t)). The same values as packing col, so the same bits.
     */
    private static final class WindowPanels implements Sgemm.Panels {
        float[] pad = NO_ARRAY;
        int[] base = new int[0], taps = new int[0];
        int tap0 = -1;

        @Override
        public void pack(float[] dst, int jc, int nc, int pc, int kc, int nr) {
            float[] pad = this.pad;
            int[] base = this.base, taps = this.taps;
            int d = 0;
            for (int jr = 0; jr < nc; jr += nr) {
                int cols = Math.min(nr, nc - jr), w = SgemmPacking.panelWidth(cols, nr), j0 = jc + jr;
                if (tap0 < 0) {
                    if (cols == w) {   // a full panel: vector gathers
                        for (int p = 0; p < kc; p++, d += w) {
                            int t = taps[pc + p];
                            for (int v = 0; v < w; v += 8) FloatVector.fromArray(GATHER, pad, t, base, j0 + v).intoArray(dst, d + v);
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
                    if (cols == w) {   // a full panel: vector gathers
                        for (int p = 0; p < kc; p++, d += w) {
                            int b = base[pc + p];
                            for (int v = 0; v < w; v += 8) FloatVector.fromArray(GATHER, pad, b, taps, t0 + v).intoArray(dst, d + v);
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
    }

    /** X = convᵀ(Y, W) (+ bias per X channel when bias != null): the adjoint of yFromX. */
    void xFromY(float[] xA, int xO, float[] yA, int yO, float[] wA, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        runGroups(xFromYTask, xFromYThinTask, xA, xO, yA, yO, wA, wO, b, bO, colA, colO, colLen, g, transposed);
    }

    private void xFromYGroup(int gi, int worker) {
        int n0 = groupStart(gi), count = groupStart(gi + 1) - n0, pix = hy * wy, kk = cx * k * k;
        int cols = colOff + worker * slotLen, yc = cols + count * pix * kk, rowLen = count * pix;
        for (int i = 0; i < count; i++) toChannelMajor(n0 + i, col, yc + i * pix, rowLen);
        sgemm.sgemmOnWorker(worker, col, cols, rowLen, w, wOff, col, yc, kk, rowLen, cy, true, false, false);
        for (int i = 0; i < count; i++) col2im(col, n0 + i, cols + i * pix, rowLen, worker);
    }

    /** Below this many taps (four 16-wide tile columns) the weight gradient is not split by taps. */
    static final int TAP_SPLIT_MIN = 64;

    /** dW[Cy][Cx·k²] = Σ over the groups of Yc·colᵀ: the weight gradient, Y being the gradient on the narrow side. */
    void weightGrad(float[] dw, int dwO, float[] yA, int yO, float[] xA, int xO,
                    float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        int per = perImage(g, transposed, colLen);
        int grp = Math.min(batch, colLen / per), pix = hy * wy, kk = cx * k * k;
        x = xA; xOff = xO; y = yA; yOff = yO; col = colA; colOff = colO; group = grp; dW = dw; dWOff = dwO;
        int yc = colO + grp * pix * kk;
        try {
            if (thin()) {
                weightGradThin();
                return;
            }
            for (int n0 = 0; n0 < batch; n0 += grp) {
                wgN0 = n0;
                wgCount = Math.min(grp, batch - n0);
                if (kk >= TAP_SPLIT_MIN) {
                    // in 16s whatever the tile: a 16-column last panel runs 16 wide (Sgemm.panelWidth), and
                    // 288 taps split 144 + 144, where 32s would give 160 + 128
                    tapStep = Sgemm.ceilDiv(Sgemm.ceilDiv(kk, Sgemm.NR_256), pool.threads()) * Sgemm.NR_256;
                    pool.forEach(Sgemm.ceilDiv(kk, tapStep), tapsTask);
                } else {
                    // runs of consecutive images: images dealt out one by one made the cores trade col's lines
                    wgRuns = Math.min(wgCount, 2 * pool.threads());
                    pool.forEach(wgRuns, lowerBothTask);
                    sgemm.sgemm(dw, dwO, col, yc, col, colO, cy, kk, wgCount * pix, false, true, n0 > 0);
                }
            }
        } finally {
            x = y = col = dW = NO_ARRAY;
        }
    }

    /**
     * The weight gradient's columns for taps [r0, r0 + tapStep) over the current group, on one worker:
     * it lowers exactly the col rows its GEMM reads (so they stay in its cache) and copies Yc for
     * itself. A C element's bits depend on k alone, so the tap split leaves them unchanged.
     */
    private void taps(int part, int worker) {
        int pix = hy * wy, rowLen = wgCount * pix, kk = cx * k * k;
        int r0 = part * tapStep, r1 = Math.min(kk, r0 + tapStep);
        float[] yc = ownYc(worker, cy * rowLen);
        for (int i = 0; i < wgCount; i++) toChannelMajor(wgN0 + i, yc, i * pix, rowLen);
        if (Sgemm.HAS_256_BIT_VECTORS) {   // implicit im2col, as in yFromXGroup: B = colᵀ, k = pixels, n = taps
            int kk2 = k * k;
            WindowPanels panels = windowsOf(wgN0, wgCount, worker, r0 / kk2, (r1 - 1) / kk2 + 1, r0);
            sgemm.sgemmOnWorker(worker, dW, dWOff + r0, kk, yc, 0, panels, cy, r1 - r0, rowLen, false, wgN0 > 0);
            return;
        }
        for (int i = 0; i < wgCount; i++) im2colTaps(col, wgN0 + i, colOff + i * pix, rowLen, worker, r0, r1);
        sgemm.sgemmOnWorker(worker, dW, dWOff + r0, kk, yc, 0, col, colOff + r0 * rowLen, cy, r1 - r0, rowLen,
                false, true, wgN0 > 0);
    }

    private float[] ownYc(int worker, int need) {
        if (ycCopy[worker].length < need) ycCopy[worker] = new float[need];
        return ycCopy[worker];
    }

    /** Both operands of the weight gradient for a run of the group's images. */
    private void lowerBothRun(int run, int worker) {
        int pix = hy * wy, rowLen = wgCount * pix, yc = colOff + group * pix * cx * k * k;
        for (int i = run * wgCount / wgRuns, end = (run + 1) * wgCount / wgRuns; i < end; i++) {
            im2col(wgN0 + i, colOff + i * pix, rowLen, worker);
            toChannelMajor(wgN0 + i, col, yc + i * pix, rowLen);
        }
    }

    // ---- the thin path: X with at most ThinConv.MAX_TAPS taps, one image at a time, no GEMM ----

    /**
     * Images per partial sum of the thin weight gradient. Fixed, so the order of its sums depends on
     * neither the thread count nor the scratch size.
     */
    static final int THIN_CHUNK = 8;

    /** After set(): X has few enough taps for ThinConv's direct loops (Y's channels within one k block: the SGEMM's bits). */
    private boolean thin() {
        return Sgemm.HAS_256_BIT_VECTORS && cx * k * k <= ThinConv.MAX_TAPS && cy <= Sgemm.KC;
    }

    /** Image n of Y = W·col(X) (+ bias), straight into Y: the bits of yFromXGroup. */
    private void yFromXThin(int n, int worker) {
        int pix = hy * wy, kk = cx * k * k;
        float[] c = thinCol(worker, kk * pix);
        im2colTaps(c, n, 0, pix, worker, 0, kk);
        ThinConv.rows(y, yOff + n * cy * pix, pix, w, wOff, kk, 1, c, 0, pix, cy, kk, pix, bias, biasOff, true);
        finish(y, yOff + n * cy * pix, cy * pix);
    }

    /** Image n of X = col2im(Wᵀ·Y) (+ bias), Y read in place: the bits of xFromYGroup. */
    private void xFromYThin(int n, int worker) {
        int pix = hy * wy, kk = cx * k * k;
        float[] c = thinCol(worker, kk * pix);
        ThinConv.rows(c, 0, pix, w, wOff, 1, kk, y, yOff + n * cy * pix, pix, kk, cy, pix, NO_ARRAY, 0, false);
        col2im(c, n, 0, pix, worker);
    }

    /** dW = Σ over chunks of THIN_CHUNK images, in chunk order, of each chunk's partial (thinDots). */
    private void weightGradThin() {
        int e = cy * cx * k * k, chunks = Sgemm.ceilDiv(batch, THIN_CHUNK);
        if (thinPartials.length < chunks * e) thinPartials = new float[chunks * e];
        pool.forEach(chunks, thinDotsTask);
        float[] part = thinPartials;
        for (int i = 0; i < e; i++) {
            float sum = part[i];
            for (int ch = 1; ch < chunks; ch++) sum += part[ch * e + i];
            dW[dWOff + i] = sum;
        }
    }

    /** Chunk ch's partial weight gradient: Σ over its images and Y's pixels of Y·col(X)ᵀ, in ThinConv's lane order. */
    private void thinDots(int ch, int worker) {
        int pix = hy * wy, kk = cx * k * k, e = cy * kk;
        float[] c = thinCol(worker, kk * pix);
        if (thinLanes[worker].length < e * ThinConv.DOT_LANES) thinLanes[worker] = new float[e * ThinConv.DOT_LANES];
        float[] lanes = thinLanes[worker];
        Arrays.fill(lanes, 0, e * ThinConv.DOT_LANES, 0f);
        for (int n = ch * THIN_CHUNK, end = Math.min(batch, n + THIN_CHUNK); n < end; n++) {
            im2colTaps(c, n, 0, pix, worker, 0, kk);
            ThinConv.accumulateDots(lanes, y, yOff + n * cy * pix, pix, c, 0, pix, cy, kk, pix);
        }
        ThinConv.finishDots(thinPartials, ch * e, lanes, e);
    }

    private float[] thinCol(int worker, int need) {
        if (thinCol[worker].length < need) thinCol[worker] = new float[need];
        return thinCol[worker];
    }

    /** Channels [c0, c1) of image n of X copied into this worker's zero-padded planes: every window then lies inside them. */
    private float[] padImage(int n, int worker, int c0, int c1) {
        float[] pad = paddedPlanes(worker, 1);
        padImageInto(pad, 0, n, c0, c1);
        return pad;
    }

    /** Channels [c0, c1) of image n of X into zero-padded planes [Cx][hp][wp] at `at` in pad. */
    private void padImageInto(float[] pad, int at, int n, int c0, int c1) {
        Arrays.fill(pad, at + c0 * hp * wp, at + c1 * hp * wp, 0f);
        int xImg = xOff + n * cx * hx * wx;
        for (int c = c0; c < c1; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(x, xImg + (c * hx + iy) * wx, pad, at + (c * hp + iy + p) * wp + p, wx);
    }

    /** This worker's padded planes, room for `images` images of X. */
    private float[] paddedPlanes(int worker, int images) {
        int need = images * cx * hp * wp;
        if (padded[worker].length < need) padded[worker] = new float[need];
        return padded[worker];
    }

    /**
     * Image n's columns of col, starting at `at` in each row of rowLen floats: tap (c, i, j) of every
     * Y pixel, zero where the window leaves X.
     */
    private void im2col(int n, int at, int rowLen, int worker) { im2colTaps(col, n, at, rowLen, worker, 0, cx * k * k); }

    /** im2col into dst for the rows of taps [r0, r1) only (only their channels are copied into the padded planes). */
    private void im2colTaps(float[] col, int n, int at, int rowLen, int worker, int r0, int r1) {
        int k = this.k, kk2 = k * k, c0 = r0 / kk2, c1 = (r1 - 1) / kk2 + 1;
        float[] pad = padImage(n, worker, c0, c1);
        int pix = hy * wy, hp = this.hp, wp = this.wp;
        int[] corner = pixelOffsets;
        for (int r = r0; r < r1; r++) {
            int c = r / kk2, i = r % kk2 / k, j = r % k;
            int dst = at + r * rowLen, src = (c * hp + i) * wp + j;
            for (int q = 0; q < pix; q++) col[dst + q] = pad[src + corner[q]];
        }
    }

    /**
     * Image n of X = bias + its columns of col (at `at` in each row) scattered back, tap by tap in a
     * fixed order, summed in this worker's padded planes; the rim (windows hanging over X's edge) is dropped.
     */
    private void col2im(float[] col, int n, int at, int rowLen, int worker) {
        float[] pad = paddedPlanes(worker, 1);
        int pix = hy * wy, plane = hp * wp, k = this.k, cx = this.cx, hp = this.hp, wp = this.wp;
        int[] corner = pixelOffsets;
        for (int c = 0; c < cx; c++) Arrays.fill(pad, c * plane, (c + 1) * plane, hasBias ? bias[biasOff + c] : 0f);
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) {
                    int src = at + r * rowLen, dst = (c * hp + i) * wp + j;
                    for (int q = 0; q < pix; q++) pad[dst + corner[q]] += col[src + q];
                }
        int xImg = xOff + n * cx * hx * wx;
        for (int c = 0; c < cx; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(pad, (c * hp + iy + p) * wp + p, x, xImg + (c * hx + iy) * wx, wx);
        finish(x, xImg, cx * hx * wx);
    }

    /** Image n of Y into Yc (in dst, the scratch or a worker's own copy) at `at` in each of its Cy rows of rowLen floats. */
    private void toChannelMajor(int n, float[] dst, int at, int rowLen) {
        int pix = hy * wy;
        for (int c = 0; c < cy; c++) System.arraycopy(y, yOff + (n * cy + c) * pix, dst, at + c * rowLen, pix);
    }

    /** Image n of Y from Yc (at `at` in each row), plus bias. */
    private void fromChannelMajor(int n, int at, int rowLen) {
        int pix = hy * wy;
        for (int c = 0; c < cy; c++) {
            float b = hasBias ? bias[biasOff + c] : 0f;
            int src = at + c * rowLen, dst = yOff + (n * cy + c) * pix;
            for (int q = 0; q < pix; q++) y[dst + q] = col[src + q] + b;
            finish(y, dst, pix);
        }
    }
}

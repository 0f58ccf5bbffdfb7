package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;
import static tornadovae.kernels.jvm.SgemmPacking.*;
import static tornadovae.kernels.jvm.SgemmTiles.macroKernel;
import static tornadovae.kernels.jvm.SgemmTiles.tiles512Direct;

/**
 * Packed, register-blocked SGEMM on the Vector API, BLIS-style:
 * C[m×n] = op(A)·op(B) (+C when accumulate), with the operand layouts of
 * {@link tornadovae.kernels.ref.MatmulRef#sgemm}.
 *
 * Loop nest per task (a rectangle of C): column blocks of NC, k blocks of KC (pack op(B) into
 * nr-column panels), row blocks of MC (pack op(A) into MR-row panels), then a 4×nr micro-kernel
 * over every (nr, MR) panel pair. Packing ({@link SgemmPacking}) absorbs all four transpose forms,
 * so there is one micro-kernel ({@link SgemmTiles}) per vector width; edge panels are zero-padded,
 * so an edge element sees the same FMAs as an inner one.
 *
 * Two micro-kernels, both MR = 4 rows of two vectors: 4×16 on 256-bit vectors (AVX2) and 4×32 on
 * 512-bit vectors (AVX-512), picked from the platform's preferred vector size. On the development
 * machine (AMD EPYC, AVX-512) the 4×32 tile ran at ~110 GFLOP/s per core in cache against 70-95 for
 * 4×16 (the core's peak measured ~115): with eight 512-bit accumulators the FMA latency is hidden
 * with room to spare, and a k step issues half the instructions per flop. 6×32 and 8×32 tiles were
 * not intrinsified by C2 (they ran the boxed fallback), so 4×32 it is.
 *
 * Determinism: every C element is computed by one task, as acc = fma over its k block in k order,
 * then C = acc or C + acc per k block; the k blocks depend on k alone. So the result does not
 * depend on the thread count, the task split or which thread ran what.
 *
 * Not thread-safe: one call at a time (per-thread packing buffers are reused), or one
 * {@link #sgemmOnWorker} call per worker from inside the pool's tasks.
 */
public final class Sgemm implements AutoCloseable {

    // Micro-tile rows: 4×2 accumulators. On 16-register AVX2, 12 accumulators spill (DESIGN). On this
    // AVX-512 EPYC (32 registers) an 8×16 tile of 256-bit vectors ran faster alone in cache (~111
    // against ~96 GFLOP/s) yet 5-8% slower inside the whole GEMM; the 4×32 tile of 512-bit vectors
    // beat both.
    static final int MR = 4;
    static final int NR_256 = 16;     // micro-tile columns: two 256-bit vectors
    static final int NR_512 = 32;     // or two 512-bit vectors
    static final int KC = 256;        // k block: a B micro-panel (KC×nr) stays in L1 (KC = 128 for 4×32: no faster)
    static final int MC = 128;        // row block: the packed A block (MC×KC) stays in L2
    static final int NC = 1024;       // column block: the packed B block (KC×NC) stays in L2/L3

    /**
     * Where the JIT has no 256-bit vectors (say 128-bit NEON), SPECIES_256 code would run as the
     * Vector API's boxed Java fallback, far slower than plain loops: use the plain loop for all sizes.
     */
    static final boolean HAS_256_BIT_VECTORS = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    /** The tile width for this platform: 512-bit tiles only where the JIT has 512-bit vectors (else the same boxed fallback). */
    static final int PLATFORM_NR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? NR_512 : NR_256;
    /**
     * The most rows of C for which B is read in place (Panels#direct) rather than packed. A tile's B, read in
     * place, is 2·kc unaligned runs (up to twice as many cache lines as the packed panel, more than L1 holds),
     * and every 4 rows read it again: on rgb128-conv the 32- and 64-row products got 5-20% faster, the 128-row
     * ones ~10% slower.
     */
    static final int DIRECT_MAX_ROWS = 64;

    /**
     * Whether a product of `rows` rows of C may read B in place on this platform (512-bit tiles, few rows): for
     * callers that lay B out for it (ImageLowering's stride-2 phases, SubPixelConv's narrow X), where packing
     * would read it anyway. block() asks the same of its own tile width.
     */
    static boolean mayReadBInPlace(int rows) { return PLATFORM_NR == NR_512 && rows <= DIRECT_MAX_ROWS; }
    /** Below this many multiply-adds a plain loop wins over packing. */
    static final long SMALL_MACS = 32 * 1024;
    /** Below this many multiply-adds waking other threads costs more than it saves. */
    static final long PARALLEL_MIN_MACS = 512 * 1024;
    /** Above this many multiply-adds per task, tasks are split finer so a stalled core hurts less. */
    static final long TASK_MACS = 64L * 1024 * 1024;

    private final WorkerPool pool;
    private final boolean ownsPool;
    private final int nr;               // micro-tile columns: NR_256 or NR_512
    private final float[][] aPack, bPack, edge;
    private final SplitProduct split = new SplitProduct();

    /** An SGEMM with its own pool of {@code threads} threads (the caller counts as one). */
    public Sgemm(int threads) {
        this(new WorkerPool(threads), true, PLATFORM_NR);
    }

    /** An SGEMM sharing {@code pool}; closing it leaves the pool running. */
    public Sgemm(WorkerPool pool) {
        this(pool, false, PLATFORM_NR);
    }

    /**
     * With the micro-tile {@code nr} columns wide (NR_256 or NR_512) whatever the platform, for tests:
     * the two widths give the same bits (an element's FMAs and their order do not depend on the tile).
     */
    Sgemm(int threads, int nr) {
        this(new WorkerPool(threads), true, nr);
    }

    private Sgemm(WorkerPool pool, boolean ownsPool, int nr) {
        if (nr != NR_256 && nr != NR_512) throw new IllegalArgumentException("tile width " + nr + " (expected 16 or 32)");
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.nr = nr;
        int t = pool.threads();
        aPack = new float[t][0];   // empty, never null: see ConvLowering.NO_ARRAY
        bPack = new float[t][0];
        edge = new float[t][];
        for (int w = 0; w < t; w++) edge[w] = new float[MR * nr];
    }

    public int threads() { return pool.threads(); }

    /** C[m×n] = op(A)·op(B), or C += op(A)·op(B) when accumulate; see MatmulRef.sgemm for layouts. */
    public void sgemm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                      int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * n, cOff + (i + 1) * n, 0f);
            return;
        }
        checkRange("C", c, cOff, (long) m * n);
        checkRange("A", a, aOff, (long) m * k);
        checkRange("B", b, bOff, (long) k * n);
        long macs = (long) m * n * k;
        if (macs < SMALL_MACS || !HAS_256_BIT_VECTORS) {
            small(c, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
            return;
        }
        SplitProduct t = split;
        t.c = c; t.cOff = cOff; t.a = a; t.aOff = aOff; t.b = b; t.bOff = bOff;
        t.m = m; t.n = n; t.k = k;
        t.transA = transA; t.transB = transB; t.accumulate = accumulate;
        int threads = pool.threads();
        int parts = 1;
        if (threads > 1 && macs >= PARALLEL_MIN_MACS) {
            parts = threads;
            while (macs / parts > TASK_MACS && parts < 8 * threads) parts += threads;
        }
        t.chooseGrid(parts);
        try {
            pool.forEach(t.rowParts * t.colParts, t);
        } finally {
            t.c = t.a = t.b = NO_ARRAY;
        }
    }

    /** One product split over the pool: a task per rectangle of C, rowStep × colStep, of a rowParts × colParts grid. */
    private final class SplitProduct implements WorkerPool.Task {
        float[] c = NO_ARRAY, a = NO_ARRAY, b = NO_ARRAY;   // never null: see ConvLowering.NO_ARRAY
        int cOff, aOff, bOff, m, n, k;
        boolean transA, transB, accumulate;
        int rowParts, colParts, rowStep, colStep;

        /**
         * Splits C into a grid of about `parts` rectangles. Every column part packs the rows of op(A) it
         * needs and every row part the columns of op(B), so the grid minimises colParts·m + rowParts·n.
         * Columns are dealt in 16s even with 32-column tiles (a part may end in a 16-wide panel, see
         * panelWidth): n = 400 on two threads splits 208 + 192, where 32s gave 224 + 176.
         */
        void chooseGrid(int parts) {
            int rowPanels = ceilDiv(m, MR), colPanels = ceilDiv(n, NR_256);
            int bestRows = 1, bestCols = 1;
            long bestCost = Long.MAX_VALUE;
            for (int total = parts; total > 1 && bestCost == Long.MAX_VALUE; total--) {   // thin C: fewer parts
                for (int pr = 1; pr <= total; pr++) {
                    int pc = total / pr;
                    if (pr * pc != total || pr > rowPanels || pc > colPanels) continue;
                    long cost = (long) pc * m + (long) pr * n;
                    if (cost < bestCost) { bestCost = cost; bestRows = pr; bestCols = pc; }
                }
            }
            rowStep = ceilDiv(rowPanels, bestRows) * MR;
            colStep = ceilDiv(colPanels, bestCols) * NR_256;
            rowParts = ceilDiv(m, rowStep);
            colParts = ceilDiv(n, colStep);
        }

        @Override
        public void run(int index, int worker) {
            int i0 = (index / colParts) * rowStep, j0 = (index % colParts) * colStep;
            block(worker, c, cOff, n, a, aOff, b, bOff, m, n, k, transA, transB, accumulate,
                    i0, Math.min(m, i0 + rowStep), j0, Math.min(n, j0 + colStep));
        }
    }

    private static void checkRange(String what, float[] x, int off, long len) {
        if (off < 0 || off + len > x.length)
            throw new IndexOutOfBoundsException(what + ": [" + off + ", " + (off + len) + ") outside an array of " + x.length);
    }

    static int ceilDiv(int x, int y) { return (x + y - 1) / y; }

    /** Block size for `total` split into equal blocks of at most `max`, rounded up to `align`. */
    static int blockSize(int total, int max, int align) {
        int blocks = ceilDiv(total, max);
        return ceilDiv(ceilDiv(total, blocks), align) * align;
    }

    /**
     * The whole product on the calling thread with worker {@code worker}'s packing buffers, for
     * callers that split their work across the pool themselves (one call per worker at a time).
     * Always the packed path, so an element's bits depend on k alone, never on m or n. C's rows are
     * {@code ldc} floats apart (≥ n), so C may be a block of columns of a wider matrix.
     */
    public void sgemmOnWorker(int worker, float[] c, int cOff, int ldc, float[] a, int aOff, float[] b, int bOff,
                              int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (ldc < n) throw new IllegalArgumentException("ldc " + ldc + " < n " + n);
        checkRange("C", c, cOff, (long) (m - 1) * ldc + n);
        checkRange("A", a, aOff, (long) m * k);
        checkRange("B", b, bOff, (long) k * n);
        if (k <= 0 || !HAS_256_BIT_VECTORS) {
            small(c, cOff, ldc, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
        } else {
            block(worker, c, cOff, ldc, a, aOff, b, bOff, m, n, k, transA, transB, accumulate, 0, m, 0, n);
        }
    }

    /**
     * op(B) given by what its packed panels hold rather than by an array: a convolution packs the
     * windows of its input straight into the panels (an implicit im2col, no lowered matrix in memory).
     */
    public interface Panels {
        /** B's columns [jc, jc + nc), k range [pc, pc + kc), into dst as {@link SgemmPacking#packB} lays them out (see panelWidth). */
        void pack(float[] dst, int jc, int nc, int pc, int kc, int nr);

        /**
         * Whether B's element (k = p, n = j) is {@code source()[rowOffsets()[p] + columnOffsets()[j]]} with every 16
         * columns from a multiple of 16 in [j0, j1) consecutive in source: then the micro-kernel loads B's vectors
         * where they lie ({@link SgemmTiles#tiles512Direct}) and nothing is packed.
         */
        default boolean direct(int j0, int j1) { return false; }
        default float[] source() { return NO_ARRAY; }
        default int[] rowOffsets() { return null; }
        default int[] columnOffsets() { return null; }
    }

    /**
     * {@link #sgemmOnWorker} with op(B) packed by {@code b}: the same FMAs in the same order as
     * with B in an array, so the same bits. Needs the vector path (HAS_256_BIT_VECTORS).
     */
    void sgemmOnWorker(int worker, float[] c, int cOff, int ldc, float[] a, int aOff, Panels b,
                       int m, int n, int k, boolean transA, boolean accumulate) {
        if (m <= 0 || n <= 0 || k <= 0) throw new IllegalArgumentException("empty product " + m + "×" + n + "×" + k);
        if (!HAS_256_BIT_VECTORS) throw new IllegalStateException("packed panels need 256-bit vectors");
        if (ldc < n) throw new IllegalArgumentException("ldc " + ldc + " < n " + n);
        checkRange("C", c, cOff, (long) (m - 1) * ldc + n);
        checkRange("A", a, aOff, (long) m * k);
        block(worker, c, cOff, ldc, a, aOff, b, NO_ARRAY, 0, m, n, k, transA, false, accumulate, 0, m, 0, n);
    }

    /**
     * Whether {@link #sgemmOnWorkerDirectA} takes an m×n product: whole 4×32 tiles of 512-bit vectors only.
     */
    boolean directA(int m, int n) { return nr == NR_512 && m % MR == 0 && n % nr == 0; }

    /**
     * {@link #sgemmOnWorker} with op(A) read where it lies rather than packed: A's element (i, p) is
     * src[rowOff[r0 + i] + colOff[p]] (a convolution's col: tap r0 + i at pixel p, in X's padded planes). The
     * micro-kernel broadcasts A's elements one by one anyway, from any address, so packing them only cost a
     * pass over m·k floats. The same FMAs in the same order as with A packed, so the same bits. Needs
     * {@link #directA}(m, n).
     *
     * <p>Its loop nest repeats {@code block}'s on purpose: {@code block} taking A in place as a third source (a
     * record beside {@code Panels}) gave the same bits, but the weight gradients that read col in place then ran 8×
     * slower (ConvSideBySide directa, conv2dWeightGrad over rgb128-conv's five layers: 776.6 ms, against 91.3 before
     * the change): with a third micro-kernel call in the loop nest the JIT no longer inlined this one into it, and
     * un-inlined vectors are boxed.
     */
    void sgemmOnWorkerDirectA(int worker, float[] c, int cOff, int ldc, float[] src, int[] rowOff, int r0, int[] colOff,
                              float[] b, int bOff, int m, int n, int k, boolean transB, boolean accumulate) {
        if (!directA(m, n) || k <= 0) throw new IllegalArgumentException("not whole tiles: " + m + "×" + n + "×" + k);
        if (ldc < n) throw new IllegalArgumentException("ldc " + ldc + " < n " + n);
        checkRange("C", c, cOff, (long) (m - 1) * ldc + n);
        checkRange("B", b, bOff, (long) k * n);
        int kcMax = blockSize(k, KC, 1);             // as in block: the k blocks depend on k alone
        int ncMax = Math.min(blockSize(n, NC, nr), ceilDiv(n, nr) * nr);
        float[] bp = bPack[worker];
        if (bp.length < ncMax * kcMax) bPack[worker] = bp = new float[ncMax * kcMax];
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                if (transB) packBTrans(bp, b, bOff, k, jc, nc, pc, kc, nr);
                else packB(bp, b, bOff, n, jc, nc, pc, kc, nr);
                SgemmTiles.tiles512DirectA(c, cOff + jc, ldc, m, nc, kc, src, rowOff, r0, colOff, pc, bp, pc == 0 && !accumulate);
            }
        }
    }

    /** C rows [i0, i1) × columns [j0, j1) with worker {@code worker}'s packing buffers. */
    private void block(int worker, float[] c, int cOff, int ldc, float[] a, int aOff, float[] b, int bOff,
                       int m, int n, int k, boolean transA, boolean transB, boolean accumulate,
                       int i0, int i1, int j0, int j1) {
        block(worker, c, cOff, ldc, a, aOff, null, b, bOff, m, n, k, transA, transB, accumulate, i0, i1, j0, j1);
    }

    /** The loop nest; op(B) from `panels` when it is not null, else from b. */
    private void block(int worker, float[] c, int cOff, int ldc, float[] a, int aOff, Panels panels, float[] b, int bOff,
                       int m, int n, int k, boolean transA, boolean transB, boolean accumulate,
                       int i0, int i1, int j0, int j1) {
        int kcMax = blockSize(k, KC, 1);             // depends on k only: the same k order for every split
        int nr = this.nr;
        int ncMax = Math.min(blockSize(j1 - j0, NC, nr), ceilDiv(j1 - j0, nr) * nr);
        int mcMax = Math.min(blockSize(i1 - i0, MC, MR), ceilDiv(i1 - i0, MR) * MR);
        float[] ap = aPack[worker], bp = bPack[worker];
        if (ap.length < mcMax * kcMax) aPack[worker] = ap = new float[mcMax * kcMax];
        if (bp.length < ncMax * kcMax) bPack[worker] = bp = new float[ncMax * kcMax];
        float[] tmp = edge[worker];
        // B read in place: only whole 4×32 tiles (the edge tiles go through tmp from packed panels), and only for
        // few rows (see DIRECT_MAX_ROWS)
        boolean direct = panels != null && nr == NR_512 && i1 - i0 <= DIRECT_MAX_ROWS && (i1 - i0) % MR == 0
                && (j1 - j0) % nr == 0 && panels.direct(j0, j1);
        for (int jc = j0; jc < j1; jc += ncMax) {
            int nc = Math.min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean overwrite = pc == 0 && !accumulate;
                if (direct) { /* nothing to pack */ }
                else if (panels != null) panels.pack(bp, jc, nc, pc, kc, nr);
                else if (transB) packBTrans(bp, b, bOff, k, jc, nc, pc, kc, nr);
                else packB(bp, b, bOff, n, jc, nc, pc, kc, nr);
                for (int ic = i0; ic < i1; ic += mcMax) {
                    int mc = Math.min(mcMax, i1 - ic);
                    if (transA) packATrans(ap, a, aOff, m, ic, mc, pc, kc);
                    else packA(ap, a, aOff, k, ic, mc, pc, kc);
                    if (direct) tiles512Direct(c, cOff + ic * ldc + jc, ldc, mc, nc, kc, ap, panels.source(), panels.columnOffsets(), jc,
                            panels.rowOffsets(), pc, overwrite);
                    else macroKernel(c, cOff + ic * ldc + jc, ldc, mc, nc, kc, ap, bp, overwrite, tmp, nr);
                }
            }
        }
    }

    // ---- small problems: packing costs more than it saves ----

    static void small(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                      int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        small(c, cOff, n, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
    }

    /** C's rows ldc floats apart. */
    static void small(float[] c, int cOff, int ldc, float[] a, int aOff, float[] b, int bOff,
                      int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        int aRow = transA ? 1 : k, aStep = transA ? m : 1;   // A[i][p] = a[aOff + i*aRow + p*aStep]
        int bCol = transB ? k : 1, bStep = transB ? 1 : n;   // B[p][j] = b[bOff + j*bCol + p*bStep]
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                int ai = aOff + i * aRow, bi = bOff + j * bCol;
                for (int p = 0; p < k; p++, ai += aStep, bi += bStep) acc = Math.fma(a[ai], b[bi], acc);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + acc : acc;
            }
        }
    }

    /** Releases the pool's threads if this SGEMM created it. */
    @Override
    public void close() {
        if (ownsPool) pool.close();
    }
}


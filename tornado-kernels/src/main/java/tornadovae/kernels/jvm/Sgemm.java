package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-blocked SGEMM on the Vector API, BLIS-style:
 * C[m×n] = op(A)·op(B) (+C when accumulate), with the operand layouts of
 * {@link tornadovae.kernels.ref.MatmulRef#sgemm}.
 *
 * Loop nest per task (a rectangle of C): column blocks of NC, k blocks of KC (pack op(B) into
 * nr-column panels), row blocks of MC (pack op(A) into MR-row panels), then a 4×nr micro-kernel
 * over every (nr, MR) panel pair. Packing absorbs all four transpose forms, so there is one
 * micro-kernel per vector width; edge panels are zero-padded, so an edge element sees the same FMAs
 * as an inner one.
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

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
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
    private final WorkerPool.Task runTask = this::runTask;

    // The current call, read by the tasks.
    private float[] c = ConvLowering.NO_ARRAY, a = ConvLowering.NO_ARRAY, b = ConvLowering.NO_ARRAY;
    private int cOff, aOff, bOff, m, n, k;
    private boolean transA, transB, accumulate;
    private int rowParts, colParts, rowStep, colStep;

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
        this.c = c; this.cOff = cOff; this.a = a; this.aOff = aOff; this.b = b; this.bOff = bOff;
        this.m = m; this.n = n; this.k = k;
        this.transA = transA; this.transB = transB; this.accumulate = accumulate;
        int threads = pool.threads();
        int parts = 1;
        if (threads > 1 && macs >= PARALLEL_MIN_MACS) {
            parts = threads;
            while (macs / parts > TASK_MACS && parts < 8 * threads) parts += threads;
        }
        chooseGrid(parts);
        try {
            pool.forEach(rowParts * colParts, runTask);
        } finally {
            this.c = this.a = this.b = ConvLowering.NO_ARRAY;
        }
    }

    /**
     * Splits C into a grid of about `parts` rectangles. Every column part packs the rows of op(A) it
     * needs and every row part the columns of op(B), so the grid minimises colParts·m + rowParts·n.
     * Columns are dealt in 16s even with 32-column tiles (a part may end in a 16-wide panel, see
     * panelWidth): n = 400 on two threads splits 208 + 192, where 32s gave 224 + 176.
     */
    private void chooseGrid(int parts) {
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

    private void runTask(int index, int worker) {
        int i0 = (index / colParts) * rowStep, j0 = (index % colParts) * colStep;
        block(worker, c, cOff, n, a, aOff, b, bOff, m, n, k, transA, transB, accumulate,
                i0, Math.min(m, i0 + rowStep), j0, Math.min(n, j0 + colStep));
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
        /** B's columns [jc, jc + nc), k range [pc, pc + kc), into dst as {@link #packB} lays them out (see panelWidth). */
        void pack(float[] dst, int jc, int nc, int pc, int kc, int nr);
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
        block(worker, c, cOff, ldc, a, aOff, b, ConvLowering.NO_ARRAY, 0, m, n, k, transA, false, accumulate, 0, m, 0, n);
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
        for (int jc = j0; jc < j1; jc += ncMax) {
            int nc = Math.min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean overwrite = pc == 0 && !accumulate;
                if (panels != null) panels.pack(bp, jc, nc, pc, kc, nr);
                else if (transB) packBTrans(bp, b, bOff, k, jc, nc, pc, kc, nr);
                else packB(bp, b, bOff, n, jc, nc, pc, kc, nr);
                for (int ic = i0; ic < i1; ic += mcMax) {
                    int mc = Math.min(mcMax, i1 - ic);
                    if (transA) packATrans(ap, a, aOff, m, ic, mc, pc, kc);
                    else packA(ap, a, aOff, k, ic, mc, pc, kc);
                    macroKernel(c, cOff + ic * ldc + jc, ldc, mc, nc, kc, ap, bp, overwrite, tmp, nr);
                }
            }
        }
    }

    // ---- packing: op(A) into [panel][p][MR], op(B) into [panel][p][nr], zero-padded ----

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

    // ---- the macro-kernel: all (nr, MR) panel pairs of one packed block; the micro-kernels are tiles and tiles512 ----

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

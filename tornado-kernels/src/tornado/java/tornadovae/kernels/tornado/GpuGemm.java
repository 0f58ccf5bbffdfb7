package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid3D;

/**
 * The GPU-class GEMM family: local-memory blocks with register micro-tiles ({@link TornadoGpuGemmKernels}), and
 * split-K with a deterministic reduce where C alone gives too few work-items.
 *
 * <p>Per call it picks a variant and a number of parts ({@link #plan}). The rule it serves: a kernel of a step
 * launches at least {@value #MIN_WORK_ITEMS} work-items unless its whole work is under 1 MFLOP, so that a GPU
 * has enough work-groups in flight. The variant: of the blocks whose grid reaches that (128×64, 64×64, 32×128 or
 * 32×32; a sum over batches, such as a weight gradient, may be split over them to get there), the one whose
 * work-groups load least from global memory, a split's reduce included (only what lies inside A and B is loaded;
 * ties: the one padding C least); if none does, 32×32 where C is thin (m or n ≤ 32: a conv weight gradient,
 * a latent head), else 64×64; then the batches and k-steps of each output are split into as many parts as it takes
 * (and 32×32 tried when even that falls short). A forced variant
 * ({@value #VARIANT_PROPERTY} = 1..5) is used for every call, to compare them side by side; the split still applies.
 *
 * <p>Chosen without a GPU to measure on: the thresholds follow from work-item counts and the loads per FMA,
 * not from timings.
 */
final class GpuGemm implements GemmFamily {
    /** System property forcing one variant of {@link TornadoGpuGemmKernels} (1..5); unset or 0 = chosen per call. */
    static final String VARIANT_PROPERTY = "tornadovae.tornado.gpugemm";
    static final int MIN_WORK_ITEMS = 4096;
    /** Work (2·FMAs) under which a call may launch fewer work-items: splitting it would cost more than it runs. */
    static final long SMALL_FLOPS = 1_000_000L;
    /** Work-group size of the reduce task. */
    static final int REDUCE_LOCAL = 256;

    private final int forced;

    GpuGemm() { this(Integer.getInteger(VARIANT_PROPERTY, 0)); }

    /** @param variant 1..5 forces that variant for every call; 0 picks per call */
    GpuGemm(int variant) {
        if (variant < 0 || variant >= TornadoGpuGemmKernels.SHAPES.length)
            throw new IllegalArgumentException("GPU GEMM variant " + variant + " does not exist (1.." + (TornadoGpuGemmKernels.SHAPES.length - 1)
                    + ", 0 = chosen per call)");
        this.forced = variant;
    }

    @Override
    public String name() { return "gpu"; }

    /** How one call is launched: the variant, its work-groups along x (columns) and y (rows), and the split along z. */
    record Launch(int variant, int groupsX, int groupsY, int outputs, int parts, int qPerPart) {
        /** Split: partial sums into the scratch, then a reduce task. */
        boolean reduce() { return parts > 1; }

        int localX() { return TornadoGpuGemmKernels.SHAPES[variant][1] / TornadoGpuGemmKernels.SHAPES[variant][3]; }

        int localY() { return TornadoGpuGemmKernels.SHAPES[variant][0] / TornadoGpuGemmKernels.SHAPES[variant][2]; }

        long workItems() { return (long) groupsX * localX() * groupsY * localY() * outputs * parts; }
    }

    Launch plan(GemmCall call) {
        int v = forced;
        if (v == 0) {
            // of the blocks whose grid reaches MIN_WORK_ITEMS, the one loading least from global memory: per k, each
            // column of blocks loads all m rows of A and each row of blocks all n columns of B (the loads skip what lies
            // outside A and B); a split call's reduce loads its parts. A sum over batches (a weight gradient) may be
            // split to get there, since its parts are few and small; other calls count their grid unsplit. Ties: the
            // one whose blocks pad C least (work-items with nothing to do), then the larger block.
            long best = Long.MAX_VALUE, bestPadded = Long.MAX_VALUE;
            for (int candidate : new int[] {3, 1, 5, 4}) {
                Launch u = call.inner() > 1 ? split(call, candidate) : unsplit(call, candidate);
                int[] s = TornadoGpuGemmKernels.SHAPES[candidate];
                long loads = ((long) u.groupsX() * call.m() + (long) u.groupsY() * call.n()) * call.k() * call.inner()
                        + (u.reduce() ? (long) u.parts() * call.m() * call.n() : 0L);
                long padded = (long) u.groupsX() * s[1] * u.groupsY() * s[0];
                if (u.workItems() >= MIN_WORK_ITEMS && (loads < best || loads == best && padded < bestPadded)) {
                    v = candidate;
                    best = loads;
                    bestPadded = padded;
                }
            }
            if (v == 0) v = call.m() <= 32 || call.n() <= 32 ? 4 : 1;
        }
        Launch l = split(call, v);
        // Still short (few k-steps to split): a 32×32 block has four times the work-groups.
        if (forced == 0 && v != 4 && l.workItems() < MIN_WORK_ITEMS && 2 * call.fmas() >= SMALL_FLOPS) l = split(call, 4);
        return l;
    }

    /** The variant's launch, its batches and k-steps split into enough parts to reach MIN_WORK_ITEMS if it is worth it. */
    private static Launch split(GemmCall call, int v) {
        Launch l = unsplit(call, v);
        long q = (long) call.inner() * kSteps(call);
        if (2 * call.fmas() < SMALL_FLOPS || l.workItems() >= MIN_WORK_ITEMS || q == 1) return l;
        long wanted = (MIN_WORK_ITEMS + l.workItems() - 1) / l.workItems();
        int qPer = (int) Math.max(1, q / wanted);     // rounded down: at least `wanted` parts where q allows
        return new Launch(v, l.groupsX(), l.groupsY(), call.outputs(), (int) ((q + qPer - 1) / qPer), qPer);
    }

    private static Launch unsplit(GemmCall call, int v) {
        int[] s = TornadoGpuGemmKernels.SHAPES[v];
        long q = (long) call.inner() * kSteps(call);
        if (q > Integer.MAX_VALUE) throw new IllegalArgumentException("GEMM too deep for one call: " + call);
        return new Launch(v, ceil(call.n(), s[1]), ceil(call.m(), s[0]), call.outputs(), 1, (int) q);
    }

    private static int kSteps(GemmCall call) { return ceil(call.k(), TornadoGpuGemmKernels.BK); }

    private static int ceil(int x, int d) { return (x + d - 1) / d; }

    @Override
    public int tasks(GemmCall call) { return plan(call).reduce() ? 2 : 1; }

    /** 18 arguments and the KernelContext for the block kernel; 12 and the context for the reduce. */
    @Override
    public int args(GemmCall call) { return plan(call).reduce() ? 19 + 13 : 19; }

    /** Yes: a convolution's GEMM as wide as its group of images fills 64-column blocks (an image of mnist-conv's has 49 or 196 pixels). */
    @Override
    public boolean groupsColumns() { return true; }

    @Override
    public long scratchFloats(GemmCall call) {
        Launch l = plan(call);
        return l.reduce() ? (long) call.outputs() * l.parts() * call.m() * call.n() : 0L;
    }

    @Override
    public void add(TornadoTasks.Context context, String id, GemmCall call, float[] scratch) {
        Launch l = plan(call);
        boolean split = l.reduce();
        if (split && scratch.length < scratchFloats(call))
            throw new IllegalArgumentException("GEMM scratch of " + scratch.length + " floats, " + scratchFloats(call) + " needed");
        long mn = TornadoGpuGemmKernels.pack(call.m(), call.n());
        GemmCall.ImplicitB x = call.implicitB();
        int bMode = x == null ? 0 : 1;
        boolean alongJ = x != null || call.sBj() == 1;   // where B's neighbouring words lie (X: along an image's pixels)
        int epi = TornadoGpuGemmKernels.epilogue(call.accumulate(), call.biasMode(), call.act(), bMode, alongJ);
        long bStr = x == null ? TornadoGpuGemmKernels.pack(call.sBp(), call.sBj()) : TornadoGpuGemmKernels.pack(x.xDims(), x.yDims());
        int sBn = x == null ? call.sBn() : x.kps();
        long cOffZ = TornadoGpuGemmKernels.pack(call.cOff(), call.sCz());
        long ldcNPer = TornadoGpuGemmKernels.pack(call.ldc(), call.nPer());
        // The block kernel stores C, or its parts as plain [m][n] matrices one after another in the scratch: the same
        // arguments describe either (see the block kernel), and the parts get no epilogue.
        long blockC = split ? TornadoGpuGemmKernels.pack(0, call.m() * call.n()) : cOffZ;
        long blockLd = split ? TornadoGpuGemmKernels.pack(call.n(), call.nPer()) : ldcNPer;
        long nStr = TornadoGpuGemmKernels.pack(sBn, split ? call.nPer() : call.sCn());
        int blockEpi = split ? TornadoGpuGemmKernels.epilogue(false, 0, TornadoActivations.ACT_IDENTITY, bMode, alongJ) : epi;
        // The block kernel's bias is never read when it writes partial sums; A stands in (already an input), so
        // that no array is passed after the written one.
        float[] bias = split ? call.a() : call.biasOrDummy(call.a());
        Block args = new Block(call.a(), TornadoGpuGemmKernels.pack(call.aOff(), call.sAb()),
                TornadoGpuGemmKernels.pack(call.sAi(), call.sAp()), call.b(), TornadoGpuGemmKernels.pack(call.bOff(), call.sBb()),
                bStr, mn, TornadoGpuGemmKernels.pack(call.k(), call.inner()),
                l.parts(), l.qPerPart(), bias, call.biasOff(), blockEpi, call.slope(),
                split ? scratch : call.c(), blockC, blockLd, nStr);
        String blockId = split ? id + "Parts" : id;
        addBlock(context.tg(), blockId, l.variant(), args);
        WorkerGrid3D grid = new WorkerGrid3D(l.groupsX() * l.localX(), l.groupsY() * l.localY(), l.outputs() * l.parts());
        grid.setLocalWork(l.localX(), l.localY(), 1);
        context.grids().addWorkerGrid(context.graph() + "." + blockId, grid);
        if (split) {
            int total = call.outputs() * call.m() * call.n();
            context.tg().task(id, TornadoGpuGemmKernels::reduce, new KernelContext(), scratch, mn, l.parts(),
                    call.biasOrDummy(scratch), call.biasOff(), epi, call.slope(), call.c(), cOffZ, ldcNPer, call.sCn(), total);
            WorkerGrid1D rgrid = new WorkerGrid1D(ceil(total, REDUCE_LOCAL) * REDUCE_LOCAL);
            rgrid.setLocalWork(REDUCE_LOCAL, 1, 1);
            context.grids().addWorkerGrid(context.graph() + "." + id, rgrid);
        }
    }

    /** The block kernel's arguments after its KernelContext, in its order (the written array, out, last but two ints). */
    private record Block(float[] a, long aOffAb, long aStr, float[] b, long bOffBb, long bStr, long mn, long kInner,
                         int parts, int qPerPart, float[] bias, int biasOff, int epi, float slope, float[] out,
                         long cOffZ, long ldcNPer, long nStr) {}

    private static void addBlock(TaskGraph tg, String id, int variant, Block x) {
        KernelContext ctx = new KernelContext();
        switch (variant) {
            case 1 -> tg.task(id, TornadoGpuGemmKernels::gemm1, ctx, x.a(), x.aOffAb(), x.aStr(), x.b(), x.bOffBb(), x.bStr(),
                    x.mn(), x.kInner(), x.parts(), x.qPerPart(), x.bias(), x.biasOff(), x.epi(), x.slope(), x.out(), x.cOffZ(),
                    x.ldcNPer(), x.nStr());
            case 2 -> tg.task(id, TornadoGpuGemmKernels::gemm2, ctx, x.a(), x.aOffAb(), x.aStr(), x.b(), x.bOffBb(), x.bStr(),
                    x.mn(), x.kInner(), x.parts(), x.qPerPart(), x.bias(), x.biasOff(), x.epi(), x.slope(), x.out(), x.cOffZ(),
                    x.ldcNPer(), x.nStr());
            case 3 -> tg.task(id, TornadoGpuGemmKernels::gemm3, ctx, x.a(), x.aOffAb(), x.aStr(), x.b(), x.bOffBb(), x.bStr(),
                    x.mn(), x.kInner(), x.parts(), x.qPerPart(), x.bias(), x.biasOff(), x.epi(), x.slope(), x.out(), x.cOffZ(),
                    x.ldcNPer(), x.nStr());
            case 4 -> tg.task(id, TornadoGpuGemmKernels::gemm4, ctx, x.a(), x.aOffAb(), x.aStr(), x.b(), x.bOffBb(), x.bStr(),
                    x.mn(), x.kInner(), x.parts(), x.qPerPart(), x.bias(), x.biasOff(), x.epi(), x.slope(), x.out(), x.cOffZ(),
                    x.ldcNPer(), x.nStr());
            case 5 -> tg.task(id, TornadoGpuGemmKernels::gemm5, ctx, x.a(), x.aOffAb(), x.aStr(), x.b(), x.bOffBb(), x.bStr(),
                    x.mn(), x.kInner(), x.parts(), x.qPerPart(), x.bias(), x.biasOff(), x.epi(), x.slope(), x.out(), x.cOffZ(),
                    x.ldcNPer(), x.nStr());
            default -> throw new IllegalArgumentException("GPU GEMM variant " + variant);
        }
    }
}

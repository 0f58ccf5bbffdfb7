package tornadovae.kernels.tornado;

/**
 * The CPU-class GEMM family: {@link CpuGemmKernels#gemm}, one work-item per R×L block of C. A call whose
 * C is a sum over many batches (a convolution's weight gradient) and that has too few blocks to keep the
 * device's cores busy is split over its batches: each part writes its sum to the scratch array, and
 * {@link ConvGemmKernels#sumParts} adds the parts in order, so the bits do not depend on the device.
 */
final class CpuGemm implements GemmFamily {
    /** Work-items a call should have at least: a few per core of the CPUs OpenCL runs on here and on servers. */
    static final int MIN_WORK_ITEMS = 64;

    @Override public String name() { return "cpu"; }

    /** No: an R×L block spans one image's pixels, and its row groups already reuse B from cache (see {@link #rowGroup}). */
    @Override public boolean groupsColumns() { return false; }

    /** How many parts a call's batches are split into (1: none). */
    static int splits(GemmCall call) {
        if (call.outputs() != 1 || call.inner() == 1) return 1;
        long blocks = (long) blocks(call.m(), CpuGemmKernels.R) * blocks(call.n(), CpuGemmKernels.L);
        if (blocks >= MIN_WORK_ITEMS) return 1;
        return (int) Math.min(call.inner(), (MIN_WORK_ITEMS + blocks - 1) / blocks);
    }

    private static int blocks(int size, int block) { return (size + block - 1) / block; }

    /**
     * Row blocks a work-item takes in turn, so that its column strip of op(B) is read from cache after the first:
     * the most of 8, 4, 2 that still leaves {@link #MIN_WORK_ITEMS} work-items. On PoCL it took mnist-conv's second
     * layer (64×49×512, 128 images) from 42 to 21-30 ms and rgb128-conv's (64×1024×512, 64 images) from 692 to
     * 363-470 ms, and left the MLP's GEMMs within the noise. The bits do not depend on it.
     */
    static int rowGroup(int m, int n, int outputs) {
        int rb = blocks(m, CpuGemmKernels.R);
        long others = (long) blocks(n, CpuGemmKernels.L) * outputs;
        for (int g = 8; g > 1; g /= 2)
            if (g <= rb && blocks(rb, g) * others >= MIN_WORK_ITEMS) return g;
        return 1;
    }

    @Override public int tasks(GemmCall call) { return splits(call) > 1 ? 2 : 1; }

    @Override public int args(GemmCall call) { return splits(call) > 1 ? 30 : 20; }

    @Override public long scratchFloats(GemmCall call) {
        int s = splits(call);
        return s > 1 ? (long) s * call.m() * call.n() : 0;
    }

    @Override
    public void add(TornadoTasks.Context ctx, String id, GemmCall g, float[] scratch) {
        if (g.grouped() || g.implicitB() != null)
            throw new IllegalArgumentException("the CPU GEMM takes a lowered col a batch per image, not column groups or X itself: " + g);
        if (g.ldc() != g.n()) throw new IllegalArgumentException("the CPU GEMM stores rows of C back to back (ldc = n), got ldc " + g.ldc());
        int s = splits(g);
        int cb = blocks(g.n(), CpuGemmKernels.L);
        float[] bias = g.biasOrDummy(ctx.scratch());
        if (s == 1) {
            int group = rowGroup(g.m(), g.n(), g.outputs());
            int rb = blocks(blocks(g.m(), CpuGemmKernels.R), group);
            int mode = CpuGemmKernels.mode(g.accumulate(), g.biasMode(), g.act(), g.transA(), g.transB(), group);
            ctx.tg().task(id, CpuGemmKernels::gemm, g.a(), g.aOff(), g.sAb(), g.b(), g.bOff(), g.sBb(), bias, g.biasOff(),
                    g.c(), g.cOff(), g.sCz(), g.m(), g.n(), g.k(), g.outputs(), CpuGemmKernels.innerLimit(g.inner(), g.outputs() * g.inner()),
                    mode, g.slope(), rb, cb);
            return;
        }
        // the parts: part z sums batches z·per .. z·per + per − 1 (the last stops at inner) into scratch
        int per = (g.inner() + s - 1) / s;
        int parts = (g.inner() + per - 1) / per;
        int size = g.m() * g.n();
        int group = rowGroup(g.m(), g.n(), parts);
        int rb = blocks(blocks(g.m(), CpuGemmKernels.R), group);
        int plain = CpuGemmKernels.mode(false, 0, TornadoActivations.ACT_IDENTITY, g.transA(), g.transB(), group);
        ctx.tg().task(id + "Parts", CpuGemmKernels::gemm, g.a(), g.aOff(), g.sAb(), g.b(), g.bOff(), g.sBb(), bias, 0,
                scratch, 0, size, g.m(), g.n(), g.k(), parts, CpuGemmKernels.innerLimit(per, g.inner()), plain, 0f, rb, cb);
        int mode = CpuGemmKernels.mode(g.accumulate(), g.biasMode(), g.act(), false, false);
        ctx.tg().task(id, ConvGemmKernels::sumParts, scratch, bias, g.biasOff(), g.c(), g.cOff(), size, g.n(), parts, mode, g.slope());
    }
}

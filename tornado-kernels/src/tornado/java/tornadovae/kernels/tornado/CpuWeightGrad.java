package tornadovae.kernels.tornado;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * A convolution's weight gradient with the CPU family, one group of images at a time: pack Y into Ap and lower X
 * into Bp ({@link CpuWgradKernels}: both in the col scratch, Bp first), then one GEMM with k = images·P (split
 * into parts of whole images where there are too few blocks to keep the cores busy, as {@link CpuGemm#splits}
 * decides for the unpacked call, the parts summed in order by {@link ConvGemmKernels#sumParts}).
 */
final class CpuWeightGrad {
    private CpuWeightGrad() {}

    private static final int R = CpuWgradKernels.R, L = CpuWgradKernels.L;

    private static int roundUp(int x, int block) { return (x + block - 1) / block * block; }

    /** Floats of col scratch a group of {@code images} needs: Bp, then Ap. */
    static long colFloats(ConvGeometry g, int images) {
        return (long) images * DeviceConv.pixels(g) * (roundUp(DeviceConv.taps(g), L) + roundUp(cy(g), R));
    }

    /** Tasks of one group: the two packs, the GEMM (and the sum of its parts when split). */
    static int tasks(GemmCall unpacked) { return 2 + new CpuGemm().tasks(unpacked); }

    private static int cy(ConvGeometry g) { return g.transposed() ? g.inC() : g.outC(); }

    /**
     * Adds a group's tasks: dW (+)= Σ over the group's images of Y_b·col_bᵀ, Y read at {@code yOff} ([images][Cy][P])
     * and X at {@code xOff}; {@code unpacked} is the same product as {@link DeviceConv#weightGrad} states it (its
     * sizes, split and scratch are this one's).
     */
    static void add(TornadoTasks.Context ctx, String gid, ConvGeometry g, float[] x, int xOff, int xDims, int yDims, int kps,
                    float[] y, int yOff, GemmCall unpacked, int images) {
        int taps = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), cy = cy(g);
        int kt = images * pixels;
        int bpFloats = roundUp(taps, L) * kt;
        float[] col = ctx.colScratch();
        int hy = (yDims >> 10) & 1023;
        ctx.tg().task(gid + "Panels", CpuWgradKernels::im2colPanels, x, xOff, col, 0, images * roundUp(taps, L) * hy, xDims, yDims,
                kps, kt);
        ctx.tg().task(gid + "PackY", CpuWgradKernels::packRows, y, yOff, col, bpFloats, images * roundUp(cy, R), cy, pixels, kt);

        int m = unpacked.m(), n = unpacked.n();
        int splits = CpuGemm.splits(unpacked);
        int imagesPer = (images + splits - 1) / splits;
        int parts = (images + imagesPer - 1) / imagesPer;
        int group = CpuGemm.rowGroup(m, n, parts);
        int rowGroups = (m + R * group - 1) / (R * group), colBlocks = (n + L - 1) / L;
        if (parts == 1) {
            int mode = CpuGemmKernels.mode(unpacked.accumulate(), 0, TornadoActivations.ACT_IDENTITY, false, false, group);
            ctx.tg().task(gid, CpuPanelKernels::gemm, col, bpFloats, 0, 0, kt, ctx.scratch(), 0, unpacked.c(), unpacked.cOff(), 0,
                    m, n, kt, kt, 1, mode, 0f, rowGroups, colBlocks);
            return;
        }
        float[] scratch = ctx.gemmScratch();
        int plain = CpuGemmKernels.mode(false, 0, TornadoActivations.ACT_IDENTITY, false, false, group);
        int per = imagesPer * pixels;
        ctx.tg().task(gid + "Parts", CpuPanelKernels::gemm, col, bpFloats, 0, 0, per, ctx.scratch(), 0, scratch, 0, m * n, m, n,
                kt, per, parts, plain, 0f, rowGroups, colBlocks);
        int mode = CpuGemmKernels.mode(unpacked.accumulate(), 0, TornadoActivations.ACT_IDENTITY, false, false);
        ctx.tg().task(gid, ConvGemmKernels::sumParts, scratch, ctx.scratch(), 0, unpacked.c(), unpacked.cOff(), m * n, n, parts,
                mode, 0f);
    }
}

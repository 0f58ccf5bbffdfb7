package tornadovae.kernels.tornado;

import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;

/**
 * The conv ops on the device as im2col / col2im plus one batched GEMM of the device's {@link GemmFamily}.
 * With X the wide tensor, Y the narrow one and W [Cy][K] (K = Cx·k² taps, P = Hy·Wy pixels; a Conv2d's X is
 * its input, a ConvTranspose2d's its output, and both layers' weights are exactly such a W), every op is one
 * of three products, over a group of images whose col fits the backend's col scratch (usually the batch):
 * <pre>
 *   Y from X (Conv2d forward, ConvTranspose2d input gradient):  col_b = im2col(X_b);   Y_b = W·col_b   (+ bias, f)
 *   X from Y (ConvTranspose2d forward, Conv2d input gradient):  col_b = Wᵀ·Y_b;        X_b = col2im(col_b) (+ bias, f; or ·f')
 *   weight gradient:                                            colᵀ_b = im2colᵀ(X_b); dW = Σ_b Y_b·colᵀ_b  (split-K)
 * </pre>
 * With the CPU family the weight gradient packs Y and col into panels first and runs one GEMM with k = images·P
 * ({@link CpuWeightGrad}): the per-image form read its operands at power-of-two strides that defeated the caches.
 * Bias and activation ride in the GEMM's epilogue or col2im's; only a ConvTranspose2d's input gradient with
 * a derivative epilogue needs a pass of its own (the GEMM's epilogue applies f, not f' of another tensor).
 */
final class DeviceConv {
    private DeviceConv() {}

    /**
     * System property choosing how the GPU family feeds a convolution's X to a GEMM: {@code im2col} (a col in the
     * scratch, then the GEMM) or {@code implicit} (the GEMM's loads of B read X: no col, one launch fewer), for the
     * forward of a Conv2d and the input gradient of a ConvTranspose2d.
     */
    static final String LOWERING_PROPERTY = "tornadovae.tornado.conv";

    /**
     * Whether this family's Y-from-X GEMMs read X directly ({@link GemmCall.ImplicitB}). (Weight gradients always
     * lower X with im2col: reading X there loaded as much, and the GEMM kernel has no graph nodes to spare for it.)
     */
    static boolean implicit(GemmFamily f) {
        String v = System.getProperty(LOWERING_PROPERTY, "im2col");
        if (!v.equals("im2col") && !v.equals("implicit"))
            throw new IllegalArgumentException("-D" + LOWERING_PROPERTY + " must be im2col or implicit, got '" + v + "'");
        return f.groupsColumns() && v.equals("implicit");
    }

    /** Most floats of col one group may take (256 MiB): larger batches are lowered a group of images at a time. */
    static long maxColFloats = 1L << 26; // a field, not a constant, so that a test can make groups small

    /** The geometry seen as X (wide), Y (narrow): {cx, hx, wx, cy, hy, wy}. */
    private static int[] xy(ConvGeometry g) {
        return g.transposed() ? new int[] {g.outC(), g.outH(), g.outW(), g.inC(), g.inH(), g.inW()}
                : new int[] {g.inC(), g.inH(), g.inW(), g.outC(), g.outH(), g.outW()};
    }

    static int taps(ConvGeometry g) { return xy(g)[0] * g.kernel() * g.kernel(); }

    static int pixels(ConvGeometry g) { int[] d = xy(g); return d[4] * d[5]; }

    /** Images per group: as many as fit maxColFloats (at least one). */
    static int group(ConvGeometry g) {
        long perImage = (long) taps(g) * pixels(g);
        return (int) Math.max(1, Math.min(g.batch(), maxColFloats / perImage));
    }

    static int groups(ConvGeometry g) { int grp = group(g); return (g.batch() + grp - 1) / grp; }

    /** Floats of col scratch the op needs. */
    static long colFloats(ConvGeometry g) { return (long) group(g) * taps(g) * pixels(g); }

    // ---------------------------------------------------------------- the three GEMMs of one group

    /**
     * Y_b = W·col_b for the group's images (C and the epilogue as given): a batch of per-image GEMMs, or, where the
     * family groups columns, one GEMM of n = images·P columns in groups of P (the same sums, wider blocks).
     */
    static GemmCall yFromX(ConvGeometry g, boolean wide, float[] w, int wOff, float[] col, float[] y, int yOff, int images,
                           float[] bias, int biasOff, int biasMode, int act, float slope) {
        int K = taps(g), P = pixels(g), cy = xy(g)[3];
        if (wide)
            return new GemmCall(w, wOff, 0, K, 1, col, 0, 0, P, 1, y, yOff, 0, P, cy, images * P, K, 1, 1, false,
                    bias, biasOff, biasMode, act, slope, P, K * P, cy * P, null);
        return new GemmCall(w, wOff, 0, K, 1, col, 0, K * P, P, 1, y, yOff, cy * P, P, cy, P, K, images, 1, false,
                bias, biasOff, biasMode, act, slope);
    }

    /** col_b = Wᵀ·Y_b, per image or (wide) as one GEMM across the group. */
    static GemmCall colFromY(ConvGeometry g, boolean wide, float[] w, int wOff, float[] y, int yOff, float[] col, int images) {
        int K = taps(g), P = pixels(g), cy = xy(g)[3];
        int id = TornadoActivations.ACT_IDENTITY;
        if (wide)
            return new GemmCall(w, wOff, 0, 1, K, y, yOff, 0, P, 1, col, 0, 0, P, K, images * P, cy, 1, 1, false,
                    null, 0, 0, id, 0f, P, cy * P, K * P, null);
        return new GemmCall(w, wOff, 0, 1, K, y, yOff, cy * P, P, 1, col, 0, K * P, P, K, P, cy, images, 1, false,
                null, 0, 0, id, 0f);
    }

    /** {@link #yFromX} across the group (wide), B read from X itself at {@code xOff} instead of from col. */
    static GemmCall yFromXImplicit(ConvGeometry g, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, int images,
                                   float[] bias, int biasOff, int biasMode, int act, float slope) {
        int[] d = xy(g);
        return new GemmCall(w, wOff, 0, taps(g), 1, x, xOff, 0, pixels(g), 1, y, yOff, 0, pixels(g), d[3], images * pixels(g),
                taps(g), 1, 1, false, bias, biasOff, biasMode, act, slope, pixels(g), 0, d[3] * pixels(g),
                new GemmCall.ImplicitB(packX(g), packY(g), kps(g)));
    }

    /** dW (+)= Σ_b Y_b·colᵀ_b over the group's images (summed over batches: a family may split them). */
    static GemmCall weightGrad(ConvGeometry g, float[] y, int yOff, float[] colT, float[] dw, int dwOff, int images,
                                       boolean accumulate) {
        int K = taps(g), P = pixels(g), cy = xy(g)[3];
        return new GemmCall(y, yOff, cy * P, P, 1, colT, 0, P * K, K, 1, dw, dwOff, 0, K, cy, K, P, 1, images, accumulate,
                null, 0, 0, TornadoActivations.ACT_IDENTITY, 0f);
    }

    // ---------------------------------------------------------------- tasks

    static int tasks(GemmFamily f, Op op, float[] any) {
        // each group adds its im2col or col2im task, except an implicit GEMM's (no im2col)
        int lowering = implicit(f) ? 0 : 1;
        // the CPU family's packs of W (and of Y) into panels (CpuConvGemm)
        boolean cpu = f instanceof CpuGemm;
        return switch (op) {
            case Op.Conv o -> gemmTasks(f, o.g(), o.g().transposed() ? 1 : 0, any) + groups(o.g()) * (o.g().transposed() ? 1 : lowering)
                    + (cpu ? groups(o.g()) * CpuConvGemm.extraTasks(!o.g().transposed()) : 0);
            case Op.ConvInputGrad o -> gemmTasks(f, o.g(), o.g().transposed() ? 0 : 1, any) + groups(o.g()) * (o.g().transposed() ? lowering : 1)
                    + (o.g().transposed() && o.epilogue().isDerivative() ? 1 : 0)
                    + (cpu ? groups(o.g()) * CpuConvGemm.extraTasks(o.g().transposed()) : 0);
            case Op.ConvWeightGrad o -> f instanceof CpuGemm ? cpuWeightGradTasks(o.g(), any) : gemmTasks(f, o.g(), 2, any) + groups(o.g());
            default -> throw new IllegalArgumentException(op.getClass().getSimpleName() + " is not a conv op");
        };
    }

    /** Tasks of the GEMMs over all groups (the last group may be smaller, and split differently). */
    private static int gemmTasks(GemmFamily f, ConvGeometry g, int kind, float[] any) {
        int n = 0, grp = group(g);
        for (int b0 = 0; b0 < g.batch(); b0 += grp) n += f.tasks(sample(f, g, kind, Math.min(grp, g.batch() - b0), any));
        return n;
    }

    private static int cpuWeightGradTasks(ConvGeometry g, float[] any) {
        int n = 0, grp = group(g);
        for (int b0 = 0; b0 < g.batch(); b0 += grp) n += CpuWeightGrad.tasks(weightGrad(g, any, 0, any, any, 0, Math.min(grp, g.batch() - b0), false));
        return n;
    }

    /** Floats of col scratch the op needs with family f: a group's col, or with the CPU family a weight gradient's packed operands. */
    static long colFloats(GemmFamily f, Op op) {
        return switch (op) {
            // Y from X with the CPU family: col's panels (pixels padded to whole panels) and W's
            case Op.Conv o -> f instanceof CpuGemm && !o.g().transposed() ? CpuConvGemm.yFromXColFloats(o.g(), group(o.g())) : colFloats(o.g());
            case Op.ConvInputGrad o -> f instanceof CpuGemm && o.g().transposed() ? CpuConvGemm.yFromXColFloats(o.g(), group(o.g()))
                    : colFloats(o.g());
            case Op.ConvWeightGrad o -> f instanceof CpuGemm ? CpuWeightGrad.colFloats(o.g(), group(o.g())) : colFloats(o.g());
            default -> 0;
        };
    }

    /** The GEMM of a group (kind 0 Y from X, 1 X from Y, 2 weight gradient) over stand-in arrays: for sizes only. */
    static GemmCall sample(GemmFamily f, ConvGeometry g, int kind, int images, float[] any) {
        boolean implicit = implicit(f);
        return switch (kind) {
            case 0 -> implicit ? yFromXImplicit(g, any, 0, any, 0, any, 0, images, null, 0, 0, 0, 0f)
                    : yFromX(g, f.groupsColumns(), any, 0, any, any, 0, images, null, 0, 0, 0, 0f);
            case 1 -> colFromY(g, f.groupsColumns(), any, 0, any, 0, any, images);
            default -> weightGrad(g, any, 0, any, any, 0, images, false);
        };
    }

    static long gemmScratchFloats(GemmFamily f, Op op, float[] any) {
        ConvGeometry g = switch (op) {
            case Op.Conv o -> o.g();
            case Op.ConvInputGrad o -> o.g();
            case Op.ConvWeightGrad o -> o.g();
            default -> null;
        };
        if (g == null) return 0;
        long most = 0;
        // X from Y with the CPU family packs Y and Wᵀ into the GEMM scratch (CpuConvGemm)
        boolean xFromY = op instanceof Op.Conv ? g.transposed() : op instanceof Op.ConvInputGrad && !g.transposed();
        if (f instanceof CpuGemm && xFromY) most = CpuConvGemm.xFromYGemmFloats(g, group(g));
        for (int kind = 0; kind < 3; kind++) most = Math.max(most, f.scratchFloats(sample(f, g, kind, group(g), any)));
        return most;
    }

    static void conv(TornadoTasks.Context c, String id, Op.Conv o) {
        ConvGeometry g = o.g();
        int act = TornadoActivations.code(o.epilogue().kind());
        if (g.transposed()) xFromY(c, id, g, o.in(), o.weight(), o.out(), 1, c.arr(o.bias()), o.bias().offset(), act, o.epilogue().slope());
        else lowerYFromX(c, id, g, o.in(), o.weight(), o.out(), c.arr(o.bias()), o.bias().offset(), 1, act, o.epilogue().slope());
    }

    static void inputGrad(TornadoTasks.Context c, String id, Op.ConvInputGrad o) {
        ConvGeometry g = o.g();
        Epilogue e = o.epilogue();
        int act = TornadoActivations.code(e.kind());
        if (!g.transposed()) {
            Slice src = e.isDerivative() ? e.source() : o.dIn();
            xFromY(c, id, g, o.dOut(), o.weight(), o.dIn(), e.isDerivative() ? 2 : 0, c.arr(src), src.offset(), act, e.slope());
            return;
        }
        lowerYFromX(c, id, g, o.dOut(), o.weight(), o.dIn(), null, 0, 0, TornadoActivations.ACT_IDENTITY, 0f);
        if (e.isDerivative())
            c.tg().task(id + "Derivative", TornadoActivations::actBackward, c.arr(e.source()), e.source().offset(),
                    c.arr(o.dIn()), o.dIn().offset(), c.arr(o.dIn()), o.dIn().offset(), o.dIn().length(), act, e.slope());
    }

    static void weightGrad(TornadoTasks.Context c, String id, Op.ConvWeightGrad o) {
        ConvGeometry g = o.g();
        // X and Y of the product: a Conv2d's X is its input, its Y the output's gradient; a ConvTranspose2d the other way
        Slice x = g.transposed() ? o.dOut() : o.in();
        Slice y = g.transposed() ? o.in() : o.dOut();
        forEachGroup(g, id, (gid, images, xAt, yAt) -> {
            if (c.gemm() instanceof CpuGemm) {
                GemmCall unpacked = weightGrad(g, c.arr(y), y.offset() + yAt, c.colScratch(), c.arr(o.dWeight()), o.dWeight().offset(),
                        images, xAt > 0);
                CpuWeightGrad.add(c, gid, g, c.arr(x), x.offset() + xAt, packX(g), packY(g), kps(g), c.arr(y), y.offset() + yAt,
                        unpacked, images);
                return;
            }
            im2col(c, gid + "Im2colT", g, c.arr(x), x.offset() + xAt, images, 1);
            c.gemm().add(c, gid, weightGrad(g, c.arr(y), y.offset() + yAt, c.colScratch(), c.arr(o.dWeight()),
                    o.dWeight().offset(), images, xAt > 0), c.gemmScratch());
        });
    }

    /** Y from X over groups: im2col, then the GEMM with the epilogue. */
    private static void lowerYFromX(TornadoTasks.Context c, String id, ConvGeometry g, Slice x, Slice w, Slice y,
                                    float[] bias, int biasOff, int biasMode, int act, float slope) {
        boolean implicit = implicit(c.gemm());
        forEachGroup(g, id, (gid, images, xAt, yAt) -> {
            if (c.gemm() instanceof CpuGemm) {
                CpuConvGemm.yFromX(c, gid, g, c.arr(x), x.offset() + xAt, packX(g), packY(g), kps(g), c.arr(w), w.offset(), c.arr(y),
                        y.offset() + yAt, images, bias, biasOff, biasMode, act, slope);
                return;
            }
            GemmCall call;
            if (implicit) {
                call = yFromXImplicit(g, c.arr(w), w.offset(), c.arr(x), x.offset() + xAt, c.arr(y), y.offset() + yAt, images,
                        bias, biasOff, biasMode, act, slope);
            } else {
                im2col(c, gid + "Im2col", g, c.arr(x), x.offset() + xAt, images, 0);
                call = yFromX(g, c.gemm().groupsColumns(), c.arr(w), w.offset(), c.colScratch(), c.arr(y), y.offset() + yAt,
                        images, bias, biasOff, biasMode, act, slope);
            }
            c.gemm().add(c, gid, call, c.gemmScratch());
        });
    }

    /** X from Y over groups: the GEMM into col, then col2im with the epilogue (mode as {@link ConvGemmKernels#col2imRows}). */
    private static void xFromY(TornadoTasks.Context c, String id, ConvGeometry g, Slice y, Slice w, Slice x, int mode,
                               float[] aux, int auxOff, int act, float slope) {
        int[] d = xy(g);
        forEachGroup(g, id, (gid, images, xAt, yAt) -> {
            if (c.gemm() instanceof CpuGemm)
                CpuConvGemm.xFromY(c, gid, g, c.arr(y), y.offset() + yAt, c.arr(w), w.offset(), images);
            else
                c.gemm().add(c, gid + "Gemm", colFromY(g, c.gemm().groupsColumns(), c.arr(w), w.offset(), c.arr(y), y.offset() + yAt,
                        c.colScratch(), images), c.gemmScratch());
            int auxAt = mode == 2 ? auxOff + xAt : auxOff;
            if (c.gemm() instanceof CpuGemm)
                c.tg().task(gid, ConvGemmKernels::col2imRows, c.colScratch(), 0, aux, auxAt, c.arr(x), x.offset() + xAt,
                        images * d[0] * d[1], packX(g), packY(g), kps(g), mode, act, slope);
            else
                c.tg().task(gid, ConvGemmKernels::col2im, c.colScratch(), 0, aux, auxAt, c.arr(x), x.offset() + xAt,
                        images * d[0] * d[1] * d[2], packX(g), packY(g), kps(g), mode, act, slope);
        });
    }

    /** What one group of images adds: its task id, its image count, and where its images start in X and in Y. */
    @FunctionalInterface
    private interface GroupBody {
        void add(String gid, int images, int xAt, int yAt);
    }

    /** Runs {@code body} for each group of images in order; the first group's tasks take {@code id}, the others id + part. */
    private static void forEachGroup(ConvGeometry g, String id, GroupBody body) {
        int[] d = xy(g);
        int grp = group(g), xImage = d[0] * d[1] * d[2], yImage = d[3] * d[4] * d[5];
        for (int b0 = 0, part = 0; b0 < g.batch(); b0 += grp, part++)
            body.add(part == 0 ? id : id + part, Math.min(grp, g.batch() - b0), b0 * xImage, b0 * yImage);
    }

    /**
     * im2col of a group's images into the col scratch: a row of pixels a work-item on a CPU device (the index
     * arithmetic once a row), an element a work-item elsewhere (a GPU wants many work-items writing neighbours).
     */
    private static void im2col(TornadoTasks.Context c, String id, ConvGeometry g, float[] x, int xOff, int images, int transposed) {
        if (c.gemm() instanceof CpuGemm)
            c.tg().task(id, ConvGemmKernels::im2colRows, x, xOff, c.colScratch(), 0, images * taps(g) * xy(g)[4], packX(g),
                    packY(g), kps(g), transposed);
        else
            c.tg().task(id, ConvGemmKernels::im2col, x, xOff, c.colScratch(), 0, images * taps(g) * pixels(g), packX(g),
                    packY(g), kps(g), transposed);
    }

    private static int packX(ConvGeometry g) { int[] d = xy(g); return check(g, TornadoConvKernels.packDims(d[0], d[1], d[2])); }

    private static int packY(ConvGeometry g) { int[] d = xy(g); return TornadoConvKernels.packDims(d[3], d[4], d[5]); }

    private static int kps(ConvGeometry g) { return TornadoConvKernels.packKernel(g.kernel(), g.stride(), g.pad()); }

    private static int check(ConvGeometry g, int packed) {
        if (!TornadoConvKernels.fitsPacking(Math.max(g.inC(), g.outC()), Math.max(g.inH(), g.outH()), Math.max(g.inW(), g.outW()),
                g.kernel(), g.stride(), g.pad()))
            throw new IllegalArgumentException("the TornadoVM backend supports convolutions of up to 2047 channels and "
                    + "1023×1023 pixels, got " + g);
        return packed;
    }
}

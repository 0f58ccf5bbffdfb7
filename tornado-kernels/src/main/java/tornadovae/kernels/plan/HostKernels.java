package tornadovae.kernels.plan;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The host backends' kernel registry: for each op type, the {@link Kernels} call that runs it, the op's
 * slices resolved to the workspace's arrays. The reference and the JVM schedules share it (both are
 * {@link Kernels}); {@code KernelRegistryTest} fails, naming the op, when an op type has no entry.
 */
public final class HostKernels {
    private HostKernels() {}

    /** Runs one op of type O. */
    @FunctionalInterface
    interface Call<O extends Op> {
        void run(Kernels k, O op, Workspace ws, float[] scalars);
    }

    private static final Map<Class<?>, Call<?>> CALLS = new HashMap<>();

    private static <O extends Op> void register(Class<O> type, Call<O> call) { CALLS.put(type, call); }

    /** The op types with a registered call. */
    public static Set<Class<?>> registered() { return Collections.unmodifiableSet(CALLS.keySet()); }

    @SuppressWarnings("unchecked")
    static void run(Kernels k, Op op, Workspace ws) {
        Call<Op> call = (Call<Op>) CALLS.get(op.getClass());
        if (call == null) throw new UnsupportedOperationException("the host backends have no kernel for op " + op.getClass().getSimpleName());
        call.run(k, op, ws, ws.scalars());
    }

    private static float[] a(Workspace ws, Slice s) { return ws.array(s.buf()); }

    static {
        register(Op.Fill.class, (k, o, ws, sc) -> k.fill(a(ws, o.dst()), o.dst().offset(), o.dst().length(), o.value()));
        register(Op.Sgemm.class, (k, o, ws, sc) -> k.sgemm(a(ws, o.c()), o.c().offset(), a(ws, o.a()), o.a().offset(),
                a(ws, o.b()), o.b().offset(), o.m(), o.n(), o.k(), o.transA(), o.transB(), o.accumulate()));
        register(Op.BiasAdd.class, (k, o, ws, sc) -> k.biasAdd(a(ws, o.out()), o.out().offset(), a(ws, o.bias()),
                o.bias().offset(), o.rows(), o.cols()));
        register(Op.BiasGrad.class, (k, o, ws, sc) -> k.biasGrad(a(ws, o.dbias()), o.dbias().offset(), a(ws, o.dout()),
                o.dout().offset(), o.rows(), o.cols()));
        register(Op.ActForward.class, (k, o, ws, sc) -> k.actForward(o.kind(), o.slope(), a(ws, o.out()), o.out().offset(),
                a(ws, o.in()), o.in().offset(), o.n()));
        register(Op.ActBackward.class, (k, o, ws, sc) -> k.actBackward(o.kind(), o.slope(), a(ws, o.dinp()), o.dinp().offset(),
                a(ws, o.src()), o.src().offset(), a(ws, o.dout()), o.dout().offset(), o.n()));
        register(Op.Reparam.class, (k, o, ws, sc) -> k.reparamForward(a(ws, o.z()), o.z().offset(), a(ws, o.muLogvar()),
                o.muLogvar().offset(), a(ws, o.eps()), o.eps().offset(), o.batch(), o.latent()));
        register(Op.ReparamBackward.class, (k, o, ws, sc) -> k.reparamBackward(a(ws, o.dMuLogvar()), o.dMuLogvar().offset(),
                a(ws, o.dz()), o.dz().offset(), a(ws, o.muLogvar()), o.muLogvar().offset(), a(ws, o.eps()), o.eps().offset(),
                o.batch(), o.latent()));
        register(Op.KlForward.class, (k, o, ws, sc) -> k.klForward(a(ws, o.klPerSample()), o.klPerSample().offset(),
                a(ws, o.muLogvar()), o.muLogvar().offset(), o.batch(), o.latent()));
        register(Op.KlBackward.class, (k, o, ws, sc) -> k.klBackward(a(ws, o.dMuLogvar()), o.dMuLogvar().offset(),
                a(ws, o.muLogvar()), o.muLogvar().offset(), sc[Scalars.KL_WEIGHT], o.batch(), o.latent()));
        register(Op.KlBackwardFreeBits.class, (k, o, ws, sc) -> k.klBackwardFreeBits(a(ws, o.dMuLogvar()),
                o.dMuLogvar().offset(), a(ws, o.muLogvar()), o.muLogvar().offset(), sc[Scalars.KL_WEIGHT], o.freeBits(),
                o.batch(), o.latent()));
        register(Op.ReconLoss.class, (k, o, ws, sc) -> k.reconForward(a(ws, o.perSample()), o.perSample().offset(),
                a(ws, o.logits()), o.logits().offset(), a(ws, o.target()), o.target().offset(), o.wBce(), o.wMse(),
                o.batch(), o.dim()));
        register(Op.ReconLossBackward.class, (k, o, ws, sc) -> k.reconBackward(a(ws, o.dlogits()), o.dlogits().offset(),
                a(ws, o.logits()), o.logits().offset(), a(ws, o.target()), o.target().offset(), o.wBce(), o.wMse(),
                o.batch(), o.dim()));
        register(Op.GlobalNorm.class, (k, o, ws, sc) -> k.globalNorm(a(ws, o.out()), o.out().offset(), a(ws, o.x()),
                o.x().offset(), o.x().length()));
        register(Op.ClipByNorm.class, (k, o, ws, sc) -> k.clipByNorm(a(ws, o.x()), o.x().offset(), o.x().length(),
                a(ws, o.norm())[o.norm().offset()], o.maxNorm()));
        register(Op.Adam.class, HostKernels::adam);
        register(Op.Conv.class, HostKernels::conv);
        register(Op.ConvInputGrad.class, HostKernels::convInputGrad);
        register(Op.ConvWeightGrad.class, (k, o, ws, sc) -> {
            if (o.g().transposed())
                k.convTranspose2dWeightGrad(a(ws, o.dWeight()), o.dWeight().offset(), a(ws, o.dOut()), o.dOut().offset(),
                        a(ws, o.in()), o.in().offset(), a(ws, o.col()), o.col().offset(), o.col().length(), o.g());
            else
                k.conv2dWeightGrad(a(ws, o.dWeight()), o.dWeight().offset(), a(ws, o.dOut()), o.dOut().offset(),
                        a(ws, o.in()), o.in().offset(), a(ws, o.col()), o.col().offset(), o.col().length(), o.g());
        });
        register(Op.ChannelBiasGrad.class, (k, o, ws, sc) -> k.channelBiasGrad(a(ws, o.dbias()), o.dbias().offset(),
                a(ws, o.dout()), o.dout().offset(), o.batch(), o.channels(), o.plane()));
        register(Op.Replicate.class, (k, o, ws, sc) -> k.replicate(a(ws, o.out()), o.out().offset(), a(ws, o.in()),
                o.in().offset(), o.in().length(), o.copies()));
        register(Op.SumCopies.class, (k, o, ws, sc) -> k.sumCopies(a(ws, o.out()), o.out().offset(), a(ws, o.in()),
                o.in().offset(), o.out().length(), o.copies(), o.scale()));
    }

    private static void adam(Kernels k, Op.Adam o, Workspace ws, float[] sc) {
        float[] p = a(ws, o.params()), g = a(ws, o.grads()), m = a(ws, o.m()), v = a(ws, o.v());
        if (o.normOut() != null)
            k.normAndAdam(a(ws, o.normOut()), o.normOut().offset(), p, o.params().offset(), g, o.grads().offset(),
                    m, o.m().offset(), v, o.v().offset(), o.params().length(), sc[Scalars.LEARNING_RATE], o.beta1(),
                    o.beta2(), o.eps(), o.weightDecay(), sc[Scalars.ADAM_BC1], sc[Scalars.ADAM_BC2]);
        else
            k.adam(p, o.params().offset(), g, o.grads().offset(), m, o.m().offset(), v, o.v().offset(), o.params().length(),
                    sc[Scalars.LEARNING_RATE], o.beta1(), o.beta2(), o.eps(), o.weightDecay(), sc[Scalars.ADAM_BC1],
                    sc[Scalars.ADAM_BC2]);
    }

    private static void conv(Kernels k, Op.Conv o, Workspace ws, float[] sc) {
        float[] out = a(ws, o.out()), in = a(ws, o.in()), w = a(ws, o.weight()), b = a(ws, o.bias()), col = a(ws, o.col());
        int outOff = o.out().offset(), inOff = o.in().offset(), wOff = o.weight().offset(), bOff = o.bias().offset();
        int colOff = o.col().offset(), colLen = o.col().length();
        Epilogue e = o.epilogue();
        if (o.g().transposed()) {
            if (e.isNone()) k.convTranspose2d(out, outOff, in, inOff, w, wOff, b, bOff, col, colOff, colLen, o.g());
            else k.convTranspose2d(out, outOff, in, inOff, w, wOff, b, bOff, col, colOff, colLen, o.g(), e.kind(), e.slope());
        } else {
            if (e.isNone()) k.conv2d(out, outOff, in, inOff, w, wOff, b, bOff, col, colOff, colLen, o.g());
            else k.conv2d(out, outOff, in, inOff, w, wOff, b, bOff, col, colOff, colLen, o.g(), e.kind(), e.slope());
        }
    }

    private static void convInputGrad(Kernels k, Op.ConvInputGrad o, Workspace ws, float[] sc) {
        float[] dIn = a(ws, o.dIn()), dOut = a(ws, o.dOut()), w = a(ws, o.weight()), col = a(ws, o.col());
        int dInOff = o.dIn().offset(), dOutOff = o.dOut().offset(), wOff = o.weight().offset();
        int colOff = o.col().offset(), colLen = o.col().length();
        Epilogue e = o.epilogue();
        if (e.isNone()) {
            if (o.g().transposed()) k.convTranspose2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, o.g());
            else k.conv2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, o.g());
            return;
        }
        float[] src = a(ws, e.source());
        int srcOff = e.source().offset();
        if (o.g().transposed())
            k.convTranspose2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, o.g(), e.kind(), e.slope(), src, srcOff);
        else
            k.conv2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, o.g(), e.kind(), e.slope(), src, srcOff);
    }
}

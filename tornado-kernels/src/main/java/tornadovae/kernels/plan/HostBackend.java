package tornadovae.kernels.plan;

import java.util.List;

/** Runs plans on the host arrays through a {@link Kernels}: the reference or the JVM schedules. */
public final class HostBackend implements Backend {
    private final String name;
    private final Kernels k;
    private Workspace ws;

    public HostBackend(String name, Kernels kernels) {
        this.name = name;
        this.k = kernels;
    }

    public static HostBackend reference() { return new HostBackend("reference", new ReferenceKernels()); }

    @Override public String name() { return name; }

    @Override
    public void prepare(Workspace ws, List<StepPlan> plans) {
        this.ws = ws;
        for (StepPlan p : plans) ws.checkFits(p);
    }

    @Override
    public void run(StepPlan plan) {
        if (ws == null) throw new IllegalStateException("prepare() first");
        for (Op op : plan.ops()) execute(op);
    }

    /** Releases the kernels' threads (the JVM schedules keep a worker pool). */
    @Override
    public void close() {
        if (k instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the " + name + " kernels failed", e);
            }
        }
    }

    private float[] a(Slice s) { return ws.array(s.buf()); }

    private void execute(Op op) {
        float[] sc = ws.scalars();
        switch (op) {
            case Op.Fill o -> k.fill(a(o.dst()), o.dst().offset(), o.dst().length(), o.value());
            case Op.Sgemm o -> k.sgemm(a(o.c()), o.c().offset(), a(o.a()), o.a().offset(), a(o.b()), o.b().offset(),
                    o.m(), o.n(), o.k(), o.transA(), o.transB(), o.accumulate());
            case Op.BiasAdd o -> k.biasAdd(a(o.out()), o.out().offset(), a(o.bias()), o.bias().offset(), o.rows(), o.cols());
            case Op.BiasGrad o -> k.biasGrad(a(o.dbias()), o.dbias().offset(), a(o.dout()), o.dout().offset(), o.rows(), o.cols());
            case Op.ActForward o -> k.actForward(o.kind(), o.slope(), a(o.out()), o.out().offset(), a(o.in()), o.in().offset(), o.n());
            case Op.ActBackward o -> k.actBackward(o.kind(), o.slope(), a(o.dinp()), o.dinp().offset(),
                    a(o.out()), o.out().offset(), a(o.dout()), o.dout().offset(), o.n());
            case Op.Reparam o -> k.reparamForward(a(o.z()), o.z().offset(), a(o.muLogvar()), o.muLogvar().offset(),
                    a(o.eps()), o.eps().offset(), o.batch(), o.latent());
            case Op.ReparamBackward o -> k.reparamBackward(a(o.dMuLogvar()), o.dMuLogvar().offset(), a(o.dz()), o.dz().offset(),
                    a(o.muLogvar()), o.muLogvar().offset(), a(o.eps()), o.eps().offset(), o.batch(), o.latent());
            case Op.KlForward o -> k.klForward(a(o.klPerSample()), o.klPerSample().offset(), a(o.muLogvar()),
                    o.muLogvar().offset(), o.batch(), o.latent());
            case Op.KlBackward o -> k.klBackward(a(o.dMuLogvar()), o.dMuLogvar().offset(), a(o.muLogvar()),
                    o.muLogvar().offset(), sc[Scalars.KL_WEIGHT], o.batch(), o.latent());
            case Op.KlBackwardFreeBits o -> k.klBackwardFreeBits(a(o.dMuLogvar()), o.dMuLogvar().offset(), a(o.muLogvar()),
                    o.muLogvar().offset(), sc[Scalars.KL_WEIGHT], o.freeBits(), o.batch(), o.latent());
            case Op.ReconLoss o -> k.reconForward(a(o.perSample()), o.perSample().offset(), a(o.logits()), o.logits().offset(),
                    a(o.target()), o.target().offset(), o.wBce(), o.wMse(), o.batch(), o.dim());
            case Op.ReconLossBackward o -> k.reconBackward(a(o.dlogits()), o.dlogits().offset(), a(o.logits()),
                    o.logits().offset(), a(o.target()), o.target().offset(), o.wBce(), o.wMse(), o.batch(), o.dim());
            case Op.GlobalNorm o -> k.globalNorm(a(o.out()), o.out().offset(), a(o.x()), o.x().offset(), o.x().length());
            case Op.ClipByNorm o -> k.clipByNorm(a(o.x()), o.x().offset(), o.x().length(),
                    a(o.norm())[o.norm().offset()], o.maxNorm());
            case Op.Adam o when o.normOut() != null -> k.normAndAdam(a(o.normOut()), o.normOut().offset(),
                    a(o.params()), o.params().offset(), a(o.grads()), o.grads().offset(),
                    a(o.m()), o.m().offset(), a(o.v()), o.v().offset(), o.params().length(),
                    sc[Scalars.LEARNING_RATE], o.beta1(), o.beta2(), o.eps(), o.weightDecay(),
                    sc[Scalars.ADAM_BC1], sc[Scalars.ADAM_BC2]);
            case Op.Adam o -> k.adam(a(o.params()), o.params().offset(), a(o.grads()), o.grads().offset(),
                    a(o.m()), o.m().offset(), a(o.v()), o.v().offset(), o.params().length(),
                    sc[Scalars.LEARNING_RATE], o.beta1(), o.beta2(), o.eps(), o.weightDecay(),
                    sc[Scalars.ADAM_BC1], sc[Scalars.ADAM_BC2]);
            case Op.Conv2d o when o.epilogue().isNone() -> k.conv2d(a(o.out()), o.out().offset(), a(o.in()), o.in().offset(),
                    a(o.weight()), o.weight().offset(), a(o.bias()), o.bias().offset(), a(o.col()), o.col().offset(),
                    o.col().length(), o.g());
            case Op.Conv2d o -> k.conv2d(a(o.out()), o.out().offset(), a(o.in()), o.in().offset(), a(o.weight()),
                    o.weight().offset(), a(o.bias()), o.bias().offset(), a(o.col()), o.col().offset(), o.col().length(), o.g(),
                    o.epilogue().kind(), o.epilogue().slope());
            case Op.Conv2dInputGrad o when o.epilogue().isNone() -> k.conv2dInputGrad(a(o.dIn()), o.dIn().offset(),
                    a(o.dOut()), o.dOut().offset(), a(o.weight()), o.weight().offset(), a(o.col()), o.col().offset(),
                    o.col().length(), o.g());
            case Op.Conv2dInputGrad o -> k.conv2dInputGrad(a(o.dIn()), o.dIn().offset(), a(o.dOut()), o.dOut().offset(),
                    a(o.weight()), o.weight().offset(), a(o.col()), o.col().offset(), o.col().length(), o.g(),
                    o.epilogue().kind(), o.epilogue().slope(), a(o.epilogue().actOut()), o.epilogue().actOut().offset());
            case Op.Conv2dWeightGrad o -> k.conv2dWeightGrad(a(o.dWeight()), o.dWeight().offset(), a(o.dOut()),
                    o.dOut().offset(), a(o.in()), o.in().offset(), a(o.col()), o.col().offset(), o.col().length(), o.g());
            case Op.ConvTranspose2d o when o.epilogue().isNone() -> k.convTranspose2d(a(o.out()), o.out().offset(),
                    a(o.in()), o.in().offset(), a(o.weight()), o.weight().offset(), a(o.bias()), o.bias().offset(),
                    a(o.col()), o.col().offset(), o.col().length(), o.g());
            case Op.ConvTranspose2d o -> k.convTranspose2d(a(o.out()), o.out().offset(), a(o.in()), o.in().offset(),
                    a(o.weight()), o.weight().offset(), a(o.bias()), o.bias().offset(), a(o.col()), o.col().offset(),
                    o.col().length(), o.g(), o.epilogue().kind(), o.epilogue().slope());
            case Op.ConvTranspose2dInputGrad o when o.epilogue().isNone() -> k.convTranspose2dInputGrad(a(o.dIn()),
                    o.dIn().offset(), a(o.dOut()), o.dOut().offset(), a(o.weight()), o.weight().offset(), a(o.col()),
                    o.col().offset(), o.col().length(), o.g());
            case Op.ConvTranspose2dInputGrad o -> k.convTranspose2dInputGrad(a(o.dIn()), o.dIn().offset(), a(o.dOut()),
                    o.dOut().offset(), a(o.weight()), o.weight().offset(), a(o.col()), o.col().offset(), o.col().length(), o.g(),
                    o.epilogue().kind(), o.epilogue().slope(), a(o.epilogue().actOut()), o.epilogue().actOut().offset());
            case Op.ConvTranspose2dWeightGrad o -> k.convTranspose2dWeightGrad(a(o.dWeight()), o.dWeight().offset(),
                    a(o.dOut()), o.dOut().offset(), a(o.in()), o.in().offset(), a(o.col()), o.col().offset(),
                    o.col().length(), o.g());
            case Op.ChannelBiasGrad o -> k.channelBiasGrad(a(o.dbias()), o.dbias().offset(), a(o.dout()), o.dout().offset(),
                    o.batch(), o.channels(), o.plane());
            case Op.Replicate o -> k.replicate(a(o.out()), o.out().offset(), a(o.in()), o.in().offset(), o.in().length(), o.copies());
            case Op.SumCopies o -> k.sumCopies(a(o.out()), o.out().offset(), a(o.in()), o.in().offset(), o.out().length(),
                    o.copies(), o.scale());
        }
    }
}

package tornadovae.kernels.jvm;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import tornadovae.kernels.ActivationKind;

import static tornadovae.kernels.jvm.VectorMath.*;

/**
 * The JVM backend's activation registry: for each {@link ActivationKind}, its loops on the calling
 * thread. The element-wise op ({@code JvmKernels.actForward/actBackward}) and the convolution
 * epilogues ({@code ConvLowering}) both run these, so a fused op keeps the bits of the op followed
 * by its activation. {@code ActivationRegistryTest} fails, naming the kind, when one is missing.
 */
final class JvmActivations {
    private JvmActivations() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final FloatVector VE2 = FloatVector.broadcast(F, E2), VE3 = FloatVector.broadcast(F, E3),
            VE4 = FloatVector.broadcast(F, E4), VE5 = FloatVector.broadcast(F, E5);
    private static final FloatVector VT2 = FloatVector.broadcast(F, T2), VT3 = FloatVector.broadcast(F, T3),
            VT4 = FloatVector.broadcast(F, T4);

    /** One activation's loops. */
    interface Loops {
        /** out = f(inp); out may be inp. */
        void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int n);

        /** dinp = dout·f'(src), src being the forward's output or input as the kind says; dinp may be dout. */
        void backward(float slope, float[] dinp, int dinpOff, float[] src, int srcOff, float[] dout, int doutOff, int n);

        /** Whether the forward costs dozens of operations an element, so that large ones are worth splitting over threads. */
        default boolean heavy() { return false; }
    }

    private static final Map<ActivationKind, Loops> REGISTRY = new EnumMap<>(ActivationKind.class);

    static {
        register(ActivationKind.IDENTITY, new Identity());
        register(ActivationKind.RELU, new Rectifier(true));
        register(ActivationKind.LEAKY_RELU, new Rectifier(false));
        register(ActivationKind.SIGMOID, new Sigmoid());
        register(ActivationKind.TANH, new Tanh());
        register(ActivationKind.SILU, new Silu());
        register(ActivationKind.GELU, new Gelu());
    }

    private static void register(ActivationKind kind, Loops loops) { REGISTRY.put(kind, loops); }

    /** The kinds this backend has loops for. */
    static Set<ActivationKind> registered() { return Collections.unmodifiableSet(REGISTRY.keySet()); }

    static Loops of(ActivationKind kind) {
        Loops l = REGISTRY.get(kind);
        if (l == null) throw new UnsupportedOperationException("the JVM backend has no kernel for activation " + kind);
        return l;
    }

    private record Identity() implements Loops {
        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
            if (out != inp || outOff != inpOff) System.arraycopy(inp, inpOff, out, outOff, n);
        }

        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] src, int srcOff, float[] dout, int doutOff, int n) {
            // dout · 1 is dout exactly.
            if (dinp != dout || dinpOff != doutOff) System.arraycopy(dout, doutOff, dinp, dinpOff, n);
        }
    }

    /** ReLU (relu) or leaky ReLU: one compare and blend a lane, memory-bound, so never worth waking the pool. */
    private record Rectifier(boolean relu) implements Loops {
        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
            int vecEnd = F.loopBound(n), i = 0;
            if (relu) {
                for (; i < vecEnd; i += L) {
                    FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                    FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
                }
            } else {
                for (; i < vecEnd; i += L) {
                    FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                    x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
                }
            }
            for (; i < n; i++) {
                float x = inp[inpOff + i];
                out[outOff + i] = x > 0f ? x : relu ? 0f : x * slope;
            }
        }

        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] y, int yOff, float[] dout, int doutOff, int n) {
            int vecEnd = F.loopBound(n), i = 0;
            float below = relu ? 0f : slope;
            for (; i < vecEnd; i += L) {
                FloatVector d = FloatVector.broadcast(F, below).blend(1f, FloatVector.fromArray(F, y, yOff + i).compare(VectorOperators.GT, 0f));
                FloatVector.fromArray(F, dout, doutOff + i).mul(d).intoArray(dinp, dinpOff + i);
            }
            for (; i < n; i++) dinp[dinpOff + i] = dout[doutOff + i] * (y[yOff + i] > 0f ? 1f : below);
        }
    }

    /** VectorMath.sigmoid written out (see VectorMath: why not lanewise EXP); the tail through the scalar twin. */
    private record Sigmoid() implements Loops {
        @Override public boolean heavy() { return true; }

        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int count) {
            int end = F.loopBound(count);
            for (int i = 0; i < end; i += L) {
                FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                // e = exp(-|x|): VectorMath.expNonPositive
                FloatVector xn = x.abs().neg(), xc = xn.max(EXP_MIN);
                FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                FloatVector q = r.fma(E0, E1).fma(r, VE2).fma(r, VE3).fma(r, VE4).fma(r, VE5);
                q = q.fma(r.mul(r), r).add(1f);
                FloatVector scale = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                FloatVector e = q.mul(scale).blend(0f, xn.compare(VectorOperators.LT, EXP_MIN));
                FloatVector inv = FloatVector.broadcast(F, 1f).div(e.add(1f));
                inv.mul(e).blend(inv, x.compare(VectorOperators.GE, 0f)).intoArray(out, outOff + i);
            }
            for (int i = end; i < count; i++) out[outOff + i] = VectorMath.sigmoid(inp[inpOff + i]);
        }

        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] y, int yOff, float[] dout, int doutOff, int n) {
            int vecEnd = F.loopBound(n), i = 0;
            for (; i < vecEnd; i += L) {
                FloatVector v = FloatVector.fromArray(F, y, yOff + i);
                FloatVector.fromArray(F, dout, doutOff + i).mul(v.mul(FloatVector.broadcast(F, 1f).sub(v))).intoArray(dinp, dinpOff + i);
            }
            for (; i < n; i++) dinp[dinpOff + i] = dout[doutOff + i] * ActivationKind.SIGMOID.derivative(slope, y[yOff + i]);
        }
    }

    /** VectorMath.tanh written out; the tail through the scalar twin. */
    private record Tanh() implements Loops {
        @Override public boolean heavy() { return true; }

        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int count) {
            int end = F.loopBound(count);
            for (int i = 0; i < end; i += L) {
                FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                FloatVector ax = x.abs();
                // e = exp(-2|x|): VectorMath.expNonPositive
                FloatVector xn = ax.mul(-2f), xc = xn.max(EXP_MIN);
                FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                FloatVector q = r.fma(E0, E1).fma(r, VE2).fma(r, VE3).fma(r, VE4).fma(r, VE5);
                q = q.fma(r.mul(r), r).add(1f);
                FloatVector scale = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                FloatVector e = q.mul(scale).blend(0f, xn.compare(VectorOperators.LT, EXP_MIN));
                FloatVector big = FloatVector.broadcast(F, 1f).sub(e).div(e.add(1f));
                big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
                FloatVector z = x.mul(x);
                FloatVector small = z.fma(T0, T1).fma(z, VT2).fma(z, VT3).fma(z, VT4).mul(z).fma(x, x);
                big.blend(small, ax.compare(VectorOperators.LT, TANH_SMALL)).blend(x, x.compare(VectorOperators.EQ, 0f))
                        .intoArray(out, outOff + i);
            }
            for (int i = end; i < count; i++) out[outOff + i] = VectorMath.tanh(inp[inpOff + i]);
        }

        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] y, int yOff, float[] dout, int doutOff, int n) {
            int vecEnd = F.loopBound(n), i = 0;
            for (; i < vecEnd; i += L) {
                FloatVector v = FloatVector.fromArray(F, y, yOff + i);
                FloatVector.fromArray(F, dout, doutOff + i).mul(FloatVector.broadcast(F, 1f).sub(v.mul(v))).intoArray(dinp, dinpOff + i);
            }
            for (; i < n; i++) dinp[dinpOff + i] = dout[doutOff + i] * ActivationKind.TANH.derivative(slope, y[yOff + i]);
        }
    }

    /** x·σ(x) in scalar float arithmetic over VectorMath's sigmoid: f' needs the input, see ActivationKind. */
    private record Silu() implements Loops {
        @Override public boolean heavy() { return true; }

        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
            for (int i = 0; i < n; i++) {
                float x = inp[inpOff + i];
                out[outOff + i] = x * VectorMath.sigmoid(x);
            }
        }

        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] x, int xOff, float[] dout, int doutOff, int n) {
            for (int i = 0; i < n; i++) {
                float v = x[xOff + i], s = VectorMath.sigmoid(v);
                dinp[dinpOff + i] = dout[doutOff + i] * (s * (1f + v * (1f - s)));
            }
        }
    }

    /**
     * GELU's tanh approximation as x·σ(2u), u = C(x + Ax³) (the same function: 1 + tanh(u) = 2σ(2u)), in scalar
     * float arithmetic over VectorMath's sigmoid: written with tanh, 1 + tanh(u) cancels to 0 in float for x below about -5.
     */
    private record Gelu() implements Loops {
        private static final float C = (float) ActivationKind.GELU_C, A = (float) ActivationKind.GELU_A;

        @Override public boolean heavy() { return true; }

        @Override public void forward(float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
            for (int i = 0; i < n; i++) {
                float x = inp[inpOff + i];
                out[outOff + i] = x * VectorMath.sigmoid(2f * C * (x + A * x * x * x));
            }
        }

        /** f' = s + 2x·s(1 − s)·C(1 + 3Ax²), s = σ(2u). */
        @Override public void backward(float slope, float[] dinp, int dinpOff, float[] x, int xOff, float[] dout, int doutOff, int n) {
            for (int i = 0; i < n; i++) {
                float v = x[xOff + i], s = VectorMath.sigmoid(2f * C * (v + A * v * v * v));
                float d = s + 2f * v * s * (1f - s) * C * (1f + 3f * A * v * v);
                dinp[dinpOff + i] = dout[doutOff + i] * d;
            }
        }
    }
}

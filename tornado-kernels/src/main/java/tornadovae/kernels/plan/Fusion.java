package tornadovae.kernels.plan;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A plan-level rewrite that merges adjacent ops so a tensor is not written and read back again
 * (every backend runs the merged ops). An activation folds into the convolution that writes its
 * input, so the tensor between them is never written:
 *
 * <pre>
 *   Conv(out = Y) ; ActForward(out = Z, in = Y)                                  → the conv writes Z = f(conv); Y unused
 *   ConvInputGrad(dIn = dZ) ; ActBackward(dinp = dY, src = S, dout = dZ)         → it writes dY = dZ·f'(S); dZ unused
 * </pre>
 *
 * and the gradient norm folds into the Adam step right after it, which reads the same gradients anyway
 * (not when ClipByNorm sits between them: clipping needs the norm first):
 *
 * <pre>
 *   GlobalNorm(out = N, x = G) ; Adam(grads = G)                                 → Adam(grads = G, normOut = N)
 * </pre>
 *
 * An activation pair is fused only when no other op of the plan names any part of the tensor between
 * them (Y, or dZ) unless the activation ran in place, and the fused op's output overlaps nothing
 * else it reads. The results are the unfused ops' bits: the epilogue is the same element-wise
 * arithmetic, applied as each element is stored, and the norm the same sums. On the JVM each saves
 * one pass over a whole tensor (up to 3 MB of activations, or all the gradients); on a GPU a launch too.
 * An activation whose backward needs its input (SiLU, GELU) keeps its forward apart: its backward names Y.
 *
 * <p>A backend opts into the rules it has kernels for ({@link Rule}); plans are built unfused, and a
 * backend fuses its own copy of their ops when it prepares them.
 */
public final class Fusion {
    private Fusion() {}

    /** The rewrites a backend may opt into. */
    public enum Rule {
        /** An activation into the convolution (or input gradient) that writes its input: {@link Epilogue}. */
        ACTIVATION_EPILOGUES,
        /** The gradient norm into the Adam step after it: {@link Op.Adam#normOut()}. */
        NORM_INTO_ADAM
    }

    public static final Set<Rule> ALL = EnumSet.allOf(Rule.class);
    public static final Set<Rule> NONE = EnumSet.noneOf(Rule.class);

    /** The ops with every pair these rules allow fused; ops that cannot be fused are kept as they are, in order. */
    public static List<Op> fuse(List<Op> ops, Set<Rule> rules) {
        List<Op> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            Op fused = i + 1 < ops.size() ? fusePair(ops, i, rules) : null;
            if (fused != null) {
                out.add(fused);
                i++;
            } else {
                out.add(ops.get(i));
            }
        }
        return out;
    }

    /** ops[i] and ops[i + 1] as one op, or null when they are not a fusable pair. */
    private static Op fusePair(List<Op> ops, int i, Set<Rule> rules) {
        Op producer = ops.get(i), next = ops.get(i + 1);
        // the gradient norm just before Adam over the same gradients (no clipping between them): one pass
        if (rules.contains(Rule.NORM_INTO_ADAM) && producer instanceof Op.GlobalNorm norm && next instanceof Op.Adam adam && adam.normOut() == null
                && adam.grads().equals(norm.x()) && !overlaps(norm.out(), adam.params())
                && !overlaps(norm.out(), adam.m()) && !overlaps(norm.out(), adam.v()) && !overlaps(norm.out(), adam.grads()))
            return new Op.Adam(adam.params(), adam.grads(), adam.m(), adam.v(), adam.beta1(), adam.beta2(), adam.eps(),
                    adam.weightDecay(), norm.out());
        if (!rules.contains(Rule.ACTIVATION_EPILOGUES)) return null;
        if (next instanceof Op.ActForward act && producer instanceof Op.Conv c
                && c.epilogue().isNone() && c.out().equals(act.in()) && safe(ops, i, act.in(), act.out(), producer))
            return new Op.Conv(act.out(), c.in(), c.weight(), c.bias(), c.col(), c.g(), Epilogue.activation(act.kind(), act.slope()));
        if (next instanceof Op.ActBackward act && producer instanceof Op.ConvInputGrad c
                && c.epilogue().isNone() && c.dIn().equals(act.dout()) && safe(ops, i, act.dout(), act.dinp(), producer)
                && !overlaps(act.src(), act.dinp()))
            return new Op.ConvInputGrad(act.dinp(), c.dOut(), c.weight(), c.col(), c.g(),
                    Epilogue.derivative(act.kind(), act.slope(), act.src()));
        return null;
    }

    /**
     * Whether skipping {@code between} (written by ops[i], read only by ops[i + 1]) is safe: no other op
     * names it, and the fused op's output {@code written} overlaps none of the producer's other operands.
     */
    private static boolean safe(List<Op> ops, int i, Slice between, Slice written, Op producer) {
        // in place (written is between): later readers see the activated values either way
        for (int j = 0; j < ops.size() && !written.equals(between); j++) {
            if (j == i || j == i + 1) continue;
            for (Slice s : ops.get(j).slices()) if (overlaps(s, between)) return false;
        }
        for (Slice s : producer.slices()) if (!s.equals(between) && overlaps(s, written)) return false;
        return true;
    }

    static boolean overlaps(Slice a, Slice b) {
        return a.buf() == b.buf() && a.offset() < b.end() && b.offset() < a.end();
    }
}

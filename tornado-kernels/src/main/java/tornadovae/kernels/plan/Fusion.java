package tornadovae.kernels.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A plan-level rewrite that merges adjacent ops so a tensor is not written and read back again
 * (every backend runs the merged ops). An activation folds into the convolution that writes its
 * input, so the tensor between them is never written:
 *
 * <pre>
 *   Conv2d|ConvTranspose2d(out = Y) ; ActForward(out = Z, in = Y)                → the conv writes Z = f(conv); Y unused
 *   Conv2dInputGrad|ConvTranspose2dInputGrad(dIn = dZ) ; ActBackward(dinp = dY, out = Z, dout = dZ)
 *                                                                                → it writes dY = dZ·f'(Z); dZ unused
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
 */
public final class Fusion {
    private Fusion() {}

    /** The ops with every eligible pair fused; ops that cannot be fused are kept as they are, in order. */
    public static List<Op> fuse(List<Op> ops) {
        List<Op> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            Op fused = i + 1 < ops.size() ? fusePair(ops, i) : null;
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
    private static Op fusePair(List<Op> ops, int i) {
        Op producer = ops.get(i), next = ops.get(i + 1);
        // the gradient norm just before Adam over the same gradients (no clipping between them): one pass
        if (producer instanceof Op.GlobalNorm norm && next instanceof Op.Adam adam && adam.normOut() == null
                && adam.grads().equals(norm.x()) && !overlaps(norm.out(), adam.params())
                && !overlaps(norm.out(), adam.m()) && !overlaps(norm.out(), adam.v()) && !overlaps(norm.out(), adam.grads()))
            return new Op.Adam(adam.params(), adam.grads(), adam.m(), adam.v(), adam.beta1(), adam.beta2(), adam.eps(),
                    adam.weightDecay(), norm.out());
        if (next instanceof Op.ActForward act) {
            Op fused = switch (producer) {
                case Op.Conv2d c when c.epilogue().isNone() && c.out().equals(act.in()) ->
                        new Op.Conv2d(act.out(), c.in(), c.weight(), c.bias(), c.col(), c.g(),
                                Epilogue.activation(act.kind(), act.slope()));
                case Op.ConvTranspose2d c when c.epilogue().isNone() && c.out().equals(act.in()) ->
                        new Op.ConvTranspose2d(act.out(), c.in(), c.weight(), c.bias(), c.col(), c.g(),
                                Epilogue.activation(act.kind(), act.slope()));
                default -> null;
            };
            return fused != null && safe(ops, i, act.in(), act.out(), producer) ? fused : null;
        }
        if (next instanceof Op.ActBackward act) {
            Op fused = switch (producer) {
                case Op.Conv2dInputGrad c when c.epilogue().isNone() && c.dIn().equals(act.dout()) ->
                        new Op.Conv2dInputGrad(act.dinp(), c.dOut(), c.weight(), c.col(), c.g(),
                                Epilogue.derivative(act.kind(), act.slope(), act.out()));
                case Op.ConvTranspose2dInputGrad c when c.epilogue().isNone() && c.dIn().equals(act.dout()) ->
                        new Op.ConvTranspose2dInputGrad(act.dinp(), c.dOut(), c.weight(), c.col(), c.g(),
                                Epilogue.derivative(act.kind(), act.slope(), act.out()));
                default -> null;
            };
            return fused != null && safe(ops, i, act.dout(), act.dinp(), producer)
                    && !overlaps(act.out(), act.dinp()) ? fused : null;
        }
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
            for (Slice s : Op.slices(ops.get(j))) if (overlaps(s, between)) return false;
        }
        for (Slice s : Op.slices(producer)) if (!s.equals(between) && overlaps(s, written)) return false;
        return true;
    }

    static boolean overlaps(Slice a, Slice b) {
        return a.buf() == b.buf() && a.offset() < b.end() && b.offset() < a.end();
    }
}

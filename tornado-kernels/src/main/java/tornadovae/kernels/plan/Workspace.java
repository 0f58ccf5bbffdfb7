package tornadovae.kernels.plan;

import java.util.EnumMap;
import java.util.Map;

/** The host arrays behind the plan's buffers. One workspace serves every plan of a model. */
public final class Workspace {
    private final Map<Buf, float[]> arrays = new EnumMap<>(Buf.class);

    public Workspace(int params, int acts, int input, int noise, int out) {
        arrays.put(Buf.PARAMS, new float[params]);
        arrays.put(Buf.GRADS, new float[params]);
        arrays.put(Buf.ADAM_M, new float[params]);
        arrays.put(Buf.ADAM_V, new float[params]);
        arrays.put(Buf.ACTS, new float[Math.max(1, acts)]);
        arrays.put(Buf.INPUT, new float[Math.max(1, input)]);
        arrays.put(Buf.NOISE, new float[Math.max(1, noise)]);
        arrays.put(Buf.SCALARS, new float[Scalars.SIZE]);
        arrays.put(Buf.OUT, new float[Math.max(1, out)]);
    }

    public float[] array(Buf b) { return arrays.get(b); }

    public float[] params() { return array(Buf.PARAMS); }
    public float[] grads() { return array(Buf.GRADS); }
    public float[] adamM() { return array(Buf.ADAM_M); }
    public float[] adamV() { return array(Buf.ADAM_V); }
    public float[] input() { return array(Buf.INPUT); }
    public float[] noise() { return array(Buf.NOISE); }
    public float[] scalars() { return array(Buf.SCALARS); }
    public float[] out() { return array(Buf.OUT); }

    /** Checks that a plan's slices all fit this workspace (a cheap guard against layout bugs). */
    public void checkFits(StepPlan plan) {
        for (Op op : plan.ops())
            for (Slice s : op.slices())
                if (s.end() > array(s.buf()).length)
                    throw new IllegalArgumentException(plan.name() + ": " + op.getClass().getSimpleName() + "'s "
                            + s + " exceeds " + s.buf() + " of " + array(s.buf()).length);
    }
}

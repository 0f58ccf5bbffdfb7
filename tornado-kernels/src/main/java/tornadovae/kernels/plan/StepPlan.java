package tornadovae.kernels.plan;

import java.util.List;

/**
 * An ordered list of ops for one batch size: a training step, an evaluation pass, an encode or
 * a decode. Per step the host writes INPUT, NOISE and SCALARS and reads back {@code readBack}
 * (slices of OUT); the state buffers stay where the backend keeps them.
 */
public record StepPlan(String name, int batch, List<Op> ops, Slice readBack) {
    public StepPlan {
        ops = List.copyOf(ops);
        if (readBack.buf() != Buf.OUT) throw new IllegalArgumentException("plans read back a slice of OUT");
    }
}

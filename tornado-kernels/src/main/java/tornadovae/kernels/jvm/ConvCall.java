package tornadovae.kernels.jvm;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;

/**
 * The convolution being lowered: its operands, its sizes as X/Y/W (see {@link ConvLowering}) and
 * the epilogue of its stores. One instance, refilled per call and read by the call's tasks.
 */
final class ConvCall {
    float[] x = NO_ARRAY, y = NO_ARRAY, w = NO_ARRAY, col = NO_ARRAY, bias = NO_ARRAY;   // never null: see NO_ARRAY
    int xOff, yOff, wOff, colOff, biasOff;
    boolean hasBias;                         // tested instead of bias == null: see NO_ARRAY
    int batch;
    int cx, hx, wx, cy, hy, wy, k, stride, pad;
    int hp, wp;                              // X's planes padded so that every window fits: pad before, at least pad after
    int[] pixelOffsets = new int[0];         // Y pixel (oy, ox) → its window's corner in a padded plane
    int[] tapOffsets = new int[0];           // tap r = (c, i, j) → its offset from a window's corner
    // Stride 2: a padded plane as its four phases (row parity, column parity), each hp2 × wp2, so that a row of
    // Y's pixels reads a run of consecutive floats per tap (see ImageLowering.windowsOf)
    int hp2, wp2;
    int[] phasePixelOffsets = new int[0], phaseTapOffsets = new int[0];

    // The epilogue of the next yFromX or xFromY: f, or f' from actOut, on each stored element.
    private ActivationKind act = ActivationKind.IDENTITY;
    private JvmActivations.Loops actLoops = JvmActivations.of(ActivationKind.IDENTITY);
    private float actSlope;
    private float[] actOut = NO_ARRAY;       // NO_ARRAY: an activation; else a derivative's activation output
    private int actShift;                    // actOut index of output index i: i + actShift

    /** Y's pixels, Hy·Wy. */
    int pixels() { return hy * wy; }

    /** X's kernel taps, Cx·k². */
    int taps() { return cx * k * k; }

    /** The lowered sizes of a Conv2d (X = input) or ConvTranspose2d (X = output) geometry. */
    void set(ConvGeometry g, boolean transposed) {
        if (!transposed) {
            cx = g.inC(); hx = g.inH(); wx = g.inW(); cy = g.outC(); hy = g.outH(); wy = g.outW();
        } else {
            cx = g.outC(); hx = g.outH(); wx = g.outW(); cy = g.inC(); hy = g.inH(); wy = g.inW();
        }
        k = g.kernel(); stride = g.stride(); pad = g.pad(); batch = g.batch();
        hp = Math.max(hx + 2 * pad, (hy - 1) * stride + k);
        wp = Math.max(wx + 2 * pad, (wy - 1) * stride + k);
        if (pixelOffsets.length < hy * wy) pixelOffsets = new int[hy * wy];
        for (int oy = 0, q = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, q++) pixelOffsets[q] = oy * stride * wp + ox * stride;
        int kk = cx * k * k;
        if (tapOffsets.length < kk) tapOffsets = new int[kk];
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) tapOffsets[r] = (c * hp + i) * wp + j;
        if (stride != 2) return;
        hp2 = (hp + 1) / 2;
        wp2 = (wp + 1) / 2;
        if (phasePixelOffsets.length < hy * wy) phasePixelOffsets = new int[hy * wy];
        for (int oy = 0, q = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, q++) phasePixelOffsets[q] = oy * wp2 + ox;
        if (phaseTapOffsets.length < kk) phaseTapOffsets = new int[kk];
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) phaseTapOffsets[r] = ((c * 4 + (i & 1) * 2 + (j & 1)) * hp2 + (i >> 1)) * wp2 + (j >> 1);
    }

    /** Bias of channel c, 0 without one. */
    float bias(int c) { return hasBias ? bias[biasOff + c] : 0f; }

    /** See ConvLowering.epilogue. */
    void epilogue(ActivationKind kind, float slope, float[] actOut, int actOutOff, int outOff) {
        this.act = kind;
        this.actLoops = JvmActivations.of(kind);
        this.actSlope = slope;
        this.actOut = actOut;
        this.actShift = actOutOff - outOff;
    }

    /** The epilogue on out[off, off + n), just stored. f(x) = x and f' = 1 leave the values as they are. */
    void finish(float[] out, int off, int n) {
        if (act == ActivationKind.IDENTITY) return;
        if (actOut == NO_ARRAY) actLoops.forward(actSlope, out, off, out, off, n);
        else actLoops.backward(actSlope, out, off, actOut, off + actShift, out, off, n);
    }

    /** Drops the call's arrays and epilogue once it is done. */
    void clear() {
        x = y = w = col = bias = actOut = NO_ARRAY;
        act = ActivationKind.IDENTITY;
    }
}

package tornadovae.kernels.jvm;

/**
 * The exp, log1p, sigmoid and tanh of the JVM kernels, as scalar code that is the exact twin of
 * the vector code written out inside {@link JvmKernels}' loops: the same float operations in the
 * same order, so a lane and its twin agree to the bit. The kernels use these for loop tails, and the
 * tests hold every lane to them.
 *
 * Why not {@code lanewise(EXP)}: the JIT computes it with SVML while the interpreter and C1 use a
 * scalar fallback, and the two differ in the last bit; a result would then depend on whether its
 * thread had been compiled yet, and neither runs nor thread counts would reproduce. These are
 * Cephes' expf and logf polynomials (about 1–2 ulp) in Horner form with FMAs, built only from
 * IEEE-exact operations (Math.fma is exact in every tier, as is the vector fma).
 *
 * Why written out in the loops rather than called: a vector passed to a method that the JIT does
 * not inline gets boxed, and helpers this size are not inlined reliably (too large, node-count
 * cutoffs, or already compiled standalone).
 *
 * The constants are public because the TornadoVM backend's reconstruction loss evaluates the same
 * log1p polynomial on the device (its {@code log} was the slowest part of that pass on PoCL).
 */
public final class VectorMath {
    private VectorMath() {}

    static final float LOG2E = 1.44269504088896341f;
    public static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;   // ln 2 = HI + LO, HI exact in few bits
    static final float ROUND_MAGIC = 12582912f;                            // 1.5·2^23: (t + M) - M rounds t
    static final float EXP_MIN = -87.0f;                                   // exp stays a normal float above
    public static final float SQRT2 = 1.41421356237f;

    static final float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f,
            E3 = 4.1665795894e-2f, E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;
    public static final float L0 = 7.0376836292e-2f, L1 = -1.1514610310e-1f, L2 = 1.1676998740e-1f,
            L3 = -1.2420140846e-1f, L4 = 1.4249322787e-1f, L5 = -1.6668057665e-1f,
            L6 = 2.0000714765e-1f, L7 = -2.4999993993e-1f, L8 = 3.3333331174e-1f;
    static final float T0 = -5.70498872745e-3f, T1 = 2.06390887954e-2f, T2 = -5.37397155531e-2f,
            T3 = 1.33314422036e-1f, T4 = -3.33332819422e-1f;
    static final float TANH_SMALL = 0.625f;                                // polynomial below, exp above

    /** exp(x) for x ≤ 0; 0 below -87 (where the true value is under 1.7e-38). */
    static float expNonPositive(float x) {
        float xc = Math.max(x, EXP_MIN);
        float n = xc * LOG2E + ROUND_MAGIC - ROUND_MAGIC;     // round(x / ln 2)
        float r = xc - n * LN2_HI;
        r = r - n * LN2_LO;
        float p = Math.fma(r, E0, E1);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r * r, r) + 1f;
        float scale = Float.intBitsToFloat(((int) n + 127) << 23);   // 2^n, n in [-126, 0]
        return x < EXP_MIN ? 0f : p * scale;
    }

    /** log(1 + e) for e in [0, 1]; absolute error under 1e-7 (the log of the rounded 1 + e). */
    static float log1pUnit(float e) {
        float u = e + 1f;
        boolean high = u > SQRT2;                             // u = 2^k (1 + x), 1 + x in [√½, √2)
        float x = (high ? u * 0.5f : u) - 1f;
        float k = high ? 1f : 0f;
        float z = x * x;
        float p = Math.fma(x, L0, L1);
        p = Math.fma(p, x, L2);
        p = Math.fma(p, x, L3);
        p = Math.fma(p, x, L4);
        p = Math.fma(p, x, L5);
        p = Math.fma(p, x, L6);
        p = Math.fma(p, x, L7);
        p = Math.fma(p, x, L8);
        float y = p * x * z;
        y = y + k * LN2_LO;
        y = y - z * 0.5f;
        return x + y + k * LN2_HI;
    }

    /** 1 / (1 + exp(-x)) given e = exp(-|x|), which never overflows. */
    static float sigmoid(float x, float e) {
        float inv = 1f / (e + 1f);
        return x >= 0f ? inv : inv * e;
    }

    static float sigmoid(float x) { return sigmoid(x, expNonPositive(-Math.abs(x))); }

    /** tanh: an odd polynomial below 0.625 (no cancellation), (1 - e)/(1 + e) with e = exp(-2|x|) above. */
    static float tanh(float x) {
        float ax = Math.abs(x);
        float e = expNonPositive(ax * -2f);
        float big = (1f - e) / (e + 1f);
        big = x < 0f ? -big : big;
        float z = x * x;
        float p = Math.fma(z, T0, T1);
        p = Math.fma(p, z, T2);
        p = Math.fma(p, z, T3);
        p = Math.fma(p, z, T4);
        float small = Math.fma(p * z, x, x);
        float y = ax < TANH_SMALL ? small : big;
        return x == 0f ? x : y;                               // keeps the sign of zero
    }

    /** The loss term of {@link tornadovae.kernels.ref.LossRef}: wBce·BCE(x, t) + wMse·(sigmoid(x) - t)². */
    static float reconLoss(float x, float t, float wBce, float wMse) {
        float e = expNonPositive(-Math.abs(x));
        float loss = (Math.max(x, 0f) - x * t + log1pUnit(e)) * wBce;
        if (wMse != 0f) {
            float diff = sigmoid(x, e) - t;
            loss = loss + diff * diff * wMse;
        }
        return loss;
    }

    /** Its derivative: wBce·(p - t) + wMse·2(p - t)·p(1 - p), with twoMse = 2·wMse. */
    static float reconGrad(float x, float t, float wBce, float twoMse) {
        float p = sigmoid(x);
        float diff = p - t;
        float g = diff * wBce;
        if (twoMse != 0f) g = g + diff * p * (1f - p) * twoMse;
        return g;
    }
}

package tornadovae.kernels.jvm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ref.MatmulRef;

import java.util.Random;

import static tornadovae.kernels.jvm.TestArrays.*;

class SgemmTest {

    private static Sgemm one, two, three;

    @BeforeAll
    static void start() {
        one = new Sgemm(1);
        two = new Sgemm(2);
        three = new Sgemm(3);
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
        three.close();
    }

    /**
     * Runs C = op(A)·op(B) (+C) with the schedule and the reference on the same padded arrays and
     * compares: within the float error of a k-term dot product inside C, untouched outside, A and B unchanged.
     */
    private static void check(Sgemm s, Random r, int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        int aOff = offset(r), bOff = offset(r), cOff = offset(r);
        float[] a = padded(r, aOff, m * k, -1f, 1f), b = padded(r, bOff, k * n, -1f, 1f);
        float[] c = padded(r, cOff, m * n, -1f, 1f);
        float[] a0 = a.clone(), b0 = b.clone(), ref = c.clone();
        MatmulRef.sgemm(ref, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
        s.sgemm(c, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
        String what = String.format("sgemm m=%d n=%d k=%d transA=%b transB=%b accumulate=%b threads=%d",
                m, n, k, transA, transB, accumulate, s.threads());
        assertClose(what, ref, c, cOff, m * n, 1e-6 * Math.sqrt(k) * 4);
        assertBitsEqual(what + " (A must not change)", a0, a);
        assertBitsEqual(what + " (B must not change)", b0, b);
    }

    @Test
    void oddSizesAllTransposeFormsAgainstReference() {
        Random r = new Random(42);
        int checked = 0;
        for (int trial = 0; trial < 400 && checked < 90; trial++) {
            int m = ODD_SIZES[r.nextInt(ODD_SIZES.length)], n = ODD_SIZES[r.nextInt(ODD_SIZES.length)];
            int k = ODD_SIZES[r.nextInt(ODD_SIZES.length)];
            if ((long) m * n * k > 3_000_000) continue;       // the double reference is slow
            for (int form = 0; form < 4; form++)
                check(r.nextBoolean() ? one : two, r, m, n, k, (form & 1) != 0, (form & 2) != 0, r.nextBoolean());
            checked++;
        }
    }

    @Test
    void edgesOfEveryBlockAgainstReference() {
        Random r = new Random(7);
        // Around MR=4, nr=16 or 32, KC=256 and MC=128 boundaries, and long thin shapes.
        int[][] shapes = {{4, 16, 256}, {5, 17, 257}, {3, 15, 255}, {128, 16, 512}, {129, 48, 300},
                {1, 785, 129}, {785, 1, 129}, {257, 33, 1}, {64, 64, 8}, {40, 1100, 20}, {130, 20, 700}};
        for (int[] s : shapes)
            for (int form = 0; form < 4; form++)
                for (Sgemm g : new Sgemm[]{one, two})
                    check(g, r, s[0], s[1], s[2], (form & 1) != 0, (form & 2) != 0, form == 1 || form == 2);
    }

    @Test
    void mlpVaeShapesAgainstReference() {
        Random r = new Random(3);
        // Forward x·Wᵀ (NT), input gradient dout·W (NN), weight gradient doutᵀ·x (TN), batch 128.
        check(two, r, 128, 400, 784, false, true, false);
        check(one, r, 128, 40, 400, false, true, false);
        check(two, r, 128, 400, 20, false, true, false);
        check(one, r, 128, 784, 400, false, true, false);
        check(two, r, 128, 400, 784, false, false, false);
        check(one, r, 128, 20, 400, false, false, false);
        check(two, r, 400, 784, 128, true, false, false);
        check(one, r, 40, 400, 128, true, false, true);
        // Big enough for a 2×2 grid of tasks on two threads.
        check(two, r, 520, 530, 480, false, true, true);
    }

    @Test
    void sameBitsForOneTwoAndThreeThreads() {
        Random r = new Random(11);
        int[][] shapes = {{128, 400, 784, 0, 1}, {400, 784, 128, 1, 0}, {128, 40, 400, 0, 1}, {785, 129, 33, 0, 0},
                {33, 785, 129, 1, 1}, {129, 127, 785, 0, 0}, {128, 400, 20, 0, 1}, {600, 600, 400, 1, 1}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            boolean transA = s[3] == 1, transB = s[4] == 1;
            for (boolean accumulate : new boolean[]{false, true}) {
                float[] a = padded(r, 3, m * k, -1f, 1f), b = padded(r, 5, k * n, -1f, 1f);
                float[] c1 = padded(r, 7, m * n, -1f, 1f), c2 = c1.clone(), c3 = c1.clone();
                one.sgemm(c1, 7, a, 3, b, 5, m, n, k, transA, transB, accumulate);
                two.sgemm(c2, 7, a, 3, b, 5, m, n, k, transA, transB, accumulate);
                three.sgemm(c3, 7, a, 3, b, 5, m, n, k, transA, transB, accumulate);
                String what = String.format("m=%d n=%d k=%d transA=%b transB=%b accumulate=%b", m, n, k, transA, transB, accumulate);
                assertBitsEqual(what + ": 1 vs 2 threads", c1, c2);
                assertBitsEqual(what + ": 1 vs 3 threads", c1, c3);
            }
        }
    }

    /**
     * The 4×16 (256-bit) and 4×32 (512-bit) micro-kernels give the same bits, whichever one this
     * platform uses: an element's FMAs and their order do not depend on the tile. Also checks the
     * width the platform does not pick against the reference (where it has no such vectors, that one
     * runs the Vector API's slow fallback, hence the modest sizes).
     */
    @Test
    void bothTileWidthsGiveTheSameBitsAndMatchTheReference() {
        Random r = new Random(13);
        // n: exactly one tile of either width, a 16-wide last panel (9, 33, 48, 144), a 32-wide one (17, 20, 31, 343)
        int[][] shapes = {{4, 16, 256}, {5, 17, 257}, {4, 31, 9}, {7, 32, 300}, {9, 33, 40}, {130, 48, 70},
                {64, 343, 288}, {40, 100, 513}, {129, 20, 64}, {32, 9, 3000}, {33, 144, 200}};
        try (Sgemm narrow = new Sgemm(2, Sgemm.NR_256); Sgemm wide = new Sgemm(2, Sgemm.NR_512)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (int form = 0; form < 4; form++) {
                    boolean transA = (form & 1) != 0, transB = (form & 2) != 0, accumulate = form == 1 || form == 2;
                    float[] a = padded(r, 3, m * k, -1f, 1f), b = padded(r, 5, k * n, -1f, 1f);
                    float[] c16 = padded(r, 7, m * n, -1f, 1f), c32 = c16.clone();
                    narrow.sgemm(c16, 7, a, 3, b, 5, m, n, k, transA, transB, accumulate);
                    wide.sgemm(c32, 7, a, 3, b, 5, m, n, k, transA, transB, accumulate);
                    assertBitsEqual(String.format("m=%d n=%d k=%d transA=%b transB=%b: 16 vs 32 columns", m, n, k, transA, transB), c16, c32);
                }
            }
            Sgemm other = Sgemm.PLATFORM_NR == Sgemm.NR_512 ? narrow : wide;
            for (int[] s : shapes)
                for (int form = 0; form < 4; form++)
                    check(other, r, s[0], s[1], s[2], (form & 1) != 0, (form & 2) != 0, form == 3);
        }
    }

    /** op(B) given as packed panels (what an implicit im2col supplies) gives the bits of B in an array, on every block edge. */
    @Test
    void panelsGiveTheBitsOfTheArray() {
        Random r = new Random(17);
        int[][] shapes = {{64, 343, 288}, {32, 9, 600}, {5, 33, 257}, {130, 1100, 40}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = padded(r, 3, m * k, -1f, 1f), b = padded(r, 0, k * n, -1f, 1f);
            float[] c1 = padded(r, 7, m * n, -1f, 1f), c2 = c1.clone();
            Sgemm.Panels panels = (dst, jc, nc, pc, kc, nr) -> SgemmPacking.packB(dst, b, 0, n, jc, nc, pc, kc, nr);
            for (boolean accumulate : new boolean[]{false, true}) {
                two.sgemmOnWorker(1, c1, 7, n, a, 3, b, 0, m, n, k, false, false, accumulate);
                two.sgemmOnWorker(1, c2, 7, n, a, 3, panels, m, n, k, false, accumulate);
                assertBitsEqual(String.format("m=%d n=%d k=%d accumulate=%b: panels vs array", m, n, k, accumulate), c1, c2);
            }
        }
    }

    @Test
    void packingBuffersSurviveShrinkingAndGrowingCalls() {
        Random r = new Random(5);
        int[][] shapes = {{130, 1030, 260}, {3, 5, 7}, {50, 60, 70}, {600, 40, 900}, {17, 17, 17}};
        for (int[] s : shapes) check(two, r, s[0], s[1], s[2], false, false, true);
    }
}

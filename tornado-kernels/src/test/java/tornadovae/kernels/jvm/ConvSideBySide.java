package tornadovae.kernels.jvm;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import tornadovae.kernels.plan.ConvGeometry;

/**
 * rgb128-conv's six conv op types at batch 64 (or mnist-conv's at batch 128), two variants of the JVM kernels timed side by side in
 * one process: A then B on the same data, round after round (the machine is shared and noisy, so
 * variants are never compared across runs). Prints per op type the median over rounds of the summed
 * ms of its five layers, and its GFLOP/s.
 *
 * <p>Run after test-compile: {@code java --add-modules jdk.incubator.vector -cp
 * tornado-kernels/target/classes:tornado-kernels/target/test-classes tornadovae.kernels.jvm.ConvSideBySide [rounds] [variant] [mnist-conv]}
 * (-DperLayer=true: each layer's op too).
 * Variants (A, then B): "subpixel" (X from Y by col2im, by phases); "runloads" (window panels by gathers
 * only, runs by loads); "widegroups" (Y from X in groups sized by the scratch, wide ones); "thin48" (thin X from Y and
 * weight gradients up to 32 taps, 48); "direct" (the phases' B packed, read in place); "directa" (the weight gradients' col packed as B, read in place as A); "all" (main's kernels before this work, all of it).
 */
public final class ConvSideBySide {
    private static final String[] OPS = {"conv2d", "conv2dInputGrad", "conv2dWeightGrad",
            "convTranspose2d", "convTranspose2dInputGrad", "convTranspose2dWeightGrad"};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5, threads = 2;
        String variant = args.length > 1 ? args[1] : "subpixel";
        boolean mnist = args.length > 2 && args[2].equals("mnist-conv");
        int batch = mnist ? 128 : 64;
        ConvGeometry[] shapes = mnist ? mnistShapes(batch) : SubPixelConvTest.rgb128Shapes(batch);
        int layers = shapes.length, half = layers / 2;
        Random r = new Random(1);
        float[][] in = new float[layers][], w = new float[layers][], b = new float[layers][], dOut = new float[layers][], col = new float[layers][];
        for (int l = 0; l < layers; l++) {
            ConvGeometry g = shapes[l];
            in[l] = rand(r, g.inSize()); w[l] = rand(r, g.weightSize()); b[l] = rand(r, g.outC()); dOut[l] = rand(r, g.outSize());
            col[l] = new float[g.scratchFloats(g.transposed())];
        }
        float[] out = new float[maxOf(shapes)];
        double[] flops = new double[6];
        for (int l = 0; l < layers; l++)
            for (int op = 0; op < 3; op++) flops[(l < half ? 0 : 3) + op] += shapes[l].flops();
        try (JvmKernels jvm = JvmKernels.create(threads)) {
            double[][][] ms = new double[2][6][rounds];
            double[][][] perLayer = new double[2][3 * layers][rounds];
            for (int round = -2; round < rounds; round++) {   // two rounds of warm-up
                for (int l = 0; l < layers; l++) {
                    ConvGeometry g = shapes[l];
                    for (int op = 0; op < 3; op++) {
                        for (int i = 0; i < 2; i++) {
                            int v = (i + round) & 1;   // A first in even rounds, B first in odd ones
                            set(jvm, variant, v == 1);
                            long t0 = System.nanoTime();
                            run(jvm, g, op, out, in[l], w[l], b[l], dOut[l], col[l]);
                            double t = (System.nanoTime() - t0) / 1e6;
                            if (round >= 0) { ms[v][(l < half ? 0 : 3) + op][round] += t; perLayer[v][l * 3 + op][round] = t; }
                        }
                    }
                }
            }
            if (Boolean.getBoolean("perLayer"))
                for (int l = 0; l < layers; l++)
                    for (int op = 0; op < 3; op++) {
                        double a = median(perLayer[0][l * 3 + op]), bb = median(perLayer[1][l * 3 + op]);
                        System.out.printf(Locale.ROOT, "%-34s %-26s A %7.2f ms %4.0f GFLOP/s   B %7.2f ms %4.0f GFLOP/s%n", shapes[l],
                                OPS[(l < half ? 0 : 3) + op], a, shapes[l].flops() / a / 1e6, bb, shapes[l].flops() / bb / 1e6);
                    }
            set(jvm, variant, true);
            System.out.printf(Locale.ROOT, "variant %s, %d threads, batch %d, median of %d rounds (A, B interleaved)%n",
                    variant, threads, batch, rounds);
            System.out.println("| op | A ms | A GFLOP/s | B ms | B GFLOP/s |");
            System.out.println("|---|---:|---:|---:|---:|");
            double[] total = new double[2];
            for (int op = 0; op < 6; op++) {
                double a = median(ms[0][op]), bb = median(ms[1][op]);
                total[0] += a; total[1] += bb;
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %.1f | %.0f |%n", OPS[op], a, flops[op] / a / 1e6, bb, flops[op] / bb / 1e6);
            }
            double all = Arrays.stream(flops).sum();
            System.out.printf(Locale.ROOT, "| all six | %.1f | %.0f | %.1f | %.0f |%n", total[0], all / total[0] / 1e6, total[1], all / total[1] / 1e6);
        }
    }

    /** Variant B of `variant` when b, else A. */
    private static void set(JvmKernels jvm, String variant, boolean b) {
        switch (variant) {
            case "subpixel" -> jvm.subPixelConv(b);
            case "runloads" -> WindowPanels.runLoads = b;
            case "direct" -> WindowPanels.directLoads = b;
            case "directa" -> ConvWeightGrad.directA = b;
            case "directthin" -> ConvWeightGrad.directThin = b;
            case "widegroups" -> jvm.wideConvGroups(b);
            case "thin48" -> ConvLowering.thinXSide = b ? ThinConv.MAX_TAPS_X_SIDE : ThinConv.MAX_TAPS;
            case "all" -> {
                jvm.subPixelConv(b);
                WindowPanels.runLoads = b;
                jvm.wideConvGroups(b);
                ConvLowering.thinXSide = b ? ThinConv.MAX_TAPS_X_SIDE : ThinConv.MAX_TAPS;
            }
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        }
    }

    private static void run(JvmKernels jvm, ConvGeometry g, int op, float[] out, float[] in, float[] w, float[] b, float[] dOut, float[] col) {
        int n = col.length;
        if (g.transposed()) {
            switch (op) {
                case 0 -> jvm.convTranspose2d(out, 0, in, 0, w, 0, b, 0, col, 0, n, g);
                case 1 -> jvm.convTranspose2dInputGrad(out, 0, dOut, 0, w, 0, col, 0, n, g);
                default -> jvm.convTranspose2dWeightGrad(out, 0, dOut, 0, in, 0, col, 0, n, g);
            }
        } else {
            switch (op) {
                case 0 -> jvm.conv2d(out, 0, in, 0, w, 0, b, 0, col, 0, n, g);
                case 1 -> jvm.conv2dInputGrad(out, 0, dOut, 0, w, 0, col, 0, n, g);
                default -> jvm.conv2dWeightGrad(out, 0, dOut, 0, in, 0, col, 0, n, g);
            }
        }
    }

    /** mnist-conv's two Conv2d and two ConvTranspose2d (kernel 3). */
    private static ConvGeometry[] mnistShapes(int batch) {
        return new ConvGeometry[]{ConvGeometry.conv2d(batch, 1, 28, 28, 32, 3, 2, 1), ConvGeometry.conv2d(batch, 32, 14, 14, 64, 3, 2, 1),
                ConvGeometry.convTranspose2d(batch, 64, 7, 7, 32, 3, 2, 1, 1), ConvGeometry.convTranspose2d(batch, 32, 14, 14, 1, 3, 2, 1, 1)};
    }

    private static int maxOf(ConvGeometry[] shapes) {
        int m = 0;
        for (ConvGeometry g : shapes) m = Math.max(m, Math.max(g.inSize(), Math.max(g.outSize(), g.weightSize())));
        return m;
    }

    private static float[] rand(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

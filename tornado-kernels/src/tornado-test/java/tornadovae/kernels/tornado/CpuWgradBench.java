package tornadovae.kernels.tornado;

import tornadovae.kernels.plan.ConvGeometry;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * The panel GEMM of {@link CpuWeightGrad} alone for each of rgb128-conv's weight gradients at batch 64 (each layer's
 * Conv2d and its mirrored ConvTranspose2d have the same product), as the planner splits it: the median wall time
 * of 5 executions after one that compiles, and GFLOP/s. Wall time includes TornadoVM's dispatch. On the shared 2-core
 * machine the same kernel's times moved by up to 1.7× between runs: compare variants only interleaved, several rounds.
 * Run from the built tree:
 * <pre>
 *   java @$TORNADOVM_HOME/tornado-argfile -Dtornado.recover.bailout=False \
 *     -cp tornado-kernels/target/classes:tornado-kernels/target/test-classes tornadovae.kernels.tornado.CpuWgradBench
 * </pre>
 */
final class CpuWgradBench {
    private CpuWgradBench() {}

    public static void main(String[] args) {
        int[][] layers = {{3, 32, 128}, {32, 64, 64}, {64, 128, 32}, {128, 256, 16}, {256, 512, 8}};
        System.out.println("| layer | m×n×kt | parts | row group | median ms | GFLOP/s |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (int[] l : layers) {
            ConvGeometry g = ConvGeometry.conv2d(64, l[0], l[2], l[2], l[1], 4, 2, 1);
            int m = l[1], n = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), kt = 64 * pixels;
            float[] any = new float[1];
            GemmCall unpacked = DeviceConv.weightGrad(g, any, 0, any, any, 0, 64, false);
            int splits = CpuGemm.splits(unpacked), imagesPer = (64 + splits - 1) / splits, parts = (64 + imagesPer - 1) / imagesPer;
            int cols = (n + 15) / 16;
            int group = CpuGemm.rowGroup(m, n, parts);
            int rowGroups = (m + 8 * group - 1) / (8 * group);
            float[] packed = new float[(int) CpuWeightGrad.colFloats(g, 64)];
            for (int i = 0; i < packed.length; i++) packed[i] = (i % 7) * 0.1f;
            float[] c = new float[parts * m * n];
            int mode = CpuGemmKernels.mode(false, 0, TornadoActivations.ACT_IDENTITY, false, false, group);
            float[] bias = new float[1];   // no epilogue: never read
            TaskGraph tg = new TaskGraph("w").transferToDevice(DataTransferMode.FIRST_EXECUTION, packed, bias, c)
                    .task("t", CpuPanelKernels::gemm, packed, cols * 16 * kt, 0, 0, imagesPer * pixels, bias, 0, c, 0, m * n,
                            m, n, kt, imagesPer * pixels, parts, mode, 0f, rowGroups, cols)
                    .transferToHost(DataTransferMode.UNDER_DEMAND, c);
            try (TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot())) {
                double[] ms = new double[6];
                for (int r = 0; r < ms.length; r++) {
                    long t0 = System.nanoTime();
                    plan.execute();
                    ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                double[] timed = java.util.Arrays.copyOfRange(ms, 1, ms.length);
                java.util.Arrays.sort(timed);
                double med = timed[timed.length / 2];
                System.out.printf("| %d→%d | %d×%d×%d | %d | %d | %.2f | %.1f |%n", l[0], l[1], m, n, kt, parts, group, med,
                        2e-6 * m * n * (double) kt / med);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        System.exit(0);
    }
}

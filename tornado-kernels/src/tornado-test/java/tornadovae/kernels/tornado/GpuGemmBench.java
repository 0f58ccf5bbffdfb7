package tornadovae.kernels.tornado;

import java.util.List;

/**
 * The GPU-class GEMM variants side by side on TornadoVM's default device (or {@code args[0]} = "backend:device"):
 * the median wall time of 5 executions (after one that compiles) of the 256×256×256 GEMM and of mnist-conv's conv2
 * forward and weight-gradient GEMMs at batch 128, as chosen and with each variant forced. Wall time includes
 * TornadoVM's dispatch. On PoCL (a CPU) this is only a relative check: it runs barrier kernels slowly. Run from the
 * built tree:
 * <pre>
 *   java @$TORNADOVM_HOME/tornado-argfile -Dtornado.recover.bailout=False \
 *     -cp tornado-kernels/target/classes:tornado-kernels/target/test-classes tornadovae.kernels.tornado.GpuGemmBench
 * </pre>
 */
final class GpuGemmBench {
    private GpuGemmBench() {}

    public static void main(String[] args) {
        var device = args.length > 0 ? TornadoDevices.resolve(args[0]) : null;
        GemmCases g = new GemmCases(1);
        List<GemmCall> conv = new java.util.ArrayList<>();
        g.conv(conv, 128, 32, 64, 3, 7, 7, TornadoActivations.ACT_LEAKY_RELU);
        List<GemmCall> calls = List.of(g.call(256, 256, 256, false, false, 1, 1, false, 0, 0, 0f), conv.get(0), conv.get(2));
        String[] names = {"256×256×256", "conv2 forward", "conv2 weight grad"};
        System.out.println("| call | variant | parts | work-items | median ms | GFLOP/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (int i = 0; i < calls.size(); i++)
            for (int v = 0; v <= 5; v++) {
                GpuGemm family = new GpuGemm(v);
                GpuGemm.Launch l = family.plan(calls.get(i));
                double ms = GemmRunner.run(family, List.of(calls.get(i)), device, 6);   // the median of 5, after a compile
                System.out.printf("| %s | %s | %d | %d | %.2f | %.2f |%n", names[i], v == 0 ? l.variant() + " (chosen)" : v,
                        l.parts(), l.workItems(), ms, 2e-6 * calls.get(i).fmas() / ms);
            }
        System.exit(0);
    }
}

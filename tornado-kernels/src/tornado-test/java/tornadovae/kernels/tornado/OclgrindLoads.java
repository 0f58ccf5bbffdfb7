package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;

import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * Runs the GEMMs whose global loads per FMA {@code bench/oclgrind-loads.sh} reports, one task graph each, on the
 * Oclgrind device started with OCLGRIND_INST_COUNTS=1. Oclgrind prints one instruction histogram per kernel launch on
 * stdout, in launch order; this prints, on stderr, one {@code LAUNCH} line per kernel launch in the same order (the
 * call, the kernel, its variant, parts, work-items and the call's true FMAs, not counting the zeros a block pads k
 * with), which the script pairs with the histograms.
 */
final class OclgrindLoads {
    private OclgrindLoads() {}

    record Case(String name, GpuGemm family, GemmCall call) {}

    static List<Case> cases(int images) {
        GemmCases g = new GemmCases(2026_12_07);
        List<Case> l = new ArrayList<>();
        GemmCall sq = g.call(256, 256, 256, false, false, 1, 1, false, 0, TornadoActivations.ACT_IDENTITY, 0f);
        l.add(new Case("gemm 256×256×256 (chosen)", new GpuGemm(0), sq));
        // variants 1 (the chosen one) and 3; 2 and 4 load per FMA what their blocks say (1/32, 1/16): Oclgrind takes
        // about a minute per 256³ GEMM
        l.add(new Case("gemm 256×256×256 variant 3", new GpuGemm(3), sq));
        // mnist-conv's convolutions (the decoder's transposed ones have the same three GEMM shapes, roles swapped)
        String[] names = {"conv1 1→32 14×14", "conv2 32→64 7×7"};
        List<GemmCall> convs = new ArrayList<>();
        g.conv(convs, images, 1, 32, 3, 14, 14, TornadoActivations.ACT_LEAKY_RELU);
        g.conv(convs, images, 32, 64, 3, 7, 7, TornadoActivations.ACT_LEAKY_RELU);
        String[] kinds = {"forward", "input grad", "weight grad"};
        for (int i = 0; i < convs.size(); i++)
            l.add(new Case("mnist-conv " + names[i / 3] + " " + kinds[i % 3] + ", " + images + " images", new GpuGemm(0), convs.get(i)));
        return l;
    }

    public static void main(String[] args) {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        TornadoDevice device = OclgrindCheck.oclgrind();
        System.err.println(OclgrindCheck.DEVICE_LINE + TornadoDevices.name(device));
        for (Case c : cases(images)) {
            GpuGemm.Launch l = c.family().plan(c.call());
            String shape = GemmRunner.describe(c.call());
            System.err.printf("LAUNCH\t%s\t%s\tgemm%d\t%d\t%d\t%d%n", c.name(), shape, l.variant(), l.parts(), l.workItems(), c.call().fmas());
            if (l.reduce())
                System.err.printf("LAUNCH\t%s\t%s\treduce\t%d\t%d\t%d%n", c.name(), shape, l.parts(),
                        (long) c.call().outputs() * c.call().m() * c.call().n(), c.call().fmas());
            GemmRunner.run(c.family(), List.of(c.call()), device, 1);
        }
        System.exit(0);
    }
}

package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;

import tornadovae.kernels.plan.ConvGeometry;

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
        // mnist-conv's convolutions as a batch-128 step launches them: each GEMM with the variant its batch-128 call
        // gets, run over fewer images (a block's loads per FMA do not depend on how many blocks there are). The
        // decoder's ConvTranspose2d 64→32 and 32→1 are the GEMMs of Conv2d 32→64 and 1→32, forward and input gradient
        // swapped; the first layer's input gradient is not computed.
        String[] names = {"1→32, 14×14 out", "32→64, 7×7 out"};
        String[][] kinds = {{"Y from X (conv1 forward, convT 32→1 input grad)", "X from Y (convT 32→1 forward)",
                "weight grad (conv1, convT 32→1)"}, {"Y from X (conv2 forward, convT 64→32 input grad)",
                "X from Y (conv2 input grad, convT 64→32 forward)", "weight grad (conv2, convT 64→32)"}};
        List<GemmCall> at128 = new ArrayList<>(), convs = new ArrayList<>();
        g.conv(at128, 128, 1, 32, 3, 14, 14, TornadoActivations.ACT_LEAKY_RELU);
        g.conv(at128, 128, 32, 64, 3, 7, 7, TornadoActivations.ACT_LEAKY_RELU);
        g.conv(convs, images, 1, 32, 3, 14, 14, TornadoActivations.ACT_LEAKY_RELU);
        g.conv(convs, images, 32, 64, 3, 7, 7, TornadoActivations.ACT_LEAKY_RELU);
        for (int i = 0; i < convs.size(); i++) {
            int variant = new GpuGemm(0).plan(at128.get(i)).variant();
            l.add(new Case("mnist-conv " + names[i / 3] + " " + kinds[i / 3][i % 3] + ", gemm" + variant + " as at batch 128, "
                    + images + " images", new GpuGemm(variant), convs.get(i)));
        }
        // the same Y-from-X GEMMs reading X itself (-Dtornadovae.tornado.conv=implicit)
        for (int layer = 0; layer < 2; layer++) {
            List<GemmCall> big = new ArrayList<>(), small = new ArrayList<>();
            g.convImplicit(big, layer == 0 ? ConvGeometry.conv2d(128, 1, 28, 28, 32, 3, 2, 1) : ConvGeometry.conv2d(128, 32, 14, 14, 64, 3, 2, 1),
                    TornadoActivations.ACT_LEAKY_RELU);
            g.convImplicit(small, layer == 0 ? ConvGeometry.conv2d(images, 1, 28, 28, 32, 3, 2, 1)
                    : ConvGeometry.conv2d(images, 32, 14, 14, 64, 3, 2, 1), TornadoActivations.ACT_LEAKY_RELU);
            int variant = new GpuGemm(0).plan(big.get(0)).variant();
            l.add(new Case("mnist-conv " + names[layer] + " " + kinds[layer][0].replace(" (", ", implicit (") + ", gemm"
                    + variant + " as at batch 128, " + images + " images", new GpuGemm(variant), small.get(0)));
        }
        return l;
    }

    public static void main(String[] args) {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 16;
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

package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;

import tornadovae.kernels.plan.ConvGeometry;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * The child JVM of the Oclgrind test mode ({@link OclgrindTest} starts it, so that Oclgrind's diagnostics, which it
 * writes to the process's stderr from native code, can be read): runs one group of checks on the Oclgrind device
 * and nothing else. It prints {@value #DEVICE_LINE} and the device's name first, {@value #OK_LINE} and the group
 * last; it exits non-zero when there is no Oclgrind device or a result differs from the reference.
 */
final class OclgrindCheck {
    static final String DEVICE_LINE = "OCLGRIND-CHECK device: ";
    static final String OK_LINE = "OCLGRIND-CHECK ok: ";

    private OclgrindCheck() {}

    /** The groups of checks, each small enough for Oclgrind (it runs work-items one by one). */
    static final List<String> GROUPS = List.of("gemm-edges", "gemm-mlp", "gemm-mnist-conv", "gemm-rgb128-conv",
            "step-mlp", "convs-mnist-conv", "convs-mnist-conv-implicit", "convs-rgb128-conv");

    public static void main(String[] args) {
        try {
            TornadoDevice device = oclgrind();
            System.out.println(DEVICE_LINE + TornadoDevices.name(device) + " (" + device.getPlatformName().trim() + ")");
            System.out.flush();
            String group = args[0];
            String failure = run(group, device);
            if (failure != null) {
                System.out.println("OCLGRIND-CHECK mismatch: " + failure);
                System.exit(1);
            }
            System.out.println(OK_LINE + group);
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(2);
        }
    }

    private static String run(String group, TornadoDevice device) {
        GemmCases cases = new GemmCases(group.hashCode());
        switch (group) {
            case "gemm-edges" -> {
                // every variant, forced, on the edge shapes that break blocks, split, batch and sum (the 1×1×1,
                // transposed-twice and 256³ ones are left to the PoCL test: Oclgrind takes seconds per GEMM)
                for (int v = 1; v <= 5; v++) {
                    List<GemmCall> calls = new ArrayList<>(cases.edges().subList(3, 8));
                    String f = GemmRunner.check(new GpuGemm(v), calls, device, 1e-4);
                    if (f != null) return "variant " + v + ": " + f;
                }
                return null;
            }
            case "gemm-mlp" -> { return GemmRunner.check(new GpuGemm(0), cases.mlp(2), device, 1e-4); }
            // the convolutions' GEMMs (its dense layers are the MLP's kind, and 3136 wide: minutes on Oclgrind)
            // the convolutions' GEMMs (its dense layers are the MLP's kind, and 3136 wide: minutes on Oclgrind), and
            // those that can read X itself (-Dtornadovae.tornado.conv=implicit), which load around the padding
            case "gemm-mnist-conv" -> {
                List<GemmCall> calls = new ArrayList<>(cases.mnistConvs(2));
                cases.convImplicit(calls, ConvGeometry.conv2d(2, 1, 28, 28, 32, 3, 2, 1), TornadoActivations.ACT_LEAKY_RELU);
                cases.convImplicit(calls, ConvGeometry.convTranspose2d(2, 64, 7, 7, 32, 3, 2, 1, 1), TornadoActivations.ACT_LEAKY_RELU);
                return GemmRunner.check(new GpuGemm(0), calls, device, 1e-4);
            }
            case "gemm-rgb128-conv" -> {
                List<GemmCall> calls = new ArrayList<>(cases.rgb128Conv(1, 32, 8, 16));
                cases.convImplicit(calls, ConvGeometry.conv2d(1, 3, 32, 32, 4, 4, 2, 1), TornadoActivations.ACT_LEAKY_RELU);
                return GemmRunner.check(new GpuGemm(0), calls, device, 1e-4);
            }
            // through the backend with the GPU family: a step of the MLP; each conv model's layers, forward and back
            case "step-mlp" -> OclgrindSteps.mlpStep(oclgrindSpec());
            case "convs-mnist-conv" -> OclgrindSteps.convLayers(oclgrindSpec(), 1, new int[] {1, 32, 64}, 28, 3, new int[] {1, 1});
            case "convs-mnist-conv-implicit" -> {
                System.setProperty(DeviceConv.LOWERING_PROPERTY, "implicit");
                OclgrindSteps.convLayers(oclgrindSpec(), 1, new int[] {1, 32, 64}, 28, 3, new int[] {1, 1});
            }
            case "convs-rgb128-conv" -> OclgrindSteps.convLayers(oclgrindSpec(), 1, new int[] {3, 4, 8, 16}, 32, 4, new int[] {0, 0, 0});
            default -> throw new IllegalArgumentException("no check group '" + group + "'; the groups are " + GROUPS);
        }
        return null;   // the step groups fail by throwing
    }

    /** The device whose platform or name says Oclgrind; fails rather than fall back to another. */
    static TornadoDevice oclgrind() { return TornadoDevices.resolve(oclgrindSpec()); }

    /** Its "backend:device", as TornadoBackend takes it. */
    static String oclgrindSpec() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        for (int b = 0; b < rt.getNumBackends(); b++)
            for (int d = 0; d < rt.getBackend(b).getNumDevices(); d++) {
                TornadoDevice dev = rt.getBackend(b).getDevice(d);
                if ((dev.getPlatformName() + " " + TornadoDevices.name(dev)).toLowerCase().contains("oclgrind")) return b + ":" + d;
            }
        throw new IllegalStateException("no Oclgrind device; TornadoVM sees " + TornadoDevices.list()
                + " (source ../shared/tools/oclgrind/setup.sh's variables: OCL_ICD_VENDORS and LD_PRELOAD)");
    }
}

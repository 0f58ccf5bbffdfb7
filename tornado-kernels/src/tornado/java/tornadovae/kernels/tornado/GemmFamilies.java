package tornadovae.kernels.tornado;

/** The GEMM families by kernel choice ({@link TornadoBackend#sgemmVariant()}). */
final class GemmFamilies {
    private GemmFamilies() {}

    /** The choice on a device that is not a CPU: the GPU-class family. */
    static final int DEFAULT_NON_CPU = TornadoBackend.GPU_FAMILY;

    /** The family for a kernel choice, or null for the legacy SGEMM variants 1-3. */
    static GemmFamily of(int choice) {
        return switch (choice) {
            case TornadoBackend.CPU_FAMILY -> new CpuGemm();
            case TornadoBackend.GPU_FAMILY -> new GpuGemm();
            default -> null;
        };
    }
}

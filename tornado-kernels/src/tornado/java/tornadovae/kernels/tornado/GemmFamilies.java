package tornadovae.kernels.tornado;

/** The GEMM families by kernel choice ({@link TornadoBackend#sgemmVariant()}). */
final class GemmFamilies {
    private GemmFamilies() {}

    /** The choice on a device that is not a CPU: the legacy tiled SGEMM until the GPU family is wired in. */
    static final int DEFAULT_NON_CPU = 2;

    /** The family for a kernel choice, or null for the legacy SGEMM variants 1-3. */
    static GemmFamily of(int choice) {
        return switch (choice) {
            case TornadoBackend.CPU_FAMILY -> new CpuGemm();
            case TornadoBackend.GPU_FAMILY -> throw new UnsupportedOperationException("the GPU-class GEMM family is not built yet");
            default -> null;
        };
    }
}

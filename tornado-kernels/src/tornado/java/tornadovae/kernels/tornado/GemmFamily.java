package tornadovae.kernels.tornado;

/**
 * A family of GEMM kernels for one class of device: how a {@link GemmCall} becomes tasks. The backend
 * chooses the family by device type (a CPU OpenCL device gets {@link CpuGemm}, anything else {@link GpuGemm})
 * unless {@value TornadoBackend#FAMILY_PROPERTY} forces one, so both can be compared on one device.
 *
 * <p>CPU OpenCL devices (PoCL) want barrier-free kernels with explicit vector types: they do not vectorise
 * across the work-items of a kernel with barriers. GPUs want work-groups that stage blocks of A and B in
 * local memory, and many work-items.
 */
interface GemmFamily {
    /** "cpu" or "gpu", as printed by {@code vae bench}. */
    String name();

    /**
     * Whether the family wants a convolution's GEMM as one call across a group of images ({@link GemmCall#columnGroups}:
     * blocks as wide as the group) rather than a batch of per-image calls.
     */
    boolean groupsColumns();

    /** Tasks {@link #add} adds for this call (TornadoVM's bytecode buffer is sized by them). */
    int tasks(GemmCall call);

    /** Arguments of those tasks together. */
    int args(GemmCall call);

    /** Floats of the backend's GEMM scratch this call needs (split-K partial sums); 0 if none. */
    long scratchFloats(GemmCall call);

    /**
     * Adds the tasks computing {@code call}, named {@code id} (and {@code id + "Reduce"} etc. for more), using
     * {@code scratch} (resident on the device, at least {@link #scratchFloats} long) for partial results.
     */
    void add(TornadoTasks.Context context, String id, GemmCall call, float[] scratch);
}

package tornadovae.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import tornadovae.api.VaeModel;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.jvm.JvmKernels;
import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.model.Optimizer;
import tornadovae.model.Vae;

/**
 * What an executor JVM keeps between tasks: the scoring models (one per checkpoint, loaded on first use from the
 * broadcast bytes) and the training workers (one pool per run and shard size). Static, because Spark gives a task
 * no other place that outlives it; in local mode the driver is the executor and shares it.
 */
final class ExecutorCache {
    private ExecutorCache() {}

    private static final Map<String, VaeModel> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final Map<String, ConcurrentLinkedQueue<VaeSession>> WORKERS = new ConcurrentHashMap<>();

    /** How many times a checkpoint was loaded in this JVM (a test checks it is once per checkpoint). */
    static int modelLoads() { return LOADS.get(); }

    /** The model of this checkpoint, loaded once per JVM; {@code key} names the bytes (their checksum). */
    static VaeModel model(String key, byte[] checkpoint) {
        return MODELS.computeIfAbsent(key, k -> {
            try {
                // VaeModel reads a file: the checkpoint's own checks (header, checksum, architecture) then apply as in `vae`
                Path tmp = Files.createTempFile("vae-checkpoint-", ".safetensors");
                try {
                    Files.write(tmp, checkpoint);
                    VaeModel m = VaeModel.load(tmp, Math.max(1, Runtime.getRuntime().availableProcessors()));
                    LOADS.incrementAndGet();
                    return m;
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A training worker for shards of {@code batch} rows of this run: borrowed, then given back with {@link #giveBack}. */
    static VaeSession worker(String run, Vae vae, Optimizer opt, int batch, int mcSamples) {
        VaeSession s = WORKERS.computeIfAbsent(run + "/" + batch, k -> new ConcurrentLinkedQueue<>()).poll();
        if (s != null) return s;
        // one thread per task: Spark runs as many tasks at once as the executor has cores
        // no free bits: their gate is a statistic of the whole batch, which a shard does not have (the command refuses them)
        s = new VaeSession(vae, backend(), opt, new int[0], new int[]{batch}, new int[0], mcSamples, 0f);
        s.addGradientPlans(batch);
        s.prepare();
        return s;
    }

    static void giveBack(String run, int batch, VaeSession s) { WORKERS.get(run + "/" + batch).offer(s); }

    /** Drops a finished run's workers (the driver's JVM in local mode, where runs come and go in one process). */
    static void forgetRun(String run) {
        WORKERS.entrySet().removeIf(e -> {
            if (!e.getKey().startsWith(run + "/")) return false;
            e.getValue().forEach(VaeSession::close);
            return true;
        });
    }

    /** The Vector API kernels when the executor was started with the module, else the reference loops (as VaeModel). */
    private static Backend backend() {
        boolean vectorApi = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        return vectorApi ? JvmKernels.backend(1) : HostBackend.reference();
    }
}

package tornadovae.engine;

import java.lang.reflect.InvocationTargetException;
import java.util.List;
import tornadovae.kernels.jvm.JvmKernels;
import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.HostBackend;

/**
 * Chooses a backend by name. The TornadoVM backend is loaded reflectively: it is compiled only
 * where a TornadoVM SDK is installed, and it needs TornadoVM's JVM flags at run time.
 */
public final class Backends {
    private Backends() {}

    static final String TORNADO_CLASS = "tornadovae.kernels.tornado.TornadoBackend";

    /**
     * The most JVM backend threads: beyond a few per core they only add scheduling and synchronisation (1,000
     * threads made an epoch 20× slower on 2 cores), and a typo like --threads 1000 should not pass silently.
     */
    public static int maxThreads() { return Math.max(16, 4 * Runtime.getRuntime().availableProcessors()); }

    /** Refuses, in one sentence each, a thread count out of range and a --device the backend would ignore. */
    public static void checkOptions(String name, String device, int threads) {
        if (threads < 1 || threads > maxThreads())
            throw new IllegalArgumentException("--threads must be between 1 and " + maxThreads() + " (4 per core on this "
                    + "machine's " + Runtime.getRuntime().availableProcessors() + " cores), got " + threads);
        if (device != null && !name.equals("tornado"))
            throw new IllegalArgumentException("--device " + device + " applies only to --backend tornado; the " + name
                    + " backend runs on this machine's CPU cores (see --threads)");
    }

    public static Backend create(String name, String device, int threads) {
        checkOptions(name, device, threads);
        return switch (name) {
            case "jvm" -> JvmKernels.backend(threads);
            case "reference" -> HostBackend.reference();
            case "tornado" -> tornado(device);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (expected jvm or tornado)");
        };
    }

    private static Backend tornado(String device) {
        try {
            Class<?> c = Class.forName(TORNADO_CLASS);
            return (Backend) c.getConstructor(String.class).newInstance(device);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("the TornadoVM backend is not in this build: install a TornadoVM SDK, "
                    + "source tornado.env and rebuild (or use --backend jvm)");
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new IllegalArgumentException("TornadoVM is not on this JVM: run through ./vae with TORNADOVM_HOME set "
                    + "(TornadoVM needs its own JVM flags) or use --backend jvm");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException("TornadoVM could not start on device " + (device == null ? "default" : device)
                    + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Null when the TornadoVM backend can run in this JVM, else the reason it cannot. */
    public static String tornadoUnavailableReason() {
        try {
            Class.forName(TORNADO_CLASS);
        } catch (ClassNotFoundException e) {
            return "this build has no TornadoVM backend (no TORNADOVM_HOME when it was compiled)";
        } catch (LinkageError e) {
            return "TornadoVM is not on this JVM (run with TornadoVM's argfile)";
        }
        try {
            if (tornadoDevices().isEmpty()) return "TornadoVM found no device";
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "TornadoVM is not on this JVM (" + e + ")";
        }
    }

    /** One line per TornadoVM device, or an explanation of why there are none. */
    @SuppressWarnings("unchecked")
    public static List<String> tornadoDevices() {
        try {
            return (List<String>) Class.forName(TORNADO_CLASS).getMethod("listDevices").invoke(null);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return List.of();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not list TornadoVM devices: " + e.getCause(), e);
        }
    }

    /**
     * The kernels a TornadoVM backend runs: "cpu" or "gpu" (its GEMM family, chosen per device type unless the
     * system property tornadovae.tornado.family names one), or "legacy N" for an old SGEMM variant. Null for any
     * other backend.
     */
    public static String tornadoKernels(Backend backend) {
        if (!backend.getClass().getName().equals(TORNADO_CLASS)) return null;
        try {
            return (String) backend.getClass().getMethod("family").invoke(backend);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not ask the TornadoVM backend for its kernels: " + e, e);
        }
    }
}

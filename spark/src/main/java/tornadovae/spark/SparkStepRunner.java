package tornadovae.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import tornadovae.engine.Noise;
import tornadovae.engine.StepRunner;
import tornadovae.engine.VaeSession;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Synchronous data parallelism: each step's batch is split into {@code partitions} contiguous shards, one Spark
 * task each; a task computes its shard's gradient with the JVM backend, the driver sums the gradients in partition
 * order and makes one Adam step. Because the loss is a sum over samples, the summed shard gradients are the whole
 * batch's gradient, so the run is the single-machine run up to float rounding (bit for bit with one partition).
 *
 * <p>The driver draws the step's noise from the training loop's stream exactly as {@link VaeSession#trainStep}
 * would, and cuts it with the rows: shard s of step t sees the rows and the noise the single-machine run uses for
 * them. A task's inputs are fixed before the job starts, so a retried task computes the same gradient.
 */
public final class SparkStepRunner implements StepRunner, AutoCloseable {
    private final JavaSparkContext sc;
    private final int partitions;
    private final String run = UUID.randomUUID().toString();
    private final JavaRDD<Integer> shards;
    private Broadcast<float[]> data;
    private float[] dataSource;
    private Map<String, String> spec;
    private float[] optimizer;
    private int averageEvery = 1;
    private final List<LocalSgd.Step> pending = new ArrayList<>();
    private long failStep = -1;
    private int failPartition = -1;
    /** Per job, ns per step: the job's compute (its slowest task), the rest of the job, the driver's sum and Adam. */
    private final List<double[]> times = new ArrayList<>();
    private long steps;

    public SparkStepRunner(JavaSparkContext sc, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        this.sc = sc;
        this.partitions = partitions;
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < partitions; i++) ids.add(i);
        this.shards = sc.parallelize(ids, partitions);  // one element per partition: its shard number
    }

    /** For tests: the first attempt of this partition's task in this step (1-based) throws, as a lost executor would. */
    SparkStepRunner failFirstAttempt(long step, int partition) {
        this.failStep = step;
        this.failPartition = partition;
        return this;
    }

    /**
     * Local SGD: every partition makes {@code h} Adam steps of its own, step j on its shard of global batch t + j,
     * then the driver averages the parameters and Adam's moments (fixed order). h = 1 (the default) is synchronous
     * gradient summing. Communication is once per h steps; the result is no longer the single-machine run (but is
     * with one partition). A round also ends at an epoch's end, so evaluation and checkpoints see current parameters.
     */
    public SparkStepRunner averageEvery(int h) {
        if (h < 1) throw new IllegalArgumentException("--average-every must be at least 1, got " + h);
        this.averageEvery = h;
        return this;
    }

    @Override
    public void addPlans(VaeSession session) {
        session.addGradientPlans();   // the driver runs only the optimiser plan
        spec = session.vae().spec().toMetadata();
        var o = session.optimizer();
        optimizer = new float[]{o.beta1(), o.beta2(), o.eps(), o.weightDecay(), o.clipGradNorm()};
    }

    @Override
    public VaeSession.Losses step(VaeSession session, float[] images, int[] order, int from, int batch, float lr,
                                  float klWeight, Noise noise) {
        if (images != dataSource) {   // the training set is shipped once per run, not per step
            if (data != null) data.destroy();
            data = sc.broadcast(images);
            dataSource = images;
        }
        int latent = session.vae().latent(), mc = session.mcSamples();
        float[] eps = new float[mc * batch * latent];
        noise.gaussian(eps, 0, eps.length);   // the draws trainStep makes, in its order: [mc][batch][latent]
        Shard[] work = new Shard[partitions];
        for (int s = 0; s < partitions; s++) {
            int a = (int) ((long) s * batch / partitions), b = (int) ((long) (s + 1) * batch / partitions), n = b - a;
            int[] rows = java.util.Arrays.copyOfRange(order, from + a, from + b);
            float[] e = new float[mc * n * latent];
            for (int k = 0; k < mc; k++) System.arraycopy(eps, (k * batch + a) * latent, e, k * n * latent, n * latent);
            work[s] = new Shard(rows, e);
        }
        if (averageEvery > 1) {
            pending.add(new LocalSgd.Step(work, lr, klWeight));
            session.setStep(session.step() + 1);   // the loop's KL schedule and step count go on as they would
            if (pending.size() < averageEvery && from + batch < order.length) return new VaeSession.Losses(0, 0, batch);
            return localRound(session, batch);
        }
        Broadcast<float[]> params = sc.broadcast(session.workspace().params().clone());
        long step = session.step() + 1;
        ShardTask task = new ShardTask(run, spec, mc, data, params, work, klWeight, step == failStep ? failPartition : -1);
        List<Partial> parts;
        long t0 = System.nanoTime();
        try {
            parts = shards.map(task).collect();   // in partition order: the sum below is the same every run
        } finally {
            params.destroy();
        }
        long t1 = System.nanoTime();
        float[] grads = new float[session.workspace().grads().length];
        double recon = 0, kl = 0;
        for (Partial p : parts) {
            if (p.grads() != null) for (int i = 0; i < grads.length; i++) grads[i] += p.grads()[i];
            recon += p.recon();
            kl += p.kl();
        }
        session.applyGradients(grads, lr);
        record(1, t1 - t0, parts.stream().mapToLong(Partial::nanos).max().orElse(0), System.nanoTime() - t1);
        return new VaeSession.Losses(recon, kl, batch);
    }

    /** Runs the pending local steps on every partition, then averages parameters and moments into the session. */
    private VaeSession.Losses localRound(VaeSession session, int batch) {
        var ws = session.workspace();
        Broadcast<float[][]> state = sc.broadcast(new float[][]{ws.params().clone(), ws.adamM().clone(), ws.adamV().clone()});
        LocalSgd.Step[] round = pending.toArray(LocalSgd.Step[]::new);
        pending.clear();
        LocalSgd task = new LocalSgd(run, spec, session.mcSamples(), optimizer, data, state,
                session.step() - round.length + 1, round);
        List<LocalSgd.Result> parts;
        long t0 = System.nanoTime();
        try {
            parts = shards.map(task).collect();
        } finally {
            state.destroy();
        }
        long t1 = System.nanoTime();
        float[][] into = {ws.params(), ws.adamM(), ws.adamV()};
        double recon = 0, kl = 0;
        for (int k = 0; k < 3; k++) {
            float[] dst = into[k];
            java.util.Arrays.fill(dst, 0f);
            for (LocalSgd.Result r : parts) for (int i = 0; i < dst.length; i++) dst[i] += r.state()[k][i];
            float scale = 1f / parts.size();
            for (int i = 0; i < dst.length; i++) dst[i] *= scale;
        }
        for (LocalSgd.Result r : parts) { recon += r.recon(); kl += r.kl(); }
        record(round.length, t1 - t0, parts.stream().mapToLong(LocalSgd.Result::nanos).max().orElse(0), System.nanoTime() - t1);
        return new VaeSession.Losses(recon, kl, batch);
    }

    private void record(int stepsInJob, long job, long compute, long driver) {
        steps += stepsInJob;
        times.add(new double[]{(double) compute / stepsInJob, (double) (job - compute) / stepsInJob, (double) driver / stepsInJob});
    }

    /**
     * Time per step so far, in ms, as medians over the jobs (robust to the JIT's first steps and to a busy machine):
     * compute (the slowest task's gradients, the step's critical path), communication (the rest of the Spark job:
     * scheduling, parameters out, results back) and the driver's sum and Adam (or averaging).
     */
    public String timing() {
        if (times.isEmpty()) return "no steps";
        double[] m = new double[3];
        for (int k = 0; k < 3; k++) {
            int kk = k;
            double[] v = times.stream().mapToDouble(t -> t[kk]).sorted().toArray();
            m[k] = (v[(v.length - 1) / 2] + v[v.length / 2]) / 2 / 1e6;
        }
        return String.format("%d steps on %d partitions, medians per step: compute %.1f ms (slowest task) + communication "
                + "%.1f ms (scheduling, parameters out, results back) + driver %.1f ms (sum and Adam, or averaging) = %.1f ms",
                steps, partitions, m[0], m[1], m[2], m[0] + m[1] + m[2]);
    }

    @Override
    public void close() {
        if (data != null) data.destroy();
        data = null;
        dataSource = null;
        ExecutorCache.forgetRun(run);   // only this JVM's copy; an executor's goes with the executor
    }

    /** One shard of a step: the training rows (indices into the broadcast images) and their noise, [mc][n][latent]. */
    record Shard(int[] rows, float[] eps) implements Serializable {}

    /** A shard's gradient (null for an empty shard), loss sums and the time its computation took in the task. */
    record Partial(float[] grads, double recon, double kl, long nanos) implements Serializable {}

    /** What every task of a step gets; it picks its shard by the element it is given (its partition number). */
    record ShardTask(String run, Map<String, String> spec, int mc, Broadcast<float[]> data, Broadcast<float[]> params,
                     Shard[] shards, float klWeight, int failPartition) implements Function<Integer, Partial> {
        @Override
        public Partial call(Integer s) {
            TaskContext ctx = TaskContext.get();
            if (s == failPartition && ctx != null && ctx.attemptNumber() == 0)
                throw new IllegalStateException("fault injected into the first attempt of partition " + s);
            Shard shard = shards[s];
            int n = shard.rows().length;
            if (n == 0) return new Partial(null, 0, 0, 0);
            long t0 = System.nanoTime();
            Vae vae = VaeSpec.fromMetadata(spec).build();
            VaeSession w = ExecutorCache.worker(run, vae, tornadovae.model.Optimizer.adam(), n, mc);  // its optimiser is not run
            try {
                float[] p = params.value();
                System.arraycopy(p, 0, w.workspace().params(), 0, p.length);
                VaeSession.Losses l = w.gradientStep(data.value(), shard.rows(), n, klWeight, shard.eps());
                return new Partial(w.workspace().grads().clone(), l.recon(), l.kl(), System.nanoTime() - t0);
            } finally {
                ExecutorCache.giveBack(run, n, w);
            }
        }
    }
}

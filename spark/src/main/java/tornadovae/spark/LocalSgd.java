package tornadovae.spark;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import tornadovae.engine.VaeSession;
import tornadovae.model.Optimizer;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * One round of local SGD on one partition: from the driver's parameters and Adam moments, an Adam step on this
 * partition's shard of each of the round's global batches, in order; returns the state it reached. Everything a
 * task reads is fixed before the job starts (state, rows, noise, step numbers), so a retried task repeats itself.
 *
 * @param state {params, adamM, adamV} at the round's start
 * @param firstStep the global step number of the round's first step (Adam's bias corrections count from it)
 */
record LocalSgd(String run, Map<String, String> spec, int mc, float[] optimizer, Broadcast<float[]> data,
                Broadcast<float[][]> state, long firstStep, Step[] steps) implements Function<Integer, LocalSgd.Result> {

    /** One global step of the round: every partition's shard, the learning rate and the KL weight. */
    record Step(SparkStepRunner.Shard[] shards, float lr, float klWeight) implements Serializable {}

    /** The state a partition reached, its loss sums and the time its steps took. */
    record Result(float[][] state, double recon, double kl, long nanos) implements Serializable {}

    @Override
    public Result call(Integer s) {
        long t0 = System.nanoTime();
        float[][] st = state.value();
        float[] p = st[0].clone(), m = st[1].clone(), v = st[2].clone();
        Vae vae = VaeSpec.fromMetadata(spec).build();
        Optimizer opt = new Optimizer(optimizer[0], optimizer[1], optimizer[2], optimizer[3], optimizer[4]);
        double recon = 0, kl = 0;
        for (int j = 0; j < steps.length; j++) {
            SparkStepRunner.Shard shard = steps[j].shards()[s];
            int n = shard.rows().length;
            if (n == 0) continue;   // a batch smaller than the partitions: this one has no rows to learn from
            // a worker per shard size (an epoch's last batch may be smaller): the state travels between them
            VaeSession w = ExecutorCache.worker(run + "/local", vae, opt, n, mc);
            try {
                var ws = w.workspace();
                System.arraycopy(p, 0, ws.params(), 0, p.length);
                System.arraycopy(m, 0, ws.adamM(), 0, m.length);
                System.arraycopy(v, 0, ws.adamV(), 0, v.length);
                w.setStep(firstStep + j - 1);
                VaeSession.Losses l = w.gradientStep(data.value(), shard.rows(), n, steps[j].klWeight(), shard.eps());
                w.applyGradients(ws.grads(), steps[j].lr());
                recon += l.recon();
                kl += l.kl();
                System.arraycopy(ws.params(), 0, p, 0, p.length);
                System.arraycopy(ws.adamM(), 0, m, 0, m.length);
                System.arraycopy(ws.adamV(), 0, v, 0, v.length);
            } finally {
                ExecutorCache.giveBack(run + "/local", n, w);
            }
        }
        return new Result(new float[][]{p, m, v}, recon, kl, System.nanoTime() - t0);
    }
}

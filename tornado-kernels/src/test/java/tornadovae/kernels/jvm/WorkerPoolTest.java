package tornadovae.kernels.jvm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Back-to-back jobs of alternating sizes: every index of every job runs exactly once, and no job waits forever.
 * A small job followed by a larger one is the case where a worker still draining the old job could claim
 * an index of the new one (it hung `vae bench` once).
 */
class WorkerPoolTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyIndexOfEveryJobRunsExactlyOnce() {
        for (int threads : new int[]{2, 3}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                AtomicIntegerArray runs = new AtomicIntegerArray(64);
                for (int job = 0; job < 200_000; job++) {
                    int count = (job & 1) == 0 ? 2 : 2 + job % 61;
                    for (int i = 0; i < 64; i++) runs.set(i, 0);
                    pool.forEach(count, (i, w) -> runs.incrementAndGet(i));
                    for (int i = 0; i < count; i++)
                        if (runs.get(i) != 1) fail("job " + job + " (" + count + " tasks, " + threads + " threads): index " + i + " ran " + runs.get(i) + " times");
                    for (int i = count; i < 64; i++)
                        if (runs.get(i) != 0) fail("job " + job + ": index " + i + " beyond the job's " + count + " tasks ran");
                }
            }
        }
    }
}

package tornadovae.kernels.tornado;

import java.util.Arrays;
import java.util.function.Consumer;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/** The kernel benches' clock: one task graph run 6 times on the default device, the first (which compiles) dropped. */
final class KernelTimer {
    private KernelTimer() {}

    /**
     * The median wall time in ms of 5 executions of the tasks (TornadoVM's dispatch included), the inputs copied in
     * once; {@code out} is copied back after the timed runs, for the bench's check.
     */
    static double medianMs(Consumer<TaskGraph> tasks, float[] out, float[]... in) {
        TaskGraph tg = new TaskGraph("p").transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) in)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, out);
        tasks.accept(tg);
        tg.transferToHost(DataTransferMode.UNDER_DEMAND, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot())) {
            double[] ms = new double[6];
            TornadoExecutionResult last = null;
            for (int r = 0; r < ms.length; r++) {
                long t0 = System.nanoTime();
                last = plan.execute();
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            last.transferToHost(out);
            double[] timed = Arrays.copyOfRange(ms, 1, ms.length);
            Arrays.sort(timed);
            return timed[timed.length / 2];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package tornadovae.kernels.tornado;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.OpProfile;

/**
 * Reads the device time of each task out of TornadoVM's profiler log (the JSON of
 * {@code TornadoProfilerResult.getProfileLog()}), and adds it to an {@link OpProfile} under the kind
 * of the op that the task runs. TornadoVM 5.2's API offers per-task times only in that log: one
 * object per task, keyed by its graph and task name, with {@code "TASK_KERNEL_TIME"} in nanoseconds.
 * The log grows with every execution until the plan's profiles are cleared (two profiled runs gave
 * three sets of tasks), so a task named twice counts once, with its last time.
 */
final class TornadoProfileLog {
    private TornadoProfileLog() {}

    // A task's object holds no nested objects, so the first "{...}" after its key is all of it.
    private static final Pattern TASK = Pattern.compile("\"([^\"]+)\"\\s*:\\s*\\{([^{}]*)\\}");
    private static final Pattern KERNEL_TIME = Pattern.compile("\"TASK_KERNEL_TIME\"\\s*:\\s*\"?(\\d+)");

    /**
     * Adds the kernel time of every task of the plan found in log. Task names are
     * {@code <plan>.<op index>.<op>} (the key may carry the graph's name in front); an op with several
     * tasks (the global norm's partial sums and combine) counts each as a launch and its flops once,
     * on the task named exactly after the op. The read-back copy counts as "readback".
     */
    static void add(OpProfile profile, String plan, List<Op> ops, String log) {
        if (log == null) return;
        Map<String, Long> latest = new LinkedHashMap<>();
        Matcher task = TASK.matcher(log);
        while (task.find()) {
            Matcher time = KERNEL_TIME.matcher(task.group(2));
            if (time.find()) latest.put(task.group(1), Long.parseLong(time.group(1)));
        }
        for (var e : latest.entrySet()) {
            long nanos = e.getValue();
            String key = e.getKey();
            if (key.endsWith(plan + ".readback")) {
                profile.add("readback", 1, nanos, 0);
                continue;
            }
            int at = key.lastIndexOf(plan + ".");
            if (at < 0) continue;
            String[] rest = key.substring(at + plan.length() + 1).split("\\.", 2);
            if (rest.length < 2 || !rest[0].chars().allMatch(Character::isDigit) || rest[0].isEmpty()) continue;
            int index = Integer.parseInt(rest[0]);
            if (index >= ops.size()) continue;
            Op op = ops.get(index);
            boolean main = rest[1].equals(OpProfile.lowerCamel(op.getClass().getSimpleName()));
            profile.add(OpProfile.kind(op), 1, nanos, main ? op.flops() : 0);
        }
    }
}

package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.Workspace;

/** How {@link TornadoBackend} lays a plan's ops out as task graphs: names, streamed inputs, and splits that fit the bytecode buffer. */
final class GraphLayout {
    private GraphLayout() {}

    static String graphName(String plan) {
        String s = plan.replaceAll("[^A-Za-z0-9_]", "_");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) ? "p" + s : s;
    }

    /** INPUT, NOISE and SCALARS that these ops read (streamed in every execution): from what each op says it reads. */
    static Object[] streamsOf(Workspace ws, List<Op> ops, List<Integer> indices) {
        Set<Buf> used = java.util.EnumSet.noneOf(Buf.class);
        for (int i : indices) {
            Op op = ops.get(i);
            if (op.scalars().length > 0) used.add(Buf.SCALARS);
            for (Slice s : op.reads()) used.add(s.buf());
        }
        List<Object> streams = new ArrayList<>();
        for (Buf b : List.of(Buf.INPUT, Buf.NOISE, Buf.SCALARS)) if (used.contains(b)) streams.add(ws.array(b));
        return streams.toArray();
    }

    /** The streams that graph {@code part} of a plan is the first to read (streams[g]: what graph g reads). */
    static Object[] firstReadIn(Object[][] streams, int part) {
        List<Object> first = new ArrayList<>();
        for (Object a : streams[part]) if (firstReader(streams, a) == part) first.add(a);
        return first.toArray();
    }

    /** The streams an earlier graph copied in that graph {@code part} or a later one still reads: it carries them on. */
    static Object[] carriedInto(Object[][] streams, int part) {
        List<Object> carried = new ArrayList<>();
        if (part >= streams.length) return carried.toArray();
        for (Object[] graph : streams)
            for (Object a : graph) {
                int first = firstReader(streams, a), last = lastReader(streams, a);
                if (first < part && part <= last && carried.stream().noneMatch(c -> c == a)) carried.add(a);
            }
        return carried.toArray();
    }

    private static int firstReader(Object[][] streams, Object a) {
        for (int g = 0; g < streams.length; g++) for (Object b : streams[g]) if (b == a) return g;
        return -1;
    }

    private static int lastReader(Object[][] streams, Object a) {
        for (int g = streams.length - 1; g >= 0; g--) for (Object b : streams[g]) if (b == a) return g;
        return -1;
    }

    /** Bytecode of the read-back task plus its on-demand transfer (see {@link TornadoTasks#bytes}), rounded up. */
    static final int READBACK_TASK_BYTES = 128;

    /**
     * Bytes of TornadoVM bytecode a graph may spend on its tasks: the buffer size, less room for
     * the graph's allocations, transfers and persists. A task costs 33 bytes to launch, 5 per
     * argument and 5 per dependency edge.
     */
    static int taskBytesBudget() {
        int size = 4096;
        try {
            size = Integer.parseInt(System.getProperty("tornado.tvm.maxbytecodesize", "4096").trim());
        } catch (NumberFormatException ignored) {
            // TornadoVM's own default then
        }
        return size - 1024;
    }

    /**
     * Bytes of a graph's high-level code (TornadoTaskGraph's sketch of its tasks, a fixed 8,192-byte buffer whatever
     * maxbytecodesize says; an overflow is a BufferOverflowException while tasks are added) its tasks may spend:
     * 15 a task plus 5 an argument, less room for the graph's transfers and the read-back task.
     */
    static final int HIGH_LEVEL_BUDGET = 8192 - 1024 - READBACK_TASK_BYTES;

    static List<List<Integer>> split(TornadoTasks.Choice kernels, List<Op> ops, int budget, int maxTasks) {
        List<List<Integer>> parts = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        int used = 0, usedHigh = 0, tasks = 0;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int cost = TornadoTasks.bytes(kernels, op);
            int n = TornadoTasks.tasks(kernels, op);
            int high = n * 15 + 20 * n * 5;   // at most 20 arguments a task
            if (!cur.isEmpty() && (used + cost > budget || usedHigh + high > HIGH_LEVEL_BUDGET || tasks + n > maxTasks)) {
                parts.add(cur);
                cur = new ArrayList<>();
                used = 0;
                usedHigh = 0;
                tasks = 0;
            }
            cur.add(i);
            used += cost;
            usedHigh += high;
            tasks += n;
        }
        if (!cur.isEmpty() || parts.isEmpty()) parts.add(cur);
        return parts;
    }

}

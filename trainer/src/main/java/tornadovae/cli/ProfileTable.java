package tornadovae.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import tornadovae.cli.BenchCommand.Row;
import tornadovae.cli.DeviceComparison.Profile;
import tornadovae.kernels.plan.OpProfile;

/** `vae bench --profile`'s second table: each backend's step split into its op types. */
final class ProfileTable {
    private ProfileTable() {}

    /** Flops per nanosecond are GFLOP/s; blank for ops that count none (fills, copies). */
    private static String gflops(OpProfile.Entry e) {
        return e.flops() == 0 || e.nanos() == 0 ? "" : String.format(Locale.ROOT, "%.1f", e.flops() / (double) e.nanos());
    }

    static void print(PrintStream out, List<Row> rows) {
        out.println();
        out.println("| model | backend | op | calls/step | ms/step | share of step | GFLOP/s |");
        out.println("|---|---|---|---:|---:|---:|---:|");
        for (Row row : rows) {
            Profile p = row.result().profile();
            String who = "| " + row.model() + " | " + row.result().backend() + " | ";
            if (p == null) {
                out.println(who + "(cannot time its ops) | | | | |");
                continue;
            }
            for (OpProfile.Entry e : p.ops().entries()) {
                double ms = e.nanos() / 1e6 / p.steps();
                out.printf(Locale.ROOT, "%s%s | %.1f | %.3f | %.1f%% | %s |%n", who, e.kind(), (double) e.calls() / p.steps(), ms,
                        100 * ms / p.msPerStep(), gflops(e));
            }
            double opsMs = p.ops().totalNanos() / 1e6 / p.steps();
            out.printf(Locale.ROOT, "%sall ops | %.1f | %.3f | %.1f%% | |%n", who,
                    p.ops().entries().stream().mapToLong(OpProfile.Entry::calls).sum() / (double) p.steps(), opsMs, 100 * opsMs / p.msPerStep());
            out.printf(Locale.ROOT, "%sstep (mean) | | %.3f | 100.0%% | |%n", who, p.msPerStep());
        }
        out.println();
        out.println("Ops are those each backend runs, after its fusion (a conv with its activation counts as the conv). "
                + "They were timed in as many steps again after the timed ones (the timers never slow the first table): the JVM backend's on the host clock, TornadoVM's as kernel time on the device, "
                + "so their step also holds copies, dispatch and TornadoVM's own work. The rest of a JVM step is the host's work "
                + "around the ops (the batch, the noise, the scalars, reading the losses) and, on a busy machine, time its thread "
                + "waited for a core. Step = the profiled steps' mean, not the first table's median.");
    }
}

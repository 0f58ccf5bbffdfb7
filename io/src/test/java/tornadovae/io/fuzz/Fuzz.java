package tornadovae.io.fuzz;

import net.jqwik.api.statistics.Statistics;

/** Statistics for mutation properties (how many mutants were accepted and refused). */
final class Fuzz {
    private Fuzz() {}

    static void collect(boolean accepted) {
        Statistics.collect(accepted ? "accepted" : "refused");
    }

    /** Also requires both outcomes, so the property cannot silently test only one path (use where both are common). */
    static void collectBoth(boolean accepted) {
        collect(accepted);
        Statistics.coverage(c -> {
            c.check("accepted").count(n -> n > 0);
            c.check("refused").count(n -> n > 0);
        });
    }
}

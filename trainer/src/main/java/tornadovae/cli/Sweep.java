package tornadovae.cli;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tornadovae.report.Comparison;
import tornadovae.trainer.TrainOptions;
import tornadovae.trainer.Trainer;

/**
 * `vae train` with a list for --loss, --beta, --latent or --lr: every combination, one after the
 * other, each into a sibling run folder of the sweep folder named after the swept values only
 * ({@code loss-bce}, {@code loss-mse_beta-0.5}, …), then `vae compare` over them into the sweep
 * folder itself. Every combination's options and folder are checked before the first one trains,
 * so a typo in the last value does not surface an hour in.
 */
final class Sweep {
    private final TrainCommand c;
    /** Per combination: the index into each list, in the order loss, beta, latent, lr. */
    private final List<int[]> combos = new ArrayList<>();
    private final List<?>[] lists;
    private static final String[] NAMES = {"loss", "beta", "latent", "lr"};

    Sweep(TrainCommand c) {
        this.c = c;
        List<Integer> latents = c.latentList == null ? java.util.Collections.singletonList(null) : c.latentList;
        this.lists = new List<?>[]{c.lossList, c.betaList, latents, c.lrList};
        for (int i = 0; i < 4; i++) {
            if (lists[i].isEmpty()) throw new IllegalArgumentException("--" + NAMES[i] + " needs a value");
            if (new HashSet<>(lists[i]).size() < lists[i].size())
                throw new IllegalArgumentException("--" + NAMES[i] + " " + join(lists[i]) + " names a value twice");
        }
        for (int a = 0; a < lists[0].size(); a++)
            for (int b = 0; b < lists[1].size(); b++)
                for (int l = 0; l < lists[2].size(); l++)
                    for (int r = 0; r < lists[3].size(); r++) combos.add(new int[]{a, b, l, r});
    }

    int size() { return combos.size(); }

    /** Sets the command's single-run fields to combination {@code i}. */
    void select(int i) {
        int[] k = combos.get(i);
        c.loss = (String) lists[0].get(k[0]);
        c.beta = (Float) lists[1].get(k[1]);
        c.latent = (Integer) lists[2].get(k[2]);
        c.lr = (Float) lists[3].get(k[3]);
    }

    /** The run folder's name: the swept options and their values, e.g. loss-bce+mse_beta-0.5. */
    String name(int i) {
        int[] k = combos.get(i);
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < 4; j++)
            if (lists[j].size() > 1) parts.add(NAMES[j] + "-" + text(lists[j].get(k[j])));
        return String.join("_", parts);
    }

    int run(Path root) throws Exception {
        List<TrainOptions> runs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < size(); i++) {
            select(i);
            Path dir = root.resolve(name(i));
            if (!names.add(name(i)))   // e.g. --lr 1e-3,0.001: two spellings of one value
                throw new IllegalArgumentException("the sweep would train " + dir + " twice; give each value once");
            if (Files.exists(dir.resolve("last.safetensors")) || Files.exists(dir.resolve("resume.safetensors")))
                throw new IllegalArgumentException(dir + " already holds a run; choose another --out for the sweep");
            runs.add(c.options(dir));
        }
        System.out.printf("sweep: %d runs into %s%n", runs.size(), root);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            System.out.printf("%n== run %d of %d: %s ==%n", i + 1, runs.size(), name(i));
            new Trainer(runs.get(i), System.out).checkpointEvery(c.checkpointEvery).run();
            dirs.add(runs.get(i).out());
        }
        System.out.println();
        System.out.print(CompareCommand.run(root, Comparison.readAll(dirs)));
        return 0;
    }

    /** A value as a folder name: floats without exponent or trailing zeros (1e-3 → 0.001, 1.0 → 1). */
    private static String text(Object v) {
        return v instanceof Float f ? new BigDecimal(Float.toString(f)).stripTrailingZeros().toPlainString() : String.valueOf(v);
    }

    private static String join(List<?> l) {
        return String.join(",", l.stream().map(Sweep::text).toList());
    }
}

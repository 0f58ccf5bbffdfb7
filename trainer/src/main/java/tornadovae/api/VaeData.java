package tornadovae.api;

/**
 * Training rows that a caller supplies one at a time, for data that should not be copied into one array
 * ({@link VaeTrainer#train(VaeData)}). The trainer reads every row once to check it and fit the scaler, then, each
 * epoch, the rows of each batch in a shuffled order, so {@link #read} must give the same values for a row every time
 * and may be called for any row in any order (from the training thread only).
 */
public interface VaeData {
    /** How many rows there are (at least 1). */
    int rows();

    /** Values per row (at least 1): the model's input size. */
    int columns();

    /** Copies row {@code row} (0-based) into {@code into[offset .. offset + columns())}. */
    void read(int row, float[] into, int offset);

    /** Rows held in memory, [rows][columns]; the arrays are read in place, not copied. */
    static VaeData of(float[][] rows) {
        TrainerArgs.checkRows(rows, "rows");
        return new VaeData() {
            public int rows() { return rows.length; }
            public int columns() { return rows[0].length; }
            public void read(int row, float[] into, int offset) { System.arraycopy(rows[row], 0, into, offset, rows[row].length); }
        };
    }
}

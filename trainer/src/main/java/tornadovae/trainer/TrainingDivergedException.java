package tornadovae.trainer;

/** The loss became NaN or infinite; training stops and the last good checkpoint stays as it was. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(int epoch, long step, String what, String lastGood) {
        super(what + " at epoch " + epoch + ", step " + step + "; training stopped"
                + (lastGood == null ? " before any checkpoint was written" : ", the last good checkpoint is " + lastGood)
                + " (try a lower --lr or --clip-grad-norm)");
    }
}

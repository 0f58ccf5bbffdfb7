package tornadovae.trainer;

import tornadovae.cli.VaeCommand;

/** `vae` in a child JVM with every training step slowed down, so that a test can kill it mid-epoch. */
public final class SlowTrainMain {
    private SlowTrainMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        long pauseMs = Long.getLong("slowtrain.pause.ms", 25);
        Trainer.stepHookForTests = step -> {
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        System.exit(VaeCommand.execute(args));
    }
}

package tornadovae.engine;

import java.util.Locale;

/**
 * What is done to a training image as its batch is made ({@code --augment}, {@code --crop}): a random horizontal
 * flip, and a crop to {@code cropSize × cropSize}, centred or at a random place. Test images get the centred crop
 * and no flip, so the test loss is measured on the same pictures every epoch.
 *
 * <p>The random choices are drawn from the training run's random stream, image by image just before the step's
 * Gaussian noise (a flip bit, then the crop's x and y), so a run resumed from a checkpoint (which saves that stream)
 * makes the same choices; without augmentation nothing is drawn and the stream is the one it always was.
 */
public record Augmentation(boolean hflip, Crop crop, int cropSize) {
    public enum Crop { NONE, CENTER, RANDOM }

    public static final Augmentation NONE = new Augmentation(false, Crop.NONE, 0);

    public Augmentation {
        if (crop == null) crop = Crop.NONE;
        if (crop == Crop.NONE ? cropSize != 0 : cropSize < 1)
            throw new IllegalArgumentException("--crop needs a size of at least 1, got " + cropSize);
    }

    /** Whether a training step draws anything from the random stream. */
    public boolean random() { return hflip || crop == Crop.RANDOM; }

    /** {@code --augment}: "none" or "hflip". */
    public static boolean parseAugment(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> false;
            case "hflip" -> true;
            default -> throw new IllegalArgumentException("--augment must be none or hflip, got '" + s + "'");
        };
    }

    /** {@code --crop}: "none", "center:S" or "random:S". */
    public static Augmentation parseCrop(String s, boolean hflip) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        if (v.equals("none")) return new Augmentation(hflip, Crop.NONE, 0);
        int colon = v.indexOf(':');
        String kind = colon < 0 ? v : v.substring(0, colon);
        Crop c = switch (kind) {
            case "center", "centre" -> Crop.CENTER;
            case "random" -> Crop.RANDOM;
            default -> null;
        };
        int size = -1;
        if (colon > 0) {
            try {
                size = Integer.parseInt(v.substring(colon + 1));
            } catch (NumberFormatException e) {
                size = -1;
            }
        }
        if (c == null || size < 1)
            throw new IllegalArgumentException("--crop must be none, center:SIZE or random:SIZE (e.g. random:112), got '" + s + "'");
        return new Augmentation(hflip, c, size);
    }

    /** The {@code --augment} value that gives this. */
    public String augmentName() { return hflip ? "hflip" : "none"; }

    /** The {@code --crop} value that gives this. */
    public String cropName() { return crop == Crop.NONE ? "none" : crop.name().toLowerCase(Locale.ROOT) + ":" + cropSize; }

    /**
     * Writes the batch's {@code n} images {@code images[order[from..from+n)]} into {@code dst} as this augmentation's
     * training images, drawing the random choices from {@code noise} (see the class comment for their order).
     */
    public void trainBatch(tornadovae.io.data.Images images, int[] order, int from, int n, Noise noise, float[] dst) {
        int side = crop == Crop.NONE ? 0 : cropSize;
        int h = side == 0 ? images.height() : side, w = side == 0 ? images.width() : side;
        if (h > images.height() || w > images.width())
            throw new IllegalArgumentException("--crop " + cropName() + " does not fit in images of " + images.height()
                    + "×" + images.width());
        int d = images.channels() * h * w;
        for (int b = 0; b < n; b++) {
            int src = order == null ? from + b : order[from + b];
            boolean flip = hflip && noise.nextBoolean();
            int x0 = (images.width() - w) / 2, y0 = (images.height() - h) / 2;
            if (crop == Crop.RANDOM) {
                x0 = noise.nextInt(images.width() - w + 1);
                y0 = noise.nextInt(images.height() - h + 1);
            }
            images.copyTo(src, x0, y0, h, w, flip, dst, b * d);
        }
    }
}

package tornadovae.cli;

import picocli.CommandLine.Option;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.model.Shape;

/** The options of `--dataset folder`, shared by train and reconstruct. */
final class ImageFolderMixin {
    @Option(names = "--image-size", paramLabel = "S", description = "--dataset folder: images are centre-cropped to a square and resized to S×S (default: "
            + ImageFolderOptions.DEFAULT_IMAGE_SIZE + ", or the checkpoint's)")
    Integer imageSize;
    @Option(names = "--image-channels", paramLabel = "C", description = "--dataset folder: 3 (RGB) or 1 (grayscale) (default: 3, or the checkpoint's)")
    Integer channels;
    @Option(names = "--test-fraction", description = "--dataset folder without train/ and test/ subfolders: share of images, chosen by a hash of their path, in the test split (default: "
            + ImageFolderOptions.DEFAULT_TEST_FRACTION + ")")
    Double testFraction;
    @Option(names = "--skip-bad-images", description = "--dataset folder: skip unreadable image files with a warning instead of stopping")
    boolean skipBadImages;

    /**
     * The folder options, defaults filled from {@code like} (a checkpoint's input shape) when given.
     * @throws IllegalArgumentException when one of them is given for a data set that is not a folder
     */
    ImageFolderOptions options(String dataset, Shape like) {
        if (!dataset.equals("folder")) {
            String given = imageSize != null ? "--image-size" : channels != null ? "--image-channels"
                    : testFraction != null ? "--test-fraction" : skipBadImages ? "--skip-bad-images" : null;
            if (given != null) throw new IllegalArgumentException(given + " applies only to --dataset folder, not " + dataset);
            return ImageFolderOptions.defaults();
        }
        boolean chw = like != null && like.rank() == 3;
        int size = imageSize != null ? imageSize : chw ? like.dim(1) : ImageFolderOptions.DEFAULT_IMAGE_SIZE;
        int c = channels != null ? channels : chw ? like.dim(0) : 3;
        return new ImageFolderOptions(size, c, testFraction != null ? testFraction : ImageFolderOptions.DEFAULT_TEST_FRACTION, skipBadImages);
    }
}

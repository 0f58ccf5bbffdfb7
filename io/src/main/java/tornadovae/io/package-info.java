/**
 * Files in and out of tornado-vae.
 *
 * <ul>
 *   <li>{@code tornadovae.io.data}: data sets in memory ({@code Dataset}), MNIST-style IDX files ({@code IdxReader}),
 *       fetching MNIST with checksums ({@code MnistFetcher}), CIFAR-10 binary batches ({@code Cifar10Reader}) and
 *       folders of PNG/JPEG/BMP images ({@code ImageFolderReader}, decoding and resizing in {@code ImageDecoder}).</li>
 *   <li>{@code tornadovae.io.safetensors}: checkpoints in the safetensors format, readable by PyTorch.</li>
 *   <li>{@code tornadovae.io.report}: what a training run leaves to look at: image grids, loss curves, a metrics CSV.</li>
 * </ul>
 *
 * <p>Two rules hold throughout. A user's file that is wrong gives one {@link tornadovae.io.DataFormatException}
 * whose message is a single sentence naming the file; nothing is allocated from a size a file claims before that
 * size is checked against the real file. And every file we write goes through {@link tornadovae.io.AtomicFiles},
 * so an interrupted run never leaves a half-written output.
 */
package tornadovae.io;

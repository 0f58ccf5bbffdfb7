package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.io.data.TestImages.*;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class ImageDecoderTest {
    @TempDir Path tmp;

    @Test
    void anImageOfTheTargetSizeIsCopiedExactlyInChannelMajorOrder() throws Exception {
        Path f = png(tmp.resolve("a.png"), rgb(3, 3, (x, y) -> (10 * x + y) << 16 | (20 + x) << 8 | (200 + y)));
        float[] v = ImageDecoder.read(f, 3, 3);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) {
                assertEquals((10 * x + y) / 255f, v[y * 3 + x], "R");
                assertEquals((20 + x) / 255f, v[9 + y * 3 + x], "G");
                assertEquals((200 + y) / 255f, v[18 + y * 3 + x], "B");
            }
    }

    @Test
    void grayscaleAndColourConvertBothWays() throws Exception {
        BufferedImage gray = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 2, 2, 0, new int[]{0, 51, 102, 255});
        float[] rgb = ImageDecoder.read(png(tmp.resolve("g.png"), gray), 2, 3);
        float[] expected = {0, 0.2f, 0.4f, 1};
        for (int c = 0; c < 3; c++) assertArrayEquals(expected, Arrays.copyOfRange(rgb, 4 * c, 4 * c + 4), 1e-6f, "stored gray, no gamma");
        float[] luma = ImageDecoder.read(png(tmp.resolve("c.png"), flat(2, 2, 0xFF8000)), 2, 1);
        assertEquals(0.299f + 0.587f * 128 / 255f, luma[0], 1e-5f);
    }

    @Test
    void sixteenBitPngsGiveTheSameFloatsAsEightBit() throws Exception {
        BufferedImage g16 = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSamples(0, 0, 3, 1, 0, new int[]{65535, 257 * 51, 65535});
        float[] v = ImageDecoder.read(png(tmp.resolve("g16.png"), g16), 1, 1);  // 3×1 → the centre 1×1 crop: pixel 1
        assertEquals(0.2f, v[0], 1e-6f);
        float[] w = ImageDecoder.read(tmp.resolve("g16.png"), 2, 3);  // nothing of the white margins
        for (float f : w) assertEquals(0.2f, f, 1e-6f, "upscaled 1×1 crop, gray in R, G and B");
    }

    @Test
    void sixteenBitRgbaAndGrayAlphaPngsAreRead() throws Exception {
        var cs = java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB);
        var cm = new java.awt.image.ComponentColorModel(cs, true, false, java.awt.Transparency.TRANSLUCENT,
                java.awt.image.DataBuffer.TYPE_USHORT);
        BufferedImage rgba = new BufferedImage(cm, cm.createCompatibleWritableRaster(1, 1), false, null);
        rgba.getRaster().setPixel(0, 0, new int[]{65535, 257 * 51, 0, 65535 / 5 * 4 + 1});  // 80 % opaque
        float[] v = ImageDecoder.read(png(tmp.resolve("rgba16.png"), rgba), 1, 3);
        assertArrayEquals(new float[]{0.8f, 0.16f, 0}, v, 1e-4f);
        var gcs = java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY);
        var gcm = new java.awt.image.ComponentColorModel(gcs, true, false, java.awt.Transparency.TRANSLUCENT,
                java.awt.image.DataBuffer.TYPE_BYTE);
        BufferedImage ga = new BufferedImage(gcm, gcm.createCompatibleWritableRaster(1, 1), false, null);
        ga.getRaster().setPixel(0, 0, new int[]{255, 51});
        assertArrayEquals(new float[]{0.2f, 0.2f, 0.2f}, ImageDecoder.read(png(tmp.resolve("ga.png"), ga), 1, 3), 1e-6f);
    }

    @Test
    void alphaIsCompositedOnBlackAndPalettesAreLookedUp() throws Exception {
        BufferedImage argb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00FFFFFF);      // transparent white
        argb.setRGB(1, 0, 0xFF336699);      // opaque
        float[] v = ImageDecoder.read(png(tmp.resolve("a.png"), argb), 2, 3);
        assertEquals(0f, v[0]);
        assertEquals(0x33 / 255f, v[1]);
        assertEquals(0x66 / 255f, v[5]);
        BufferedImage tall = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        tall.setRGB(0, 0, 0x80FF0000);      // half-transparent red
        float[] half = ImageDecoder.read(png(tmp.resolve("h.png"), tall), 1, 3);
        assertEquals(128 / 255f, half[0], 1e-6f);
        assertEquals(0f, half[1]);
        IndexColorModel palette = new IndexColorModel(2, 2, new byte[]{(byte) 255, 0}, new byte[]{0, 0},
                new byte[]{0, (byte) 255}, new byte[]{(byte) 255, 0});  // 0: opaque red, 1: transparent blue
        BufferedImage indexed = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setSamples(0, 0, 2, 2, 0, new int[]{0, 1, 1, 0});
        float[] p = ImageDecoder.read(png(tmp.resolve("p.png"), indexed), 2, 3);
        assertArrayEquals(new float[]{1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, p, 1e-6f);
    }

    @Test
    void theCentreSquareIsAreaAveragedDownAndBilinearUp() throws Exception {
        // 8×4: a red margin 2 pixels wide on each side, a green 4×4 middle; the crop keeps only green
        Path wide = png(tmp.resolve("w.png"), rgb(8, 4, (x, y) -> x < 2 || x >= 6 ? 0xFF0000 : 0x00FF00));
        float[] v = ImageDecoder.read(wide, 2, 3);
        assertArrayEquals(new float[]{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}, v);
        // a 1-pixel checkerboard shrunk 2× is uniform gray; 3× shrink of 6×6 averages 9 pixels
        Path checker = png(tmp.resolve("c.png"), rgb(6, 6, (x, y) -> (x + y) % 2 == 0 ? 0xFFFFFF : 0));
        for (float f : ImageDecoder.read(checker, 3, 1)) assertEquals(0.5f, f, 1e-6f);
        float[] third = ImageDecoder.read(checker, 2, 1);
        assertEquals(5 / 9f, third[0], 1e-6f);
        assertEquals(4 / 9f, third[1], 1e-6f);
        // non-integer factor: 3 → 2, output pixel 0 covers source 0 and half of 1
        Path ramp = png(tmp.resolve("r.png"), rgb(3, 3, (x, y) -> (x * 100) * 0x010101));
        float[] r = ImageDecoder.read(ramp, 2, 1);
        assertEquals((0 + 0.5f * 100 / 255f) / 1.5f, r[0], 1e-6f);
        // 2 → 4 bilinear, half-pixel centres: 0, 0.25, 0.75, 1 of the way
        Path two = png(tmp.resolve("two.png"), rgb(2, 2, (x, y) -> x == 0 ? 0 : 0xFFFFFF));
        float[] up = ImageDecoder.read(two, 4, 1);
        assertArrayEquals(new float[]{0, 0.25f, 0.75f, 1}, Arrays.copyOf(up, 4), 1e-6f);
    }

    @Test
    void jpegAndBmpAreReadThroughTwelveMonkeys() throws Exception {
        assertTrue(ImageDecoder.readerFor("jpeg").startsWith("com.twelvemonkeys."), ImageDecoder.readerFor("jpeg"));
        assertTrue(ImageDecoder.readerFor("bmp").startsWith("com.twelvemonkeys."), ImageDecoder.readerFor("bmp"));
        float[] j = ImageDecoder.read(write(tmp.resolve("x.jpg"), flat(16, 16, 0x2080E0), "jpeg"), 4, 3);
        assertEquals(0x20 / 255f, j[0], 0.03f);
        assertEquals(0x80 / 255f, j[16], 0.03f);
        assertEquals(0xE0 / 255f, j[32], 0.03f);
        float[] b = ImageDecoder.read(write(tmp.resolve("x.bmp"), flat(5, 5, 0x2080E0), "bmp"), 5, 3);
        assertEquals(0x80 / 255f, b[25]);
    }

    @Test
    void badFilesAreNamedInTheError() throws Exception {
        Path empty = Files.write(tmp.resolve("empty.png"), new byte[0]);
        Path text = Files.writeString(tmp.resolve("notes.png"), "this is not a picture\n");
        Path cut = truncatedJpeg(tmp.resolve("cut.jpg"));
        Path good = png(tmp.resolve("full.png"), rgb(32, 32, (x, y) -> x * y));
        byte[] g = Files.readAllBytes(good);
        Path halfPng = Files.write(tmp.resolve("half.png"), Arrays.copyOf(g, g.length / 2));
        for (Path bad : new Path[]{empty, text, cut, halfPng}) {
            DataFormatException e = assertThrows(DataFormatException.class, () -> ImageDecoder.read(bad, 8, 3), bad.toString());
            assertTrue(e.getMessage().startsWith(bad.toString() + ": "), e.getMessage());
            assertEquals(bad, e.file());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
        assertTrue(assertThrows(DataFormatException.class, () -> ImageDecoder.read(text, 8, 3)).getMessage()
                .contains("not a PNG, JPEG or BMP image"));
        assertTrue(assertThrows(DataFormatException.class, () -> ImageDecoder.read(empty, 8, 3)).getMessage().contains("empty"));
    }

    @Test
    void aJpegWithAnIgnoredBrokenIccProfileStillReads() throws Exception {
        Path ok = write(tmp.resolve("ok.jpg"), flat(8, 8, 0x2080E0), "jpeg");
        byte[] jpeg = Files.readAllBytes(ok);
        // APP2 ICC_PROFILE chunk 1 of 2, with the second chunk missing: the reader warns and ignores the profile
        byte[] payload = "ICC_PROFILE\0\1\2junk".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] app2 = new byte[4 + payload.length];
        app2[0] = (byte) 0xFF;
        app2[1] = (byte) 0xE2;
        app2[2] = (byte) ((payload.length + 2) >> 8);
        app2[3] = (byte) (payload.length + 2);
        System.arraycopy(payload, 0, app2, 4, payload.length);
        byte[] withIcc = new byte[jpeg.length + app2.length];
        System.arraycopy(jpeg, 0, withIcc, 0, 2);
        System.arraycopy(app2, 0, withIcc, 2, app2.length);
        System.arraycopy(jpeg, 2, withIcc, 2 + app2.length, jpeg.length - 2);
        Path icc = Files.write(tmp.resolve("icc.jpg"), withIcc);
        assertArrayEquals(ImageDecoder.read(ok, 8, 3), ImageDecoder.read(icc, 8, 3));
    }

    @Test
    void extensionsAreMatchedWithoutCase() {
        assertTrue(ImageDecoder.hasImageExtension(Path.of("a/B.JPEG")));
        assertTrue(ImageDecoder.hasImageExtension(Path.of("x.Png")));
        assertFalse(ImageDecoder.hasImageExtension(Path.of("x.txt")));
        assertFalse(ImageDecoder.hasImageExtension(Path.of(".png")));
    }
}

package tornadovae.kernels.plan;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.ref.*;

/** The specification as a {@link Kernels}: every call goes to the reference loop. */
public final class ReferenceKernels implements Kernels {
    public void fill(float[] x, int off, int n, float value) { OptimRef.fill(x, off, n, value); }
    public void sgemm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k,
                      boolean transA, boolean transB, boolean accumulate) {
        MatmulRef.sgemm(c, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
    }
    public void biasAdd(float[] out, int outOff, float[] bias, int biasOff, int rows, int cols) {
        MatmulRef.biasAdd(out, outOff, bias, biasOff, rows, cols);
    }
    public void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols) {
        MatmulRef.biasGrad(dbias, dbOff, dout, doutOff, rows, cols);
    }
    public void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        ActivationRef.forward(kind, slope, out, outOff, inp, inpOff, n);
    }
    public void actBackward(ActivationKind kind, float slope, float[] dinp, int dinpOff, float[] src, int srcOff,
                            float[] dout, int doutOff, int n) {
        ActivationRef.backward(kind, slope, dinp, dinpOff, src, srcOff, dout, doutOff, n);
    }
    public void reparamForward(float[] z, int zOff, float[] ml, int mlOff, float[] eps, int epsOff, int batch, int latent) {
        VaeRef.reparamForward(z, zOff, ml, mlOff, eps, epsOff, batch, latent);
    }
    public void reparamBackward(float[] dml, int dOff, float[] dz, int dzOff, float[] ml, int mlOff, float[] eps,
                                int epsOff, int batch, int latent) {
        VaeRef.reparamBackward(dml, dOff, dz, dzOff, ml, mlOff, eps, epsOff, batch, latent);
    }
    public void klForward(float[] kl, int klOff, float[] ml, int mlOff, int batch, int latent) {
        VaeRef.klForward(kl, klOff, ml, mlOff, batch, latent);
    }
    public void klBackward(float[] dml, int dOff, float[] ml, int mlOff, float weight, int batch, int latent) {
        VaeRef.klBackward(dml, dOff, ml, mlOff, weight, batch, latent);
    }
    public void klBackwardFreeBits(float[] dml, int dOff, float[] ml, int mlOff, float weight, float freeBits, int batch, int latent) {
        VaeRef.klBackwardFreeBits(dml, dOff, ml, mlOff, weight, freeBits, batch, latent);
    }
    public void reconForward(float[] ps, int psOff, float[] logits, int lOff, float[] target, int tOff,
                             float wBce, float wMse, int batch, int dim) {
        LossRef.reconForward(ps, psOff, logits, lOff, target, tOff, wBce, wMse, batch, dim);
    }
    public void reconBackward(float[] dl, int dOff, float[] logits, int lOff, float[] target, int tOff,
                              float wBce, float wMse, int batch, int dim) {
        LossRef.reconBackward(dl, dOff, logits, lOff, target, tOff, wBce, wMse, batch, dim);
    }
    public void globalNorm(float[] out, int outIdx, float[] x, int off, int n) { OptimRef.globalNorm(out, outIdx, x, off, n); }
    public void clipByNorm(float[] x, int off, int n, float norm, float maxNorm) { OptimRef.clipByNorm(x, off, n, norm, maxNorm); }
    public void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                     float lr, float beta1, float beta2, float eps, float wd, float bc1, float bc2) {
        OptimRef.adam(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, wd, bc1, bc2);
    }
    public void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                       float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.conv2d(out, outOff, in, inOff, w, wOff, bias, biasOff, g);
    }
    public void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.conv2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, g);
    }
    public void conv2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                 float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.conv2dWeightGrad(dW, dWOff, dOut, dOutOff, in, inOff, g);
    }
    public void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                                float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.convTranspose2d(out, outOff, in, inOff, w, wOff, bias, biasOff, g);
    }
    public void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                         float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.convTranspose2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, g);
    }
    public void convTranspose2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                          float[] col, int colOff, int colLen, ConvGeometry g) {
        ConvRef.convTranspose2dWeightGrad(dW, dWOff, dOut, dOutOff, in, inOff, g);
    }
    // ---- fused ops: their definition, the op and then the activation in place ----

    public void normAndAdam(float[] normOut, int normIdx, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                            float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        globalNorm(normOut, normIdx, g, gOff, n);
        adam(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }
    public void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                       float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope) {
        conv2d(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g);
        actForward(act, slope, out, outOff, out, outOff, g.outSize());
    }
    public void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff, float[] col,
                                int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope, float[] src, int srcOff) {
        conv2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, g);
        actBackward(act, slope, dIn, dInOff, src, srcOff, dIn, dInOff, g.inSize());
    }
    public void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                                float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope) {
        convTranspose2d(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g);
        actForward(act, slope, out, outOff, out, outOff, g.outSize());
    }
    public void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff, float[] col,
                                         int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope,
                                         float[] src, int srcOff) {
        convTranspose2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, g);
        actBackward(act, slope, dIn, dInOff, src, srcOff, dIn, dInOff, g.inSize());
    }
    public void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane) {
        ConvRef.channelBiasGrad(dbias, dbOff, dout, doutOff, batch, channels, plane);
    }
    public void replicate(float[] out, int outOff, float[] in, int inOff, int n, int copies) {
        ConvRef.replicate(out, outOff, in, inOff, n, copies);
    }
    public void sumCopies(float[] out, int outOff, float[] in, int inOff, int n, int copies, float scale) {
        ConvRef.sumCopies(out, outOff, in, inOff, n, copies, scale);
    }
}

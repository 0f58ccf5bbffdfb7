package tornadovae.kernels.plan;

import tornadovae.kernels.ActivationKind;

/**
 * The op contract for host backends, one method per op, outputs first (llm.c style).
 * {@link ReferenceKernels} is the specification; {@code JvmKernels} is the fast schedule. {@link HostKernels}
 * maps each op type to its method here. actBackward's {@code src} is the forward's output or input, as the
 * activation kind says ({@link ActivationKind#derivativeFrom()}); so is a derivative epilogue's {@code actSrc}.
 */
public interface Kernels {
    void fill(float[] x, int off, int n, float value);

    void sgemm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
               int m, int n, int k, boolean transA, boolean transB, boolean accumulate);

    void biasAdd(float[] out, int outOff, float[] bias, int biasOff, int rows, int cols);

    void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols);

    void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n);

    void actBackward(ActivationKind kind, float slope, float[] dinp, int dinpOff, float[] src, int srcOff,
                     float[] dout, int doutOff, int n);

    void reparamForward(float[] z, int zOff, float[] ml, int mlOff, float[] eps, int epsOff, int batch, int latent);

    void reparamBackward(float[] dml, int dOff, float[] dz, int dzOff, float[] ml, int mlOff, float[] eps, int epsOff,
                         int batch, int latent);

    void klForward(float[] kl, int klOff, float[] ml, int mlOff, int batch, int latent);

    void klBackward(float[] dml, int dOff, float[] ml, int mlOff, float weight, int batch, int latent);

    void klBackwardFreeBits(float[] dml, int dOff, float[] ml, int mlOff, float weight, float freeBits, int batch, int latent);

    void reconForward(float[] perSample, int psOff, float[] logits, int lOff, float[] target, int tOff,
                      float wBce, float wMse, int batch, int dim);

    void reconBackward(float[] dlogits, int dOff, float[] logits, int lOff, float[] target, int tOff,
                       float wBce, float wMse, int batch, int dim);

    void globalNorm(float[] out, int outIdx, float[] x, int off, int n);

    void clipByNorm(float[] x, int off, int n, float norm, float maxNorm);

    void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
              float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2);

    /** globalNorm of g into normOut[normIdx], then adam: the norm read in Adam's own pass over g (see Op.Adam). */
    void normAndAdam(float[] normOut, int normIdx, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                             float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, float weightDecay,
                             float bc1, float bc2);

    // ---- convolutions (NCHW; col is scratch of colLen floats, see ConvGeometry.scratchFloats) ----

    void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                float[] col, int colOff, int colLen, ConvGeometry g);

    void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                         float[] col, int colOff, int colLen, ConvGeometry g);

    void conv2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                          float[] col, int colOff, int colLen, ConvGeometry g);

    void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                         float[] col, int colOff, int colLen, ConvGeometry g);

    void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                  float[] col, int colOff, int colLen, ConvGeometry g);

    void convTranspose2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                   float[] col, int colOff, int colLen, ConvGeometry g);

    // ---- the same with an activation folded in (Epilogue): the op, then the activation in place (ReferenceKernels) ----

    /** conv2d, then out = f(out). */
    void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                        float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope);

    /** conv2dInputGrad, then dIn = dIn·f'(actOut). */
    void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                 float[] col, int colOff, int colLen, ConvGeometry g,
                                 ActivationKind act, float slope, float[] actSrc, int actSrcOff);

    /** convTranspose2d, then out = f(out). */
    void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                                 float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope);

    /** convTranspose2dInputGrad, then dIn = dIn·f'(actOut). */
    void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                          float[] col, int colOff, int colLen, ConvGeometry g,
                                          ActivationKind act, float slope, float[] actSrc, int actSrcOff);

    void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane);

    void replicate(float[] out, int outOff, float[] in, int inOff, int n, int copies);

    void sumCopies(float[] out, int outOff, float[] in, int inOff, int n, int copies, float scale);
}

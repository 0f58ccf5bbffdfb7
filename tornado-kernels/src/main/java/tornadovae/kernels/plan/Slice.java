package tornadovae.kernels.plan;

/** A contiguous range of one of the plan's buffers. */
public record Slice(Buf buf, int offset, int length) {
    public Slice {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("bad slice " + buf + "[" + offset + "+" + length + "]");
    }

    public int end() { return offset + length; }

    /** A sub-range of this slice. */
    public Slice sub(int from, int len) {
        if (from < 0 || len < 0 || from + len > length)
            throw new IllegalArgumentException("sub-slice " + from + "+" + len + " outside " + this);
        return new Slice(buf, offset + from, len);
    }
}

# Writes reference.safetensors with the format's reference implementation (the `safetensors` Python
# package, Rust inside), so the Java reader is tested against a file it did not write itself.
# Regenerate with: python3 -m pip install safetensors numpy && python3 make_reference.py
# SafetensorsTest.readsAFileWrittenByTheReferenceImplementation asserts these exact values.
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "encoder.fc1.weight": (np.arange(12, dtype=np.float32) * 0.5 - 1).reshape(3, 4),
    "decoder.out.bias": np.array([1e-8, -2.5, 3.0, np.inf, -0.0], dtype=np.float32),
    "scalar": np.array(3.25, dtype=np.float32),
    "half": np.array([[0.5, -1.0, 65504.0], [6.1e-5, 0.0, 1.0 / 3]], dtype=np.float16),
    "double": np.array([1.0 / 3, -2.0, 1e300, 1e-300], dtype=np.float64),
    "empty": np.zeros((0, 7), dtype=np.float32),
}
save_file(tensors, "reference.safetensors", metadata={"format": "pt", "architecture": "{\"kind\": \"mlp\"}"})

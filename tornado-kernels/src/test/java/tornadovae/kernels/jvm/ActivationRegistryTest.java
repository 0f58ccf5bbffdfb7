package tornadovae.kernels.jvm;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;

/** Every activation kind has loops in the JVM backend's registry (the reference's are the kind's own methods). */
class ActivationRegistryTest {
    @Test
    void everyActivationHasJvmLoops() {
        List<ActivationKind> missing = new ArrayList<>();
        for (ActivationKind k : ActivationKind.values()) if (!JvmActivations.registered().contains(k)) missing.add(k);
        if (!missing.isEmpty()) fail("the jvm backend has no kernel for activation(s) " + missing);
    }
}

package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Op;

/** Every op type has tasks, and every activation a code, in the TornadoVM backend's registries. */
class TornadoRegistryTest {
    @Test
    void everyOpTypeHasTornadoTasks() {
        List<String> missing = new ArrayList<>();
        for (Class<?> type : Op.types()) if (!TornadoTasks.registered().contains(type)) missing.add(type.getSimpleName());
        if (!missing.isEmpty()) fail("the tornado backend has no kernel for op(s) " + missing);
    }

    @Test
    void everyActivationHasATornadoCode() {
        List<ActivationKind> missing = new ArrayList<>();
        for (ActivationKind k : ActivationKind.values()) if (!TornadoActivations.registered().contains(k)) missing.add(k);
        if (!missing.isEmpty()) fail("the tornado backend has no kernel for activation(s) " + missing);
    }
}

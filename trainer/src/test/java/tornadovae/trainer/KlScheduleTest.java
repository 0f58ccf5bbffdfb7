package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tornadovae.kernels.plan.Op;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;

class KlScheduleTest {
    @Test
    void warmupRisesLinearlyPerStepThenHolds() {
        KlSchedule s = new KlSchedule(2, 0, 0);
        assertEquals(0.0, s.factor(0, 10, 100));
        assertEquals(0.25, s.factor(5, 10, 100), 1e-12);
        assertEquals(0.95, s.factor(19, 10, 100), 1e-12);
        assertEquals(1.0, s.factor(20, 10, 100));
        assertEquals(1.0, s.factor(99, 10, 100));
    }

    @Test
    void cyclesRampOverTheFirstHalfOfEachCycle() {
        KlSchedule s = new KlSchedule(0, 4, 0); // 100 steps: cycles of 25
        assertEquals(0.0, s.factor(0, 10, 100));
        assertEquals(0.5, s.factor(6, 10, 100), 0.05);
        assertEquals(1.0, s.factor(13, 10, 100));
        assertEquals(1.0, s.factor(24, 10, 100));
        assertEquals(0.0, s.factor(25, 10, 100), "a new cycle starts from 0");
        assertEquals(0.0, s.factor(75, 10, 100));
        assertEquals(1.0, s.factor(99, 10, 100));
    }

    @Test
    void noScheduleIsAlwaysOne() {
        assertEquals(1.0, KlSchedule.NONE.factor(0, 10, 100));
    }

    @Test
    void badSettingsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KlSchedule(2, 3, 0)).getMessage().contains("choose one"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KlSchedule(-1, 0, 0)).getMessage().contains("--kl-warmup"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new KlSchedule(0, 0, Float.NaN)).getMessage().contains("--free-bits"));
    }

    @Test
    void freeBitsPutsTheFreeBitsOpInTheTrainingPlan() {
        var vae = VaeSpec.mnistDefault().build();
        assertTrue(vae.trainPlan(8, Optimizer.adam(), 0.5f).ops().stream().anyMatch(o -> o instanceof Op.KlBackwardFreeBits));
        assertTrue(vae.trainPlan(8, Optimizer.adam(), 0f).ops().stream().noneMatch(o -> o instanceof Op.KlBackwardFreeBits));
    }
}

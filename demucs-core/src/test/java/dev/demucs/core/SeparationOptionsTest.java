package dev.demucs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Defaults, toBuilder, and build() rejecting bad values with the field and value named; Device.parse. */
class SeparationOptionsTest {

    @Test
    void defaultsFollowUpstream() {
        SeparationOptions o = SeparationOptions.defaults();
        assertEquals(1, o.shifts());
        assertEquals(0.25, o.overlap());
        assertEquals(1.0, o.transitionPower());
        assertTrue(o.segmentSeconds().isEmpty());
        assertEquals(StemSelection.all(), o.stems());
        assertEquals(Device.cpu(), o.device());
        SeparationOptions changed = o.toBuilder().shifts(3).seed(9).build();
        assertEquals(3, changed.shifts());
        assertEquals(9, changed.seed());
        assertEquals(o, changed.toBuilder().shifts(1).seed(0).build());
    }

    static void rejects(String field, String value, UnaryOperator<SeparationOptions.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(SeparationOptions.builder()).build());
        assertTrue(e.getMessage().contains(field) && e.getMessage().contains(value), "message should name " + field + " and " + value + ": " + e.getMessage());
    }

    @Test
    void buildRejectsBadValues() {
        rejects("shifts", "-1", b -> b.shifts(-1));
        rejects("overlap", "1.0", b -> b.overlap(1.0));
        rejects("overlap", "-0.1", b -> b.overlap(-0.1));
        rejects("overlap", "NaN", b -> b.overlap(Double.NaN));
        rejects("transitionPower", "0.5", b -> b.transitionPower(0.5));
        rejects("transitionPower", "Infinity", b -> b.transitionPower(Double.POSITIVE_INFINITY));
        rejects("segmentSeconds", "0.0", b -> b.segmentSeconds(0.0));
        rejects("segmentSeconds", "NaN", b -> b.segmentSeconds(Double.NaN));
        rejects("segmentSeconds", "Infinity", b -> b.segmentSeconds(Double.POSITIVE_INFINITY));
        rejects("intraOpThreads", "-2", b -> b.intraOpThreads(-2));
        rejects("maxBatch", "0", b -> b.maxBatch(0));
        SeparationOptions auto = SeparationOptions.defaults();
        assertEquals(SeparationOptions.DEFAULT_MAX_BATCH, auto.maxBatch());
        assertEquals(1, auto.maxBatchOn(Device.Kind.CPU));
        assertEquals(SeparationOptions.DEFAULT_MAX_BATCH, auto.maxBatchOn(Device.Kind.CUDA));
        SeparationOptions three = SeparationOptions.builder().maxBatch(3).build();
        assertEquals(3, three.maxBatchOn(Device.Kind.CPU));
        assertEquals(3, three.maxBatchOn(Device.Kind.CUDA));
        assertFalse(auto.equals(SeparationOptions.builder().maxBatch(SeparationOptions.DEFAULT_MAX_BATCH).build()));
        rejects("stems", "null", b -> b.stems(null));
        rejects("device", "null", b -> b.device(null));
    }

    @Test
    void deviceParse() {
        assertEquals(Device.cpu(), Device.parse("cpu"));
        assertEquals(Device.auto(), Device.parse(" AUTO "));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(1), Device.parse("CUDA:1"));
        assertEquals("cuda:1", Device.cuda(1).toString());
        for (String bad : new String[]{"gpu", "cuda:-1", "cuda:x", "", "cpu:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Device.parse(null));
    }
}

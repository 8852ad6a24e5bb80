package dev.demucs.importer;

import dev.demucs.importer.graph.HTDemucsConfig;
import dev.demucs.importer.graph.HTDemucsGraph;
import dev.demucs.importer.graph.StateDict;
import dev.demucs.importer.torch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The full-size network's layout: the released htdemucs kwargs (channels 48, depth 4,
 * bottom_channels 512, 5 transformer layers of 8 heads, nfft 4096, dconv_mode 3, segment 39/5) and
 * the state-dict layout upstream's code produces for them ({@code htdemucs_state_shapes.txt},
 * 533 tensors, 41 984 456 parameters) agree: the graph builder uses every tensor. Converting a
 * full-size checkpoint within bounded memory is {@link FullSizeConversionIT} (an integration test:
 * about a minute).
 */
class FullSizeTest {

    @Test
    void releasedKwargsAndUpstreamLayoutAgree() {
        Map<String, long[]> shapes = RandomHtdemucs.stateShapes();
        assertEquals(533, shapes.size());
        assertEquals(41_984_456L, shapes.values().stream().mapToLong(Tensor::numel).sum());
        StateDict state = new StateDict(RandomHtdemucs.randomState(5), "random");
        HTDemucsGraph.build(HTDemucsConfig.released(RandomHtdemucs.SOURCES), state);
        assertEquals(List.of(), state.unused());
    }
}

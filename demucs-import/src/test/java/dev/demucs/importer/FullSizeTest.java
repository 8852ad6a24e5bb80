package dev.demucs.importer;

import dev.demucs.importer.graph.HTDemucsGraph;
import dev.demucs.importer.torch.Tensor;
import dev.demucs.testing.RandomHtdemucs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The full-size network's layout: the released htdemucs kwargs (channels 48, depth 4,
 * bottom_channels 512, 5 transformer layers of 8 heads, nfft 4096, dconv_mode 3, segment 39/5) and
 * the state-dict layout upstream's code produces for them (demucs-testing's
 * {@code htdemucs_state_shapes.txt}, 533 tensors, 41 984 456 parameters) agree: read back from the
 * checkpoint {@link RandomHtdemucs} writes, the graph builder uses every tensor. Converting a
 * full-size checkpoint within bounded memory is {@link FullSizeConversionIT} (an integration test:
 * about a minute).
 */
class FullSizeTest {

    @TempDir
    Path tmp;

    @Test
    void releasedKwargsAndUpstreamLayoutAgree() {
        Map<String, long[]> shapes = RandomHtdemucs.stateShapes();
        assertEquals(533, shapes.size());
        assertEquals(41_984_456L, shapes.values().stream().mapToLong(Tensor::numel).sum());
        Path ckpt = RandomHtdemucs.writeCheckpoint(tmp.resolve("htdemucs_full_random.th"), 5);
        CheckpointImporter.LoadedModel model = CheckpointImporter.load(ckpt);
        assertEquals(RandomHtdemucs.SOURCES, model.config.sources());
        assertEquals(343_980, model.config.segmentSamples());
        assertEquals(41_984_456L, model.state.parameterCount());
        HTDemucsGraph.build(model.config, model.state, false);
        assertEquals(List.of(), model.state.unused());
    }
}

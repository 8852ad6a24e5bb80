package dev.demucs.importer;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.InvalidModelException;
import dev.demucs.importer.torch.Fraction;
import dev.demucs.importer.torch.Tensor;
import dev.demucs.importer.torch.TorchCheckpoint;
import dev.demucs.testing.TorchCheckpoints;
import dev.demucs.testing.TorchCheckpoints.PyClass;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rejections name the file and the reason; the written ONNX carries its metadata; nothing is left
 * behind on failure. Defective checkpoints are derived from a small upstream-written one
 * (other-sizes/d_no_transformer.th) and re-serialised with demucs-testing's {@link TorchCheckpoints}.
 */
class ImportErrorsTest {

    @TempDir
    Path tmp;

    private Map<String, Object> kwargs;
    private Map<String, TorchCheckpoints.Half> state;

    @BeforeEach
    void loadBase() throws IOException {
        Path base = tmp.resolve("base.th");
        try (InputStream in = getClass().getResourceAsStream("/other-sizes/d_no_transformer.th")) {
            Files.copy(in, base);
        }
        Map<?, ?> pkg = (Map<?, ?>) TorchCheckpoint.load(base);
        kwargs = new LinkedHashMap<>();
        // the upstream file's segment is a Fraction: re-pickled as fractions.Fraction("39/5")-style text
        ((Map<?, ?>) pkg.get("kwargs")).forEach((k, v) -> kwargs.put(String.valueOf(k),
                v instanceof Fraction ? new TorchCheckpoints.PyFraction(v.toString()) : v));
        state = new LinkedHashMap<>();
        ((Map<?, ?>) pkg.get("state")).forEach((k, v) -> state.put(String.valueOf(k),
                new TorchCheckpoints.Half(((Tensor) v).data(), ((Tensor) v).shape())));
    }

    private Path write(String name, PyClass klass, Consumer<Map<String, Object>> kw, Consumer<Map<String, TorchCheckpoints.Half>> st) throws IOException {
        Map<String, Object> k = new LinkedHashMap<>(kwargs);
        kw.accept(k);
        Map<String, TorchCheckpoints.Half> s = new LinkedHashMap<>(state);
        st.accept(s);
        Path file = tmp.resolve(name + ".th");
        TorchCheckpoints.write(file, klass, k, s);
        return file;
    }

    private static final PyClass HT = TorchCheckpoints.HTDEMUCS;

    private void rejects(Path file, String... fragments) throws IOException {
        Path out = tmp.resolve("out").resolve(file.getFileName() + ".onnx");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> CheckpointImporter.convert(file, out));
        String m = e.getMessage();
        assertTrue(m.contains(file.getFileName().toString()), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "message lacks '" + f + "': " + m);
        }
        assertTrue(Files.notExists(out), "no output on failure");
        if (Files.isDirectory(out.getParent())) {
            try (Stream<Path> left = Files.list(out.getParent())) {
                assertEquals(List.of(), left.toList(), "no temporary file left");
            }
        }
    }

    @Test
    void roundTripThroughTheTestWriterStillImports() throws IOException {
        Path file = write("same", HT, k -> { }, s -> { });
        ImportReport r = CheckpointImporter.convert(file, tmp.resolve("same.onnx"));
        assertEquals(4792, r.parameterCount());
    }

    @Test
    void otherModelClassesAreRejected() throws IOException {
        rejects(write("v2", new PyClass("demucs.demucs", "Demucs"), k -> { }, s -> { }), "Demucs v2", "unsupported model class");
        rejects(write("v3", new PyClass("demucs.hdemucs", "HDemucs"), k -> { }, s -> { }), "HDemucs", "unsupported model class");
    }

    @Test
    void unsupportedOptionsAreNamed() throws IOException {
        rejects(write("nocac", HT, k -> k.put("cac", false), s -> { }), "cac=False");
        rejects(write("wiener", HT, k -> {
            k.put("wiener_iters", 1L);
            k.put("end_iters", 1L);
        }, s -> { }), "wiener_iters=1");
        rejects(write("multi", HT, k -> k.put("multi_freqs", List.of(0.5)), s -> { }), "multi_freqs");
        rejects(write("sparse", HT, k -> k.put("t_sparse_self_attn", true), s -> { }), "sparse attention");
        rejects(write("unknown", HT, k -> k.put("dconv_lstm", 4L), s -> { }), "unknown HTDemucs option 'dconv_lstm'");
    }

    @Test
    void missingUnusedAndMisshapenTensorsAreNamed() throws IOException {
        rejects(write("missing", HT, k -> { }, s -> s.remove("decoder.0.conv_tr.bias")), "missing", "decoder.0.conv_tr.bias");
        rejects(write("extra", HT, k -> { }, s -> s.put("extra.weight", new TorchCheckpoints.Half(new float[]{1, 2}, new long[]{2}))),
                "not used", "extra.weight");
        rejects(write("shape", HT, k -> { }, s -> s.put("encoder.0.conv.bias", new TorchCheckpoints.Half(new float[3], new long[]{3}))),
                "encoder.0.conv.bias", "has shape [3]");
        // a kwarg that changes the architecture makes the state dict inconsistent
        rejects(write("channels", HT, k -> k.put("channels", 8L), s -> { }), "encoder.0.conv.weight");
    }

    @Test
    void metadataDescribesTheModel() throws Exception {
        Path file = write("meta", HT, k -> { }, s -> { });
        Path onnx = tmp.resolve("sub/dir/meta.onnx");
        ImportReport r = CheckpointImporter.convert(List.of(file), onnx);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        assertEquals(sha, r.checkpointSha256());
        assertEquals(onnx, r.onnx());
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("drums,bass,other,vocals", meta.get("sources"));
            assertEquals("44100", meta.get("sample_rate"));
            assertEquals("512", meta.get("segment_samples"));
            assertEquals(sha, meta.get("checkpoint_sha256"));
            assertEquals("demucs.htdemucs.HTDemucs", meta.get("model_class"));
            assertTrue(meta.get("kwargs").contains("\"segment\":\"128/11025\""), meta.get("kwargs"));
            assertEquals(List.of("input", "spectrogram"), List.copyOf(s.getInputNames()));
            assertEquals(List.of("output", "time_output"), List.copyOf(s.getOutputNames()));
        }
        assertThrows(IllegalArgumentException.class, () -> CheckpointImporter.convert(List.of(file, file), onnx));
    }
}

package dev.demucs.importer;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.importer.torch.Fraction;
import dev.demucs.importer.torch.PyGlobal;
import dev.demucs.importer.torch.Tensor;
import dev.demucs.importer.torch.TorchCheckpoint;
import dev.demucs.testing.TorchCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The torch.save reader: both layouts, fp16, strides, globals, and bad files. */
class TorchCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void halfConversionIsExactForEveryBitPattern() {
        assertEquals(1.0f, TorchCheckpoint.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, TorchCheckpoint.halfToFloat((short) 0xc000));
        assertEquals(65504f, TorchCheckpoint.halfToFloat((short) 0x7bff));
        assertEquals((float) Math.pow(2, -24), TorchCheckpoint.halfToFloat((short) 0x0001));
        assertEquals(0.333251953125f, TorchCheckpoint.halfToFloat((short) 0x3555));
        assertEquals(Float.NEGATIVE_INFINITY, TorchCheckpoint.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(TorchCheckpoint.halfToFloat((short) 0x7e00)));
        for (int h = 0; h < 0x10000; h++) {
            float f = TorchCheckpoint.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                // the value is representable in fp16, so rounding it back must give the same bits
                assertEquals(h, TorchCheckpoints.toHalf(f) & 0xffff, "bits " + Integer.toHexString(h));
            }
        }
    }

    @Test
    void pickleValuesAsPythonWroteThem() throws IOException {
        // pickle.dumps(obj, protocol=2) by CPython 3.11, with
        // shared = [7, 8]; obj = {'a': [1, 2**70, -3.5, None, True, False, (1, 'x')],
        //   'b': OrderedDict([('k', 1)]), 'c': Fraction(39, 5), 's1': shared, 's2': shared,
        //   'u': 'é€', 'n': -2**31 - 5}
        String hex = "80027d71002858010000006171015d7102284b018a0900000000000000004047c00c0000000000004e88894b01"
                + "580100000078710386710465580100000062710563636f6c6c656374696f6e730a4f726465726564446963740a"
                + "71062952710758010000006b71084b01735801000000637109636672616374696f6e730a4672616374696f6e0a"
                + "710a4b274b0586710b52710c58020000007331710d5d710e284b074b086558020000007332710f680e5801000000"
                + "7571105805000000c3a9e282ac711158010000006e71128a05fbffff7fff752e";
        Map<?, ?> m = (Map<?, ?>) TorchCheckpoint.unpickleBytes(java.util.HexFormat.of().parseHex(hex), "test pickle");
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(java.math.BigInteger.TWO.pow(70), a.get(1));
        assertEquals(-3.5, a.get(2));
        assertEquals(null, a.get(3));
        assertEquals(true, a.get(4));
        assertEquals(false, a.get(5));
        assertEquals(new dev.demucs.importer.torch.PyTuple(List.of(1L, "x")), a.get(6));
        assertEquals(Map.of("k", 1L), m.get("b"));
        assertEquals(Fraction.parse("39/5"), m.get("c"));
        assertTrue(m.get("s1") == m.get("s2"), "memoised object shared");
        assertEquals(List.of(7L, 8L), m.get("s1"));
        assertEquals("é€", m.get("u"));
        assertEquals(-2147483653L, m.get("n"));
    }

    @Test
    void zipAndLegacyLayoutsReadTheSamePackage() throws IOException {
        Path dir = Fixtures.checkpoints();
        Map<?, ?> zip = (Map<?, ?>) TorchCheckpoint.load(dir.resolve("htdemucs_tiny_a.th"));
        Map<?, ?> legacy = (Map<?, ?>) TorchCheckpoint.load(dir.resolve("htdemucs_tiny_a_legacy.th"));
        assertEquals(List.of("klass", "args", "kwargs", "state", "training_args", "metrics").stream().sorted().toList(),
                zip.keySet().stream().map(String::valueOf).sorted().toList());
        assertEquals(new PyGlobal("demucs.htdemucs", "HTDemucs"), zip.get("klass"));
        assertEquals(new PyGlobal("demucs.htdemucs", "HTDemucs"), legacy.get("klass"));
        Map<?, ?> kwargs = (Map<?, ?>) zip.get("kwargs");
        assertEquals(Fraction.parse("39/5"), kwargs.get("segment"));
        assertEquals(List.of("drums", "bass", "other", "vocals"), kwargs.get("sources"));
        assertEquals(kwargs.toString(), legacy.get("kwargs").toString());

        Map<?, ?> a = (Map<?, ?>) zip.get("state");
        Map<?, ?> b = (Map<?, ?>) legacy.get("state");
        // key order and shapes as upstream listed them
        List<String> lines = Files.readAllLines(dir.resolve("state_keys_tiny_a.txt")).stream()
                .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        assertEquals(lines.size(), a.size());
        int i = 0;
        long params = 0;
        for (Map.Entry<?, ?> e : a.entrySet()) {
            String[] cols = lines.get(i++).split("\t");
            assertEquals(cols[0], e.getKey());
            Tensor t = (Tensor) e.getValue();
            assertEquals(cols[1].replace(" ", ""), Arrays.toString(t.shape()).replace(" ", ""));
            assertEquals("float16", t.dtype());
            assertArrayEquals(t.data(), ((Tensor) b.get(e.getKey())).data(), String.valueOf(e.getKey()));
            params += t.size();
        }
        assertEquals(339936, params);
    }

    @Test
    void tensorViewsHonourOffsetAndStrides() throws IOException {
        Path file = tmp.resolve("view.th");
        Map<String, TorchCheckpoints.Half> state = new LinkedHashMap<>();
        float[] storage = {0, 1, 2, 3, 4, 5, 6, 7};
        state.put("view", new TorchCheckpoints.Half(storage, new long[]{2, 3}, 1, new long[]{1, 2}));
        TorchCheckpoints.write(file, TorchCheckpoints.HTDEMUCS, Map.of("sources", List.of("a")), state);
        Map<?, ?> pkg = (Map<?, ?>) TorchCheckpoint.load(file);
        Tensor t = (Tensor) ((Map<?, ?>) pkg.get("state")).get("view");
        assertArrayEquals(new long[]{2, 3}, t.shape());
        assertArrayEquals(new float[]{1, 3, 5, 2, 4, 6}, t.data());
    }

    @Test
    void badFilesAreRejectedWithTheirName() throws IOException {
        Path missing = tmp.resolve("nope.th");
        ModelNotFoundException nf = assertThrows(ModelNotFoundException.class,
                () -> CheckpointImporter.convert(missing, tmp.resolve("x.onnx")));
        assertTrue(nf.getMessage().contains("nope.th"), nf.getMessage());

        Path garbage = tmp.resolve("garbage.th");
        Files.write(garbage, "this is not a checkpoint at all".getBytes());
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> CheckpointImporter.convert(garbage, tmp.resolve("x.onnx")));
        assertTrue(e.getMessage().contains("garbage.th") && e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());

        Path dir = Fixtures.checkpoints();
        byte[] legacy = Files.readAllBytes(dir.resolve("htdemucs_tiny_a_legacy.th"));
        Path truncated = tmp.resolve("truncated.th");
        Files.write(truncated, Arrays.copyOf(legacy, legacy.length / 2));
        e = assertThrows(InvalidModelException.class, () -> CheckpointImporter.convert(truncated, tmp.resolve("x.onnx")));
        assertTrue(e.getMessage().contains("truncated.th") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("x.onnx")));
    }
}

package dev.demucs.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A bag manifest: a JSON file naming several model files (ONNX or {@code .th} checkpoints) with
 * per-stem weights. Paths are relative to the manifest.
 * <pre>
 * {
 *   "name": "my_bag",                              (optional, default: the file name)
 *   "description": "one line",                     (optional)
 *   "sources": ["drums", "bass", "other", "vocals"],
 *   "sample_rate": 44100,                          (optional, default 44100)
 *   "segment_samples": 343980,                     (optional; checked against each model)
 *   "models": [
 *     {"file": "drums.onnx", "weights": [1, 0, 0, 0]},
 *     {"file": "f7e0c4bc-ba3fe64a.th"}             (weights optional: all ones)
 *   ]
 * }
 * </pre>
 *
 * @param file           the manifest
 * @param name           the bag's name
 * @param description    one line
 * @param sources        the stems every member must produce, in order
 * @param sampleRate     Hz every member must use
 * @param segmentSamples the segment every member must use, or -1 when not stated
 * @param members        the members
 */
public record BagManifest(Path file, String name, String description, List<String> sources, int sampleRate,
                          int segmentSamples, List<Member> members) {

    /**
     * @param file    the model file (absolute)
     * @param weights per-source weights or {@code null} for all ones
     */
    public record Member(Path file, float[] weights) {
        public Member {
            weights = weights == null ? null : weights.clone();
        }

        @Override
        public float[] weights() {
            return weights == null ? null : weights.clone();
        }
    }

    public BagManifest {
        sources = List.copyOf(sources);
        members = List.copyOf(members);
    }

    /**
     * Writes this manifest to {@link #file()}: member paths relative to its folder, weights only
     * where given, {@code segment_samples} only when stated. Written to a temporary name beside it
     * and renamed when whole; {@link #read} reads it back equal.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public void write() {
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        root.put("name", name);
        if (description != null) {
            root.put("description", description);
        }
        ArrayNode s = root.putArray("sources");
        sources.forEach(s::add);
        root.put("sample_rate", sampleRate);
        if (segmentSamples > 0) {
            root.put("segment_samples", segmentSamples);
        }
        Path base = file.toAbsolutePath().getParent();
        ArrayNode models = root.putArray("models");
        for (Member m : members) {
            ObjectNode o = models.addObject();
            o.put("file", base.relativize(m.file().toAbsolutePath()).toString().replace('\\', '/'));
            float[] w = m.weights();
            if (w != null) {
                ArrayNode a = o.putArray("weights");
                for (float x : w) {
                    a.add(x);
                }
            }
        }
        Path tmp = base.resolve("." + file.getFileName() + ".tmp");
        try {
            JsonFiles.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            ModelCache.moveIntoPlace(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model manifest " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover hidden temporary file
            }
        }
    }

    /**
     * Reads and checks a manifest's syntax and fields (not yet the member files).
     *
     * @throws ModelNotFoundException when the manifest does not exist
     * @throws InvalidModelException  naming the file and line (syntax) or field (content)
     */
    public static BagManifest read(Path manifest) {
        String origin = manifest.toString();
        JsonNode root;
        try (InputStream in = Files.newInputStream(manifest)) {
            root = JsonFiles.read(in, origin);
        } catch (NoSuchFileException e) {
            throw new ModelNotFoundException("model manifest " + manifest + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException(origin + ": cannot read model manifest: " + e.getMessage(), e);
        }
        ObjectNode o = JsonFiles.object(root, origin, "the manifest");
        JsonFiles.onlyKeys(o, origin, "the manifest",
                Set.of("name", "description", "sources", "sample_rate", "segment_samples", "models"));
        String fileName = manifest.getFileName().toString();
        String name = JsonFiles.text(o, "name", origin, "the manifest", false);
        if (name == null) {
            name = fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName;
        }
        String description = JsonFiles.text(o, "description", origin, "the manifest", false);
        List<String> sources = JsonFiles.strings(o, "sources", origin, "the manifest", true);
        int sampleRate = JsonFiles.positiveInt(o, "sample_rate", origin, "the manifest", 44_100);
        int segment = JsonFiles.positiveInt(o, "segment_samples", origin, "the manifest", -1);
        JsonNode models = o.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) {
            throw new InvalidModelException(origin + ": \"models\" must be a non-empty array of {\"file\": ..., \"weights\": [...]}");
        }
        Path base = manifest.toAbsolutePath().getParent();
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            String path = "models[" + i + "]";
            ObjectNode m = JsonFiles.object(models.get(i), origin, path);
            JsonFiles.onlyKeys(m, origin, path, Set.of("file", "weights"));
            Path f = base.resolve(JsonFiles.text(m, "file", origin, path, true)).normalize();
            members.add(new Member(f, JsonFiles.weights(m, "weights", origin, path, sources.size())));
        }
        return new BagManifest(manifest, name, description == null ? "bag of " + members.size() + " models from " + fileName
                : description, sources, sampleRate, segment, members);
    }
}

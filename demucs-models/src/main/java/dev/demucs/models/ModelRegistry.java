package dev.demucs.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model catalogue: names → files with URL, SHA-256, size, stems and bag weights.
 *
 * <p>Built from the built-in resource {@code dev/demucs/models/registry.json} plus every
 * {@code *.json} under {@code <config dir>/models/} in file-name order; a later catalogue's entry
 * replaces an earlier one of the same name (to pin a mirror or add private models).
 *
 * <p>Catalogue format:
 * <pre>
 * {
 *   "base_url": "https://host/path/",            (optional; default: the official base or its mirror)
 *   "models": {
 *     "NAME": {
 *       "description": "one line",               (optional)
 *       "sources": ["drums", "bass", "other", "vocals"],
 *       "sample_rate": 44100,                    (optional, default 44100)
 *       "files": [
 *         {"name": "955717e8-8726e21a.th",       (.th checkpoint or .onnx)
 *          "url": "relative/or/absolute",        (optional, default: base_url + name)
 *          "sha256": "64 hex digits",            (optional only when the name ends in -&lt;8 hex of its SHA-256&gt;)
 *          "size": 84140000,                     (optional, bytes)
 *          "weights": [1, 0, 0, 0]}              (optional, per source; default all ones)
 *       ]
 *     }
 *   }
 * }
 * </pre>
 * A file with neither a full {@code sha256} nor a hash prefix in its name is an error: every
 * download is verified.
 */
public final class ModelRegistry {

    /** Classpath location of the built-in catalogue. */
    public static final String BUILT_IN_RESOURCE = "/dev/demucs/models/registry.json";
    /** Origin label of the built-in catalogue in messages. */
    public static final String BUILT_IN = "built-in registry";

    private final Map<String, RegistryEntry> entries;

    private ModelRegistry(Map<String, RegistryEntry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** The built-in catalogue, with relative URLs resolved against {@code officialBaseUrl}. */
    public static ModelRegistry builtIn(String officialBaseUrl) {
        try (InputStream in = ModelRegistry.class.getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + BUILT_IN_RESOURCE);
            }
            return parse(in, BUILT_IN, officialBaseUrl);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The built-in catalogue plus the user catalogues {@code <configDir>/models/*.json}.
     *
     * @throws InvalidModelException naming the file (and line) of a broken catalogue
     */
    public static ModelRegistry load(Path configDir, String officialBaseUrl) {
        ModelRegistry registry = builtIn(officialBaseUrl);
        if (configDir == null) {
            return registry;
        }
        Path dir = configDir.resolve("models");
        if (!Files.isDirectory(dir)) {
            return registry;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            throw new InvalidModelException("cannot list model catalogues in " + dir + ": " + e.getMessage(), e);
        }
        files.sort(null);
        for (Path f : files) {
            registry = registry.plus(parse(f, officialBaseUrl));
        }
        return registry;
    }

    /** Parses one catalogue file. */
    public static ModelRegistry parse(Path file, String officialBaseUrl) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString(), officialBaseUrl);
        } catch (IOException e) {
            throw new InvalidModelException(file + ": cannot read model catalogue: " + e.getMessage(), e);
        }
    }

    /**
     * Parses one catalogue.
     *
     * @param origin          names the catalogue in error messages
     * @param officialBaseUrl the base URL for catalogues without {@code base_url} (the official
     *                        one or its mirror)
     */
    public static ModelRegistry parse(InputStream in, String origin, String officialBaseUrl) {
        ObjectNode root = JsonFiles.object(JsonFiles.read(in, origin), origin, "the catalogue");
        JsonFiles.onlyKeys(root, origin, "the catalogue", Set.of("base_url", "models"));
        String base = JsonFiles.text(root, "base_url", origin, "the catalogue", false);
        if (base == null || sameUrl(base, ModelLocations.OFFICIAL_BASE_URL)) {
            base = officialBaseUrl;
        }
        URI baseUri = uri(base.endsWith("/") ? base : base + "/", origin, "base_url");
        ObjectNode models = JsonFiles.object(root.get("models"), origin, "\"models\"");
        Map<String, RegistryEntry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            entries.put(e.getKey(), entry(e.getKey(), e.getValue(), origin, baseUri));
        }
        return new ModelRegistry(entries);
    }

    private static RegistryEntry entry(String name, JsonNode node, String origin, URI base) {
        String path = "models." + name;
        if (name.isBlank() || !name.matches("[A-Za-z0-9_.+-]+") || name.toLowerCase(Locale.ROOT).endsWith(".onnx")
                || name.toLowerCase(Locale.ROOT).endsWith(".json") || name.toLowerCase(Locale.ROOT).endsWith(".th")) {
            throw new InvalidModelException(origin + ": model name \"" + name
                    + "\" must be letters, digits, '_', '.', '+' or '-' and not end in .onnx/.json/.th");
        }
        ObjectNode o = JsonFiles.object(node, origin, path);
        JsonFiles.onlyKeys(o, origin, path, Set.of("description", "sources", "sample_rate", "files"));
        String description = JsonFiles.text(o, "description", origin, path, false);
        List<String> sources = JsonFiles.strings(o, "sources", origin, path, true);
        int sampleRate = JsonFiles.positiveInt(o, "sample_rate", origin, path, 44_100);
        JsonNode filesNode = o.get("files");
        if (filesNode == null || !filesNode.isArray() || filesNode.isEmpty()) {
            throw new InvalidModelException(origin + ": " + path + ".files must be a non-empty array");
        }
        List<RegistryFile> files = new ArrayList<>();
        for (int i = 0; i < filesNode.size(); i++) {
            files.add(file(filesNode.get(i), origin, path + ".files[" + i + "]", base, sources.size()));
        }
        return new RegistryEntry(name, description == null ? name : description, sources, sampleRate, files, origin);
    }

    private static RegistryFile file(JsonNode node, String origin, String path, URI base, int sourceCount) {
        ObjectNode o = JsonFiles.object(node, origin, path);
        JsonFiles.onlyKeys(o, origin, path, Set.of("name", "url", "sha256", "size", "weights"));
        String fileName = JsonFiles.text(o, "name", origin, path, true);
        if (fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw new InvalidModelException(origin + ": " + path + ".name must be a plain file name, got \"" + fileName + "\"");
        }
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (!lower.endsWith(".th") && !lower.endsWith(".onnx")) {
            throw new InvalidModelException(origin + ": " + path + ": \"" + fileName
                    + "\" is neither a .th checkpoint nor an .onnx model");
        }
        String url = JsonFiles.text(o, "url", origin, path, false);
        URI uri = base.resolve(uri(url == null ? fileName : url, origin, path + ".url"));
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("file")) {
            throw new InvalidModelException(origin + ": " + path + ": URL " + uri + " is not http, https or file");
        }
        String sha = JsonFiles.text(o, "sha256", origin, path, false);
        Optional<String> prefix = RegistryFile.hashPrefixInName(fileName);
        if (sha != null) {
            sha = sha.toLowerCase(Locale.ROOT);
            if (!RegistryFile.isFullHash(sha)) {
                throw new InvalidModelException(origin + ": " + path + ".sha256 must be 64 hex digits, got \"" + sha + "\"");
            }
            if (prefix.isPresent() && !sha.startsWith(prefix.get())) {
                throw new InvalidModelException(origin + ": " + path + ": sha256 " + sha
                        + " disagrees with the hash prefix " + prefix.get() + " in the file name " + fileName);
            }
        } else if (prefix.isEmpty()) {
            throw new InvalidModelException(origin + ": " + path + " (" + fileName + ") has no SHA-256: add \"sha256\""
                    + " (64 hex digits) or use a file name ending in -<first 8 hex digits of its SHA-256>"
                    + (lower.endsWith(".th") ? ".th" : ".onnx") + "; downloads are always verified");
        }
        long size = JsonFiles.nonNegativeLong(o, "size", origin, path, -1);
        float[] weights = JsonFiles.weights(o, "weights", origin, path, sourceCount);
        return new RegistryFile(fileName, uri, sha, sha != null ? sha : prefix.get(), size, weights);
    }

    private static URI uri(String text, String origin, String path) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidModelException(origin + ": " + path + ": invalid URL \"" + text + "\": " + e.getReason(), e);
        }
    }

    private static boolean sameUrl(String a, String b) {
        String x = a.endsWith("/") ? a : a + "/";
        String y = b.endsWith("/") ? b : b + "/";
        return x.equals(y);
    }

    /** This catalogue with {@code other}'s entries added; an entry of {@code other} wins on a name clash. */
    public ModelRegistry plus(ModelRegistry other) {
        Map<String, RegistryEntry> merged = new LinkedHashMap<>(entries);
        merged.putAll(other.entries);
        return new ModelRegistry(merged);
    }

    /** The entry called {@code name}, if any. */
    public Optional<RegistryEntry> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * The entry called {@code name}.
     *
     * @throws ModelNotFoundException naming the known names
     */
    public RegistryEntry get(String name) {
        RegistryEntry e = entries.get(name);
        if (e == null) {
            throw new ModelNotFoundException("unknown model \"" + name + "\"; known models: "
                    + String.join(", ", names()) + " (or pass a path to an .onnx file, a bag manifest .json"
                    + " or a .th checkpoint)");
        }
        return e;
    }

    /** All names, sorted. */
    public List<String> names() {
        return entries.keySet().stream().sorted().toList();
    }

    /** All entries, sorted by name. */
    public Collection<RegistryEntry> entries() {
        return names().stream().map(entries::get).toList();
    }
}

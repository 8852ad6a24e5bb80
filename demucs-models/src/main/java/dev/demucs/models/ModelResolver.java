package dev.demucs.models;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.model.ModelBag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a {@code --model} value into ONNX files on local disk: the one entry point for the CLI,
 * the server and library users.
 *
 * <p>A spec is, in this order: {@code null} or blank (the {@link #DEFAULT_MODEL}); a path ending
 * in {@code .onnx}; a bag manifest ending in {@code .json} (see {@link BagManifest}); a PyTorch
 * checkpoint ending in {@code .th} (converted once, cached by its SHA-256); or a registry name
 * (see {@link ModelRegistry}), whose files are downloaded into the {@link ModelCache} (verified,
 * resumable, locked against concurrent fetches) and converted when they are checkpoints.
 *
 * <pre>{@code
 * ModelResolver resolver = ModelResolver.defaults();   // env: DEMUCS_MODELS, DEMUCS_CONFIG, DEMUCS_MODELS_URL
 * ResolvedModel model = resolver.resolve("htdemucs", DownloadListener.NONE);
 * try (Separator s = Separator.open(model.bag(), options)) { ... }
 * }</pre>
 *
 * Instances are immutable and thread-safe; concurrent resolves of the same model (threads or
 * processes sharing a cache) download and convert it once.
 */
public final class ModelResolver {

    /** The model used when none is named: the one place the default is configured. */
    public static final String DEFAULT_MODEL = "htdemucs";

    private final ModelRegistry registry;
    private final ModelCache cache;
    private final boolean offline;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxAttempts;
    private final CheckpointConverter converter;

    private ModelResolver(Builder b) {
        this.cache = new ModelCache(b.cacheDir != null ? b.cacheDir : ModelLocations.cacheDir());
        String base = b.officialBaseUrl != null ? b.officialBaseUrl : ModelLocations.officialBaseUrl();
        this.registry = b.registry != null ? b.registry : ModelRegistry.load(b.configDir, base);
        this.offline = b.offline;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.maxAttempts = b.maxAttempts;
        this.converter = b.converter;
    }

    private ModelResolver(ModelResolver o, boolean offline) {
        this.registry = o.registry;
        this.cache = o.cache;
        this.offline = offline;
        this.connectTimeout = o.connectTimeout;
        this.readTimeout = o.readTimeout;
        this.maxAttempts = o.maxAttempts;
        this.converter = o.converter;
    }

    /**
     * The built-in registry plus user catalogues from the config dir
     * ({@link ModelLocations#configDir()}), the cache from {@code DEMUCS_MODELS} or the platform
     * cache dir, the official URL or its mirror; online (see {@link #withOffline(boolean)}).
     *
     * @throws InvalidModelException when a user catalogue is broken (naming file and line)
     */
    public static ModelResolver defaults() {
        return builder().configDir(ModelLocations.configDir()).build();
    }

    /** A builder starting from the built-in registry only, the default cache dir, online. */
    public static Builder builder() {
        return new Builder();
    }

    /** A copy of this resolver that never touches the network when {@code offline} is true. */
    public ModelResolver withOffline(boolean offline) {
        return new ModelResolver(this, offline);
    }

    /** Whether this resolver never touches the network. */
    public boolean offline() {
        return offline;
    }

    /** The registry in use. */
    public ModelRegistry registry() {
        return registry;
    }

    /** The cache in use. */
    public ModelCache cache() {
        return cache;
    }

    /**
     * Resolves {@code spec} to local, verified ONNX files, downloading and converting as needed.
     *
     * @param spec     null/blank (default model), an .onnx path, a bag manifest .json, a .th
     *                 checkpoint, or a registry name
     * @param listener download and conversion progress ({@link DownloadListener#NONE} for none)
     * @throws ModelNotFoundException when the model is unknown, missing, or cannot be downloaded
     *                                (the message says how to get it)
     * @throws InvalidModelException  when files are corrupt, inconsistent or not Demucs models
     */
    public ResolvedModel resolve(String spec, DownloadListener listener) {
        DownloadListener l = listener == null ? DownloadListener.NONE : listener;
        String s = spec == null || spec.isBlank() ? DEFAULT_MODEL : spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (isFileSpec(s) && !Files.exists(Path.of(s))) {
            throw new ModelNotFoundException("model file " + s + " does not exist (no such file); pass an existing .onnx"
                    + " file, a bag manifest .json or a .th checkpoint, or a registry name (known: "
                    + String.join(", ", registry.names()) + ")");
        }
        if (lower.endsWith(".onnx")) {
            return resolveOnnx(Path.of(s));
        }
        if (lower.endsWith(".json")) {
            return resolveManifest(Path.of(s), l);
        }
        if (lower.endsWith(".th")) {
            return resolveCheckpoint(Path.of(s), l);
        }
        Optional<RegistryEntry> entry = registry.find(s);
        if (entry.isPresent()) {
            return resolveEntry(entry.get(), l);
        }
        if (Files.isRegularFile(Path.of(s))) {
            return resolveOnnx(Path.of(s));
        }
        throw new ModelNotFoundException("unknown model \"" + s + "\": not a registry name (known: "
                + String.join(", ", registry.names()) + ") and no such file; pass a registry name, an .onnx file,"
                + " a bag manifest .json or a .th checkpoint");
    }

    /**
     * Resolves a model name in a folder of models, as upstream Demucs' {@code --repo}: the name
     * is looked up as {@code <name>.onnx}, then {@code <name>.json} (a bag manifest), then
     * {@code <name>.th} (a checkpoint, converted and cached) in {@code repo}; the registry is not
     * consulted. A spec that names a file ({@link #isFileSpec}) is resolved as in
     * {@link #resolve}; {@code repo == null} is {@link #resolve}.
     *
     * @throws ModelNotFoundException when the folder does not exist or holds none of these files
     */
    public ResolvedModel resolveInRepo(Path repo, String spec, DownloadListener listener) {
        String name = spec == null || spec.isBlank() ? DEFAULT_MODEL : spec.trim();
        if (repo == null || isFileSpec(name)) {
            return resolve(name, listener);
        }
        if (!Files.isDirectory(repo)) {
            throw new ModelNotFoundException("model repository " + repo + " is not a folder");
        }
        for (String ext : List.of(".onnx", ".json", ".th")) {
            Path p = repo.resolve(name + ext);
            if (Files.isRegularFile(p)) {
                ResolvedModel r = resolve(p.toString(), listener);
                return new ResolvedModel(name, r.bag(), r.description());
            }
        }
        throw new ModelNotFoundException("no model \"" + name + "\" in repository " + repo + ": none of " + name + ".onnx, "
                + name + ".json, " + name + ".th");
    }

    /**
     * Whether {@code spec} names a file rather than a registry entry: it ends in {@code .onnx},
     * {@code .json} or {@code .th}, or holds a path separator.
     */
    public static boolean isFileSpec(String spec) {
        String lower = spec.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".onnx") || lower.endsWith(".json") || lower.endsWith(".th")
                || spec.contains("/") || spec.contains(java.io.File.separator);
    }

    /**
     * Whether {@code spec} is ready to load without network and without conversion (for a
     * server's status). Never throws for a missing or broken model.
     */
    public boolean isReady(String spec) {
        String s = spec == null || spec.isBlank() ? DEFAULT_MODEL : spec.trim();
        try {
            Optional<RegistryEntry> entry = registry.find(s);
            if (entry.isPresent()) {
                return status(entry.get()).ready();
            }
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".th")) {
                Path p = Path.of(s);
                return Files.isRegularFile(p) && Files.isRegularFile(cache.convertedPath(Downloader.sha256(p), converter.version()));
            }
            if (lower.endsWith(".json")) {
                for (BagManifest.Member m : BagManifest.read(Path.of(s)).members()) {
                    if (m.file().toString().toLowerCase(Locale.ROOT).endsWith(".th")
                            ? !isReady(m.file().toString()) : !Files.isRegularFile(m.file())) {
                        return false;
                    }
                }
                return true;
            }
            return Files.isRegularFile(Path.of(s));
        } catch (RuntimeException | IOException e) {
            return false;
        }
    }

    /**
     * What the cache holds for a registry entry.
     *
     * @param entry       the entry
     * @param downloads   per file: the cached download, if present
     * @param onnx        per file: the usable ONNX (the download itself, or its conversion), if present
     * @param cachedBytes bytes of the entry's files in the cache (downloads and conversions)
     */
    public record EntryStatus(RegistryEntry entry, List<Optional<Path>> downloads, List<Optional<Path>> onnx,
                              long cachedBytes) {
        public EntryStatus {
            downloads = List.copyOf(downloads);
            onnx = List.copyOf(onnx);
        }

        /** Whether every file is downloaded and usable as ONNX. */
        public boolean ready() {
            return onnx.stream().allMatch(Optional::isPresent);
        }

        /** Whether every file is downloaded (conversion may still be pending). */
        public boolean downloaded() {
            return downloads.stream().allMatch(Optional::isPresent);
        }
    }

    /** What the cache holds for {@code entry}; touches neither the network nor the converter. */
    public EntryStatus status(RegistryEntry entry) {
        List<Optional<Path>> downloads = new ArrayList<>();
        List<Optional<Path>> onnx = new ArrayList<>();
        long bytes = 0;
        for (RegistryFile f : entry.files()) {
            Optional<Path> d = cache.find(f);
            downloads.add(d);
            Optional<Path> o = Optional.empty();
            if (d.isPresent()) {
                bytes += size(d.get());
                if (f.kind() == RegistryFile.Kind.ONNX) {
                    o = d;
                } else {
                    Path c = cache.convertedPath(ModelCache.hashOfName(d.get()), converter.version());
                    if (Files.isRegularFile(c)) {
                        o = Optional.of(c);
                        bytes += size(c);
                    }
                }
            }
            onnx.add(o);
        }
        return new EntryStatus(entry, downloads, onnx, bytes);
    }

    /**
     * The cached files (downloads and conversions) of a registry entry, for re-hashing.
     *
     * @throws ModelNotFoundException when the name is unknown
     */
    public List<Path> cachedFiles(String name) {
        EntryStatus st = status(registry.get(name));
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < st.downloads().size(); i++) {
            st.downloads().get(i).ifPresent(out::add);
            Optional<Path> o = st.onnx().get(i);
            if (o.isPresent() && !out.contains(o.get())) {
                out.add(o.get());
            }
        }
        return out;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------------------------------

    private ResolvedModel resolveOnnx(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelNotFoundException("model file " + file + " does not exist (or is not a regular file)");
        }
        OnnxSummary summary = checkForm(OnnxSummary.read(file));
        List<String> sources = sourcesOf(summary);
        return new ResolvedModel(file.getFileName().toString(), ModelBag.single(file),
                "ONNX model " + file + ", " + stemsText(sources, summary.stemCount()) + ", " + summary.sampleRate() + " Hz");
    }

    private ResolvedModel resolveCheckpoint(Path file, DownloadListener l) {
        if (!Files.isRegularFile(file)) {
            throw new ModelNotFoundException("checkpoint " + file + " does not exist (or is not a regular file)");
        }
        Path onnx = convertLocal(file, l);
        OnnxSummary summary = checkForm(OnnxSummary.read(onnx));
        return new ResolvedModel(file.getFileName().toString(), ModelBag.single(onnx),
                "checkpoint " + file + " converted to " + onnx + ", "
                        + stemsText(sourcesOf(summary), summary.stemCount()) + ", " + summary.sampleRate() + " Hz");
    }

    private Path convertLocal(Path checkpoint, DownloadListener l) {
        String sha;
        try {
            sha = Downloader.sha256(checkpoint);
        } catch (IOException e) {
            throw new ModelNotFoundException("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        return convert(checkpoint, checkpoint.getFileName().toString(), sha, l);
    }

    private ResolvedModel resolveManifest(Path manifest, DownloadListener l) {
        BagManifest bag = BagManifest.read(manifest);
        List<ModelBag.Member> members = new ArrayList<>();
        Path first = null;
        for (BagManifest.Member m : bag.members()) {
            Path f = m.file();
            if (!Files.isRegularFile(f)) {
                throw new ModelNotFoundException(manifest + ": member " + f + " does not exist");
            }
            Path onnx = f.toString().toLowerCase(Locale.ROOT).endsWith(".th") ? convertLocal(f, l) : f;
            OnnxSummary s = checkForm(OnnxSummary.read(onnx));
            String what = manifest + ": member " + f.getFileName();
            checkSources(what, s, bag.sources());
            if (s.sampleRate() != bag.sampleRate()) {
                throw new InvalidModelException(what + " has sample rate " + s.sampleRate() + " Hz but the manifest says "
                        + bag.sampleRate() + " Hz" + (first == null ? "" : " (as " + first.getFileName() + " does)"));
            }
            if (bag.segmentSamples() > 0 && s.segmentSamples() != bag.segmentSamples()) {
                throw new InvalidModelException(what + " has a segment of " + s.segmentSamples()
                        + " samples but the manifest says " + bag.segmentSamples());
            }
            if (first == null) {
                first = f;
            }
            members.add(new ModelBag.Member(onnx, m.weights()));
        }
        return new ResolvedModel(bag.name(), ModelBag.of(members),
                bag.description() + ": " + members.size() + " model" + (members.size() == 1 ? "" : "s") + ", "
                        + stemsText(bag.sources(), bag.sources().size()) + ", " + bag.sampleRate() + " Hz");
    }

    private ResolvedModel resolveEntry(RegistryEntry e, DownloadListener l) {
        List<ModelBag.Member> members = new ArrayList<>();
        for (RegistryFile f : e.files()) {
            Path local = cache.find(f).orElseGet(() -> fetch(e, f, l));
            Path onnx = local;
            if (f.kind() == RegistryFile.Kind.CHECKPOINT) {
                onnx = convert(local, f.fileName(), ModelCache.hashOfName(local), l);
            }
            OnnxSummary s = checkForm(OnnxSummary.read(onnx));
            String what = "model " + e.name() + " (" + e.catalogue() + "): file " + f.fileName();
            checkSources(what, s, e.sources());
            if (s.sampleRate() != e.sampleRate()) {
                throw new InvalidModelException(what + " has sample rate " + s.sampleRate() + " Hz but the registry says "
                        + e.sampleRate() + " Hz");
            }
            members.add(new ModelBag.Member(onnx, f.weights()));
        }
        String where = members.size() == 1 ? members.get(0).onnx().toString() : cache.dir().toString();
        return new ResolvedModel(e.name(), ModelBag.of(members),
                e.name() + ": " + e.description() + "; " + stemsText(e.sources(), e.sources().size()) + ", "
                        + e.sampleRate() + " Hz; " + where);
    }

    private Path fetch(RegistryEntry e, RegistryFile f, DownloadListener l) {
        if (offline) {
            throw new ModelNotFoundException(offlineMessage(e));
        }
        try (CacheLock ignored = CacheLock.acquire(cache.lockFile(ModelCache.downloadLockKey(f)))) {
            Optional<Path> done = cache.find(f);   // another thread or process may have fetched it meanwhile
            if (done.isPresent()) {
                return done.get();
            }
            Downloader d = new Downloader(connectTimeout, readTimeout, maxAttempts);
            try {
                return d.download(e.name(), f, cache.partialPath(f), sha -> cache.filePath(sha, f.extension()), l);
            } catch (ModelNotFoundException ex) {
                throw new ModelNotFoundException(ex.getMessage() + howToGet(e), ex);
            }
        } catch (IOException ex) {
            throw new ModelNotFoundException("cannot lock the model cache " + cache.dir() + ": " + ex.getMessage(), ex);
        }
    }

    private String offlineMessage(RegistryEntry e) {
        return "model " + e.name() + " is not in the model cache " + cache.dir() + " and offline mode is on (no network"
                + " access)" + howToGet(e);
    }

    private static String howToGet(RegistryEntry e) {
        return "; to get it run `demucs-separate models fetch " + e.name() + "` on a machine with network access"
                + " (then copy the cache directory or point " + ModelLocations.ENV_CACHE + " at it), or pass --model FILE.onnx";
    }

    private Path convert(Path checkpoint, String displayName, String sha, DownloadListener l) {
        Path out = cache.convertedPath(sha, converter.version());
        if (Files.isRegularFile(out)) {
            return out;
        }
        try (CacheLock ignored = CacheLock.acquire(cache.lockFile(ModelCache.convertLockKey(sha, converter.version())))) {
            if (Files.isRegularFile(out)) {
                return out;
            }
            Files.createDirectories(out.getParent());
            String tmpId = UUID.randomUUID().toString();
            Path tmp = out.resolveSibling(".tmp-" + tmpId + ".onnx");
            Path tmpSidecar = out.resolveSibling(".tmp-" + tmpId + ".sha256");
            l.onConvertStart(displayName);
            try {
                converter.convert(checkpoint, tmp);
                if (!Files.isRegularFile(tmp)) {
                    throw new InvalidModelException("converting " + displayName + " wrote no ONNX file");
                }
                Files.writeString(tmpSidecar, Downloader.sha256(tmp) + "\n");
                ModelCache.moveIntoPlace(tmpSidecar, out.resolveSibling(out.getFileName() + ".sha256"));
                ModelCache.moveIntoPlace(tmp, out);
                return out;
            } finally {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(tmpSidecar);
                l.onConvertEnd(displayName);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the converted model to " + out.getParent(), ex);
        }
    }

    private static OnnxSummary checkForm(OnnxSummary s) {
        if (s.form().isEmpty()) {
            throw new InvalidModelException(s.path() + ": not a Demucs model: expected either inputs waveform [B,2,L] and"
                    + " spectrogram [B,4,2048,F] with outputs [B,S,4,2048,F] and [B,S,2,L], or input [B,2,L] with output"
                    + " [B,S,2,L]; found inputs " + s.inputs() + ", outputs " + s.outputs());
        }
        return s;
    }

    private static void checkSources(String what, OnnxSummary s, List<String> expected) {
        List<String> declared = s.sources();
        if (!declared.isEmpty() && !declared.equals(expected)) {
            throw new InvalidModelException(what + " has stems " + declared + " but " + expected + " were expected");
        }
        if (s.stemCount() > 0 && s.stemCount() != expected.size()) {
            throw new InvalidModelException(what + " produces " + s.stemCount() + " stems but " + expected.size()
                    + " " + expected + " were expected");
        }
    }

    private static List<String> sourcesOf(OnnxSummary s) {
        return s.sources();
    }

    private static String stemsText(List<String> sources, int count) {
        if (sources.isEmpty()) {
            return count + " stems";
        }
        return sources.size() + " stems (" + String.join(", ", sources) + ")";
    }

    /** Settings of a {@link ModelResolver}; every one has a default. */
    public static final class Builder {
        private Path cacheDir;
        private Path configDir;
        private String officialBaseUrl;
        private ModelRegistry registry;
        private boolean offline;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int maxAttempts = 3;
        private CheckpointConverter converter = ImporterConverter.INSTANCE;

        private Builder() {
        }

        /** The cache directory (default: {@link ModelLocations#cacheDir()}). */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Where user catalogues live ({@code <dir>/models/*.json}); null (default): built-in registry only. */
        public Builder configDir(Path dir) {
            this.configDir = dir;
            return this;
        }

        /** Replaces the official checkpoint base URL (a mirror; default: {@link ModelLocations#officialBaseUrl()}). */
        public Builder officialBaseUrl(String url) {
            this.officialBaseUrl = url == null ? null : (url.endsWith("/") ? url : url + "/");
            return this;
        }

        /** Uses this registry instead of loading one (then configDir and officialBaseUrl are ignored). */
        public Builder registry(ModelRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Never touch the network (default false). */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** Time allowed to open a connection (default 30 s). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive(d, "connectTimeout");
            return this;
        }

        /** Time allowed between two reads of a transfer (default 60 s). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = positive(d, "readTimeout");
            return this;
        }

        /** Transfer attempts per file, each resuming the previous one's bytes (default 3). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The checkpoint converter (default: demucs-import's CheckpointImporter). */
        public Builder converter(CheckpointConverter converter) {
            this.converter = Objects.requireNonNull(converter, "converter");
            return this;
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }

        /**
         * Builds the resolver.
         *
         * @throws InvalidModelException when a catalogue is broken
         */
        public ModelResolver build() {
            return new ModelResolver(this);
        }
    }
}

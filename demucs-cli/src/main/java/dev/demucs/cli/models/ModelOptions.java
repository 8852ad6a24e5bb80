package dev.demucs.cli.models;

import dev.demucs.models.ModelLocations;
import dev.demucs.models.ModelResolver;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where models come from and go to; shared by every {@code models} subcommand. */
public final class ModelOptions {

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Model cache (default: $" + ModelLocations.ENV_CACHE + ", else the platform cache dir, "
                    + "e.g. ~/.cache/demucs-jvm).")
    Path cacheDir;

    @Option(names = "--config-dir", paramLabel = "DIR",
            description = "Where user catalogues live, DIR/models/*.json (default: $" + ModelLocations.ENV_CONFIG
                    + ", else e.g. ~/.config/demucs-jvm).")
    Path configDir;

    @Option(names = "--mirror", paramLabel = "URL",
            description = "Base URL replacing the official checkpoint URL (default: -D" + ModelLocations.PROPERTY_MIRROR
                    + " or $" + ModelLocations.ENV_MIRROR + ", else " + ModelLocations.OFFICIAL_BASE_URL + ").")
    String mirror;

    @Option(names = "--offline", description = "Never touch the network.")
    boolean offline;

    /** The resolver these options describe. */
    ModelResolver resolver() {
        return ModelResolver.builder()
                .cacheDir(cacheDir != null ? cacheDir : ModelLocations.cacheDir())
                .configDir(configDir != null ? configDir : ModelLocations.configDir())
                .officialBaseUrl(mirror != null ? mirror : ModelLocations.officialBaseUrl())
                .offline(offline)
                .build();
    }
}

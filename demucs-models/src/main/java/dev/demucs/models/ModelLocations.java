package dev.demucs.models;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where models and catalogues live by default, derived from the environment.
 *
 * <ul>
 *   <li>Cache: {@code $DEMUCS_MODELS}; else Linux/other {@code $XDG_CACHE_HOME/demucs-jvm} or
 *       {@code ~/.cache/demucs-jvm}; macOS {@code ~/Library/Caches/demucs-jvm}; Windows
 *       {@code %LOCALAPPDATA%\demucs-jvm\cache}.</li>
 *   <li>Config (user catalogues in {@code <config>/models/*.json}): {@code $DEMUCS_CONFIG}; else
 *       {@code $XDG_CONFIG_HOME/demucs-jvm} or {@code ~/.config/demucs-jvm}; macOS
 *       {@code ~/Library/Application Support/demucs-jvm}; Windows {@code %APPDATA%\demucs-jvm}.</li>
 *   <li>Mirror of the official checkpoint URL: system property {@code demucs.models.url}, else
 *       {@code $DEMUCS_MODELS_URL}; else {@link #OFFICIAL_BASE_URL}.</li>
 * </ul>
 */
public final class ModelLocations {

    /** Environment variable naming the cache directory. */
    public static final String ENV_CACHE = "DEMUCS_MODELS";
    /** Environment variable naming the configuration directory. */
    public static final String ENV_CONFIG = "DEMUCS_CONFIG";
    /** Environment variable naming a mirror of the official checkpoint base URL. */
    public static final String ENV_MIRROR = "DEMUCS_MODELS_URL";
    /** System property naming a mirror of the official checkpoint base URL (wins over the env var). */
    public static final String PROPERTY_MIRROR = "demucs.models.url";
    /** Where the official Demucs v4 checkpoints are published. */
    public static final String OFFICIAL_BASE_URL = "https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/";

    private static final String APP = "demucs-jvm";

    private ModelLocations() {
    }

    /** The cache directory for this process's environment. */
    public static Path cacheDir() {
        return cacheDir(System.getenv(), System.getProperty("os.name", ""), System.getProperty("user.home", "."));
    }

    /** The configuration directory for this process's environment. */
    public static Path configDir() {
        return configDir(System.getenv(), System.getProperty("os.name", ""), System.getProperty("user.home", "."));
    }

    /** The base URL of the official checkpoints, or the mirror configured for it. */
    public static String officialBaseUrl() {
        return officialBaseUrl(System.getenv(), System.getProperty(PROPERTY_MIRROR));
    }

    static Path cacheDir(Map<String, String> env, String osName, String userHome) {
        String explicit = nonBlank(env.get(ENV_CACHE));
        if (explicit != null) {
            return Path.of(explicit);
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String local = nonBlank(env.get("LOCALAPPDATA"));
            Path base = local != null ? Path.of(local) : Path.of(userHome, "AppData", "Local");
            return base.resolve(APP).resolve("cache");
        }
        if (os.startsWith("mac")) {
            return Path.of(userHome, "Library", "Caches", APP);
        }
        String xdg = nonBlank(env.get("XDG_CACHE_HOME"));
        return (xdg != null ? Path.of(xdg) : Path.of(userHome, ".cache")).resolve(APP);
    }

    static Path configDir(Map<String, String> env, String osName, String userHome) {
        String explicit = nonBlank(env.get(ENV_CONFIG));
        if (explicit != null) {
            return Path.of(explicit);
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String roaming = nonBlank(env.get("APPDATA"));
            Path base = roaming != null ? Path.of(roaming) : Path.of(userHome, "AppData", "Roaming");
            return base.resolve(APP);
        }
        if (os.startsWith("mac")) {
            return Path.of(userHome, "Library", "Application Support", APP);
        }
        String xdg = nonBlank(env.get("XDG_CONFIG_HOME"));
        return (xdg != null ? Path.of(xdg) : Path.of(userHome, ".config")).resolve(APP);
    }

    static String officialBaseUrl(Map<String, String> env, String property) {
        String url = nonBlank(property);
        if (url == null) {
            url = nonBlank(env.get(ENV_MIRROR));
        }
        if (url == null) {
            return OFFICIAL_BASE_URL;
        }
        return url.endsWith("/") ? url : url + "/";
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}

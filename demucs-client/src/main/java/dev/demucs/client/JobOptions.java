package dev.demucs.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job fields of {@code POST /job} a client may set; {@code null} = the server's default.
 * Names on the wire are the API's snake_case ones.
 */
public record JobOptions(String intervalCut, Boolean allStems, Double segmentMaxSeconds, String twoStems,
                         Integer mp3Bitrate, String clipMode, Integer shifts, Double overlap, Long seed) {

    /** No field set: every default of the server. */
    public static final JobOptions DEFAULTS = new JobOptions(null, null, null, null, null, null, null, null, null);

    /** The fields that are set, by their API names, with their JSON types (text, boolean, number). */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "interval_cut", intervalCut);
        put(m, "all_stems", allStems);
        put(m, "segment_max_seconds", segmentMaxSeconds);
        put(m, "two_stems", twoStems);
        put(m, "mp3_bitrate", mp3Bitrate);
        put(m, "clip_mode", clipMode);
        put(m, "shifts", shifts);
        put(m, "overlap", overlap);
        put(m, "seed", seed);
        return m;
    }

    private static void put(Map<String, Object> m, String name, Object value) {
        if (value != null) {
            m.put(name, value);
        }
    }
}

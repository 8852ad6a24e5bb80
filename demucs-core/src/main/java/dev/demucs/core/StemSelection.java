package dev.demucs.core;

import java.util.List;
import java.util.Objects;

/**
 * Which stems a separation returns.
 * <ul>
 *   <li>{@link #all()}: every source of the model, in the model's order.</li>
 *   <li>{@link #only(List)}: a subset, in the given order.</li>
 *   <li>{@link #twoStems(String, Complement)}: the named stem and its complement, named
 *       {@code "no_" + stem} as upstream Demucs does. All stems are still computed.</li>
 * </ul>
 *
 * @param stems      the requested stem names; empty means all
 * @param twoStem    the stem of two-stem mode, or {@code null}
 * @param complement how the complement is formed in two-stem mode
 */
public record StemSelection(List<String> stems, String twoStem, Complement complement) {

    /** How the complement of two-stem mode is computed. */
    public enum Complement {
        /** Sum of every other stem (upstream's default). */
        ADD,
        /** The mix minus the chosen stem. */
        MINUS
    }

    public StemSelection {
        stems = List.copyOf(stems);
        Objects.requireNonNull(complement, "complement");
        if (twoStem != null && !stems.isEmpty()) {
            throw new IllegalArgumentException("two-stem mode and a stem list are exclusive");
        }
    }

    public static StemSelection all() {
        return new StemSelection(List.of(), null, Complement.ADD);
    }

    public static StemSelection only(List<String> stems) {
        if (stems.isEmpty()) {
            throw new IllegalArgumentException("stems must name at least one stem");
        }
        return new StemSelection(stems, null, Complement.ADD);
    }

    public static StemSelection twoStems(String stem, Complement complement) {
        Objects.requireNonNull(stem, "stem");
        return new StemSelection(List.of(), stem, complement);
    }

    public boolean isTwoStems() {
        return twoStem != null;
    }

    /** Name of the two-stem complement, {@code "no_" + stem}. */
    public String complementName() {
        if (twoStem == null) {
            throw new IllegalStateException("not two-stem mode");
        }
        return "no_" + twoStem;
    }

    /**
     * The output stem names for a model with the given sources.
     *
     * @throws IllegalArgumentException naming the stem and the model's sources when a requested
     *                                  stem is not one of them
     */
    public List<String> outputNames(List<String> sources) {
        if (twoStem != null) {
            requireKnown(twoStem, sources);
            return List.of(twoStem, complementName());
        }
        if (stems.isEmpty()) {
            return List.copyOf(sources);
        }
        stems.forEach(s -> requireKnown(s, sources));
        return stems;
    }

    private static void requireKnown(String stem, List<String> sources) {
        if (!sources.contains(stem)) {
            throw new IllegalArgumentException("stem '" + stem + "' is not produced by the model; its stems are " + sources);
        }
    }
}

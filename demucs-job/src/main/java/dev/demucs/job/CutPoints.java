package dev.demucs.job;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the template's {@code --interval-cut} / {@code interval_cut} text: cut points in
 * seconds separated by commas, e.g. {@code "300,600,900"}, which makes the segments
 * [0, 300], [300, 600], [600, 900], [900, end].
 */
public final class CutPoints {

    private CutPoints() {
    }

    /**
     * Parses cut points.
     *
     * @param text comma-separated seconds; {@code null} or blank = no cut points (automatic
     *             segmentation)
     * @return the cut points, strictly increasing, each finite and &gt; 0
     * @throws JobInputException naming the text and the offending value when a value is not a
     *                           number, is not finite, is not &gt; 0, or does not increase
     */
    public static List<Double> parse(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        String[] parts = text.split(",", -1);
        List<Double> out = new ArrayList<>(parts.length);
        for (String part : parts) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw new JobInputException("interval cut '" + text + "': empty value (expected seconds separated by commas, e.g. \"300,600,900\")");
            }
            double v;
            try {
                v = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new JobInputException("interval cut '" + text + "': '" + p + "' is not a number of seconds");
            }
            out.add(v);
        }
        validate(out, text);
        return List.copyOf(out);
    }

    /**
     * Checks cut points given as numbers: each finite and &gt; 0, strictly increasing.
     *
     * @param what names the input in the message
     * @throws JobInputException naming the offending value
     */
    public static void validate(List<Double> cutPointsSeconds, String what) {
        double previous = 0;
        for (Double v : cutPointsSeconds) {
            if (v == null || v.isNaN() || v.isInfinite()) {
                throw new JobInputException("interval cut '" + what + "': " + v + " is not a finite number of seconds");
            }
            if (v < 0) {
                throw new JobInputException("interval cut '" + what + "': " + fmt(v) + " is negative");
            }
            if (v == 0) {
                throw new JobInputException("interval cut '" + what + "': 0 is not a cut point (the first segment starts at 0)");
            }
            if (v <= previous) {
                throw new JobInputException("interval cut '" + what + "': cut points must be strictly increasing, "
                        + fmt(v) + " follows " + fmt(previous));
            }
            previous = v;
        }
    }

    static String fmt(double seconds) {
        return seconds == Math.rint(seconds) && Math.abs(seconds) < 1e15 ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}

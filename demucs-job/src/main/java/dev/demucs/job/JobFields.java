package dev.demucs.job;

import dev.demucs.ffmpeg.ClipMode;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;

/**
 * A job as its caller gave it, before the job's rules: what JSON, form fields, query parameters
 * and command-line options all map into. {@code null} = not given (the default applies).
 * {@link #parse} reads the fields from their text (the form of every transport: a JSON scalar
 * is read from its text too), so a value that is not a number, a whole number or a boolean gets
 * the same message everywhere. {@link JobSpec#fromFields} applies the defaults, rules and caps.
 *
 * @param input             local path or http(s) URL of the audio
 * @param intervalCut       cut points in seconds as text, e.g. {@code "300,600,900"}
 * @param allStems          write every stem of the model, not only the two-stem pair
 * @param segmentMaxSeconds longest automatic segment, seconds
 * @param twoStems          the stem written beside its complement
 * @param mp3Bitrate        bitrate of {@code instrumental.mp3}, kbit/s
 * @param clipMode          how the written files avoid clipping
 * @param shifts            random shifts averaged (separator option)
 * @param overlap           chunk overlap (separator option)
 * @param seed              seed of the random shifts (separator option)
 * @param stemFormat        format of the stem files: wav, int24, float32, flac or mp3
 * @param mp3Preset         LAME quality preset of MP3 stems, 2 (best) … 7 (fastest)
 * @param otherMethod       the two-stem complement: add, minus or none
 * @param segmentSeconds    model segment in seconds, shorter than the model's (separator option)
 * @param layout            output layout: template or demucs
 * @param filename          file name pattern of the demucs layout
 */
public record JobFields(String input, String intervalCut, Boolean allStems, Double segmentMaxSeconds, String twoStems,
                        Integer mp3Bitrate, ClipMode clipMode, Integer shifts, Double overlap, Long seed,
                        String stemFormat, Integer mp3Preset, String otherMethod, Double segmentSeconds, String layout,
                        String filename) {

    /** No field given. */
    public static final JobFields NONE = new JobFields(null, null, null, null, null, null, null, null, null, null);

    /** The template's fields; the later ones not given. */
    public JobFields(String input, String intervalCut, Boolean allStems, Double segmentMaxSeconds, String twoStems,
                     Integer mp3Bitrate, ClipMode clipMode, Integer shifts, Double overlap, Long seed) {
        this(input, intervalCut, allStems, segmentMaxSeconds, twoStems, mp3Bitrate, clipMode, shifts, overlap, seed,
                null, null, null, null, null, null);
    }

    /** These fields with another input. */
    public JobFields withInput(String input) {
        return new JobFields(input, intervalCut, allStems, segmentMaxSeconds, twoStems, mp3Bitrate, clipMode, shifts,
                overlap, seed, stemFormat, mp3Preset, otherMethod, segmentSeconds, layout, filename);
    }

    /**
     * Reads fields from their text; absent keys are not given.
     *
     * @param input the input (not a text field: each transport names it its own way)
     * @param text  field → its text as the caller wrote it
     * @throws JobInputException naming the field ({@link JobField#label()}) and the value when a
     *                           value does not parse
     */
    public static JobFields parse(String input, Map<JobField, String> text) {
        return new JobFields(input,
                text.get(JobField.INTERVAL_CUT),
                bool(JobField.ALL_STEMS, text.get(JobField.ALL_STEMS)),
                number(JobField.SEGMENT_MAX_SECONDS, text.get(JobField.SEGMENT_MAX_SECONDS)),
                text.get(JobField.TWO_STEMS),
                wholeInt(JobField.MP3_BITRATE, text.get(JobField.MP3_BITRATE)),
                clipMode(text.get(JobField.CLIP_MODE)),
                wholeInt(JobField.SHIFTS, text.get(JobField.SHIFTS)),
                number(JobField.OVERLAP, text.get(JobField.OVERLAP)),
                whole(JobField.SEED, text.get(JobField.SEED)),
                text.get(JobField.STEM_FORMAT),
                wholeInt(JobField.MP3_PRESET, text.get(JobField.MP3_PRESET)),
                text.get(JobField.OTHER_METHOD),
                number(JobField.SEGMENT, text.get(JobField.SEGMENT)),
                text.get(JobField.LAYOUT),
                text.get(JobField.FILENAME));
    }

    private static Boolean bool(JobField field, String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw bad(field, "a boolean (true or false)", text);
        };
    }

    private static Double number(JobField field, String text) {
        if (text == null) {
            return null;
        }
        try {
            double v = Double.parseDouble(text.trim());
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(field, "a finite number", text);
    }

    private static Long whole(JobField field, String text) {
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text.trim()).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(field, "a whole number", text);
        }
    }

    private static Integer wholeInt(JobField field, String text) {
        Long v = whole(field, text);
        if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw bad(field, "a whole number in " + Integer.MIN_VALUE + " … " + Integer.MAX_VALUE, text);
        }
        return v == null ? null : v.intValue();
    }

    private static ClipMode clipMode(String text) {
        if (text == null) {
            return null;
        }
        try {
            return ClipMode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(JobField.CLIP_MODE, "rescale, clamp or none", text);
        }
    }

    private static JobInputException bad(JobField field, String what, String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return new JobInputException(field.label() + " must be " + what + ", got '" + shown + "'");
    }
}

package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.DemucsException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.testing.TestAudio;
import dev.demucs.ffmpeg.ClipMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one factory of a job: fields as text → defaults, rules, operator caps. */
class JobSpecTest {

    private static final Path OUT = Path.of("out");

    private static JobSpec fromText(JobLimits limits, Object... keyValues) {
        Map<JobField, String> text = new EnumMap<>(JobField.class);
        for (int i = 0; i < keyValues.length; i += 2) {
            text.put((JobField) keyValues[i], (String) keyValues[i + 1]);
        }
        return JobSpec.fromFields(JobFields.parse("in.wav", text), OUT, limits);
    }

    @Test
    void noFieldsGiveTheTemplatesDefaults() {
        JobSpec spec = JobSpec.fromFields(JobFields.NONE.withInput("in.wav"), OUT, JobLimits.NONE);
        assertEquals(JobSpec.defaults("in.wav", OUT), spec);
        assertEquals(300, spec.segmentMaxSeconds());
        assertEquals("vocals", spec.twoStem());
        assertEquals(320, spec.mp3BitrateKbps());
        assertEquals(ClipMode.RESCALE, spec.clipMode());
        assertFalse(spec.hasSeparatorOptions());
        assertEquals(SeparationOptions.defaults(), spec.separationOptions(SeparationOptions.defaults()));
    }

    @Test
    void everyFieldIsReadFromItsText() {
        JobSpec spec = fromText(JobLimits.NONE, JobField.INTERVAL_CUT, "3, 7.5", JobField.ALL_STEMS, "yes",
                JobField.SEGMENT_MAX_SECONDS, "12.5", JobField.TWO_STEMS, "drums", JobField.MP3_BITRATE, "128.0",
                JobField.CLIP_MODE, "Clamp", JobField.SHIFTS, "3", JobField.OVERLAP, "0.5", JobField.SEED, "9007199254740993");
        assertEquals(List.of(3.0, 7.5), spec.cutPointsSeconds());
        assertTrue(spec.allStems());
        assertEquals(12.5, spec.segmentMaxSeconds());
        assertEquals("drums", spec.twoStem());
        assertEquals(128, spec.mp3BitrateKbps());
        assertEquals(ClipMode.CLAMP, spec.clipMode());
        SeparationOptions o = spec.separationOptions(SeparationOptions.defaults());
        assertEquals(3, o.shifts());
        assertEquals(0.5, o.overlap());
        assertEquals(9007199254740993L, o.seed(), "a seed past 2^53 is kept exactly");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "MP3_BITRATE         | 1000  | mp3_bitrate (--mp3-bitrate) must be a whole number of kbit/s in 32 … 320, got 1000",
        "MP3_BITRATE         | 16    | mp3_bitrate (--mp3-bitrate) must be a whole number of kbit/s in 32 … 320, got 16",
        "MP3_BITRATE         | 128.5 | mp3_bitrate (--mp3-bitrate) must be a whole number, got '128.5'",
        "SEGMENT_MAX_SECONDS | 0     | segment_max_seconds (--segment-max) must be a finite number of seconds > 0, got 0",
        "SEGMENT_MAX_SECONDS | abc   | segment_max_seconds (--segment-max) must be a finite number, got 'abc'",
        "SEGMENT_MAX_SECONDS | NaN   | segment_max_seconds (--segment-max) must be a finite number, got 'NaN'",
        "SHIFTS              | -1    | shifts (--shifts) must be >= 0, got -1",
        "SHIFTS              | two   | shifts (--shifts) must be a whole number, got 'two'",
        "OVERLAP             | 1.5   | overlap (--overlap) must be in [0, 1), got 1.5",
        "SEED                | 1.5   | seed (--seed) must be a whole number, got '1.5'",
        "CLIP_MODE           | loud  | clip_mode (--clip-mode) must be rescale, clamp or none, got 'loud'",
        "ALL_STEMS           | maybe | all_stems (--all-stems) must be a boolean (true or false), got 'maybe'",
        "TWO_STEMS           | ../x  | two_stems (--two-stems) must be a stem name such as vocals (letters, digits, '_', '.', '-'), got '../x'",
        "INTERVAL_CUT        | 5,3   | interval cut '5,3': cut points must be strictly increasing, 3 follows 5",
    })
    void aBadValueIsNamedWithItsFieldAndFlag(JobField field, String value, String message) {
        JobInputException e = assertThrows(JobInputException.class, () -> fromText(JobLimits.NONE, field, value));
        assertEquals(message, e.getMessage());
        assertEquals(DemucsException.Reason.BAD_INPUT, e.reason(), "the CLI's exit 2, the service's 400");
    }

    @Test
    void capsNameTheLimitAndAllowTheCapItself() {
        JobLimits limits = new JobLimits(4, 0.5, 10, 0, 100);
        assertEquals("shifts (--shifts) must be at most 4 (the limit max_shifts), got 5", assertThrows(JobInputException.class,
                () -> fromText(limits, JobField.SHIFTS, "5")).getMessage());
        assertEquals("overlap (--overlap) must be at most 0.5 (the limit max_overlap), got 0.6", assertThrows(JobInputException.class,
                () -> fromText(limits, JobField.OVERLAP, "0.6")).getMessage());
        assertEquals("segment_max_seconds (--segment-max) must be at least 10 s (the limit min_segment_seconds), got 9.5",
                assertThrows(JobInputException.class, () -> fromText(limits, JobField.SEGMENT_MAX_SECONDS, "9.5")).getMessage());
        assertTrue(assertThrows(JobInputException.class, () -> fromText(limits, JobField.INTERVAL_CUT, "10,15"))
                .getMessage().contains("segment 1 (10 to 15 s) is shorter than 10 s (the limit min_segment_seconds)"));
        // 40 cuts: 41 segments × 3 files + instrumental.mp3 = 124 > 100
        StringBuilder cuts = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            cuts.append(i == 1 ? "" : ",").append(i * 10);
        }
        assertTrue(assertThrows(JobInputException.class, () -> fromText(limits, JobField.INTERVAL_CUT, cuts.toString()))
                .getMessage().startsWith("the job would write 124 files (41 segments), more than 100 (the limit max_files_per_job)"));
        JobSpec atCap = fromText(limits, JobField.SHIFTS, "4", JobField.OVERLAP, "0.5", JobField.SEGMENT_MAX_SECONDS, "10");
        assertEquals(4, atCap.shifts());
        // without caps: the job's own rules only
        assertEquals(1000, fromText(JobLimits.NONE, JobField.SHIFTS, "1000").shifts());
        assertNull(JobSpec.defaults("in.wav", OUT).shifts());
    }

    @Test
    void limitsRejectNonsenseNamingTheFlag() {
        assertEquals("max_shifts must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new JobLimits(-1, 0.5, 1, 0, 0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobLimits(1, 1.5, 1, 0, 0)).getMessage().startsWith("max_overlap"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobLimits(1, 0.5, -1, 0, 0)).getMessage().startsWith("min_segment_seconds"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobLimits(1, 0.5, 1, Double.NaN, 0)).getMessage().startsWith("max_input_seconds"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobLimits(1, 0.5, 1, 0, -2)).getMessage().startsWith("max_files_per_job"));
    }

    @Test
    void durationCapsAreCheckedAsSoonAsTheDurationIsKnown(@TempDir Path dir) {
        Path wav = dir.resolve("in.wav");
        TestAudio.writeStereoWav(wav, 44_100, 44_100 * 6, 3); // 6 s
        JobSpec tooLong = JobSpec.builder(wav.toString(), dir).limits(new JobLimits(10, 1, 0, 5, 0)).build();
        assertEquals("input: 6.0 s long, longer than 5 s (the limit max_input_seconds)",
                assertThrows(JobInputException.class, () -> SeparationJob.preflight(tooLong)).getMessage());
        // 6 s in 1 s segments: 6 × 3 + 1 = 19 files
        JobSpec tooManyFiles = JobSpec.builder(wav.toString(), dir).segmentMaxSeconds(1).limits(new JobLimits(10, 1, 0, 0, 18)).build();
        assertTrue(assertThrows(JobInputException.class, () -> SeparationJob.preflight(tooManyFiles)).getMessage()
                .startsWith("the job would write 19 files (6 segments), more than 18"));
        SeparationJob.preflight(JobSpec.builder(wav.toString(), dir).segmentMaxSeconds(1).limits(new JobLimits(10, 1, 0, 6, 19)).build());
        assertFalse(Files.exists(dir.resolve(JobLayout.PROGRESS)), "preflight writes nothing");
    }

    @Test
    void removePreviousOutputsTakesOnlyTheLayoutsFiles(@TempDir Path out) throws Exception {
        Files.createDirectories(out.resolve(JobLayout.SEGMENTS));
        Files.createDirectories(out.resolve(JobLayout.RESULTS));
        Files.createDirectories(out.resolve(JobLayout.STAGING).resolve("x"));
        Files.writeString(out.resolve(JobLayout.INSTRUMENTAL), "old");
        Files.writeString(out.resolve(JobLayout.SEGMENTS).resolve(JobLayout.segmentFile(0)), "old");
        Files.writeString(out.resolve(JobLayout.RESULTS).resolve(JobLayout.stemFile(0, "vocals")), "old");
        Files.writeString(out.resolve(JobLayout.RESULTS).resolve("notes.txt"), "mine");
        Files.writeString(out.resolve("job.json"), "{}");
        JobLayout.removePreviousOutputs(out);
        assertFalse(Files.exists(out.resolve(JobLayout.INSTRUMENTAL)));
        assertFalse(Files.exists(out.resolve(JobLayout.SEGMENTS)), "emptied folder removed");
        assertFalse(Files.exists(out.resolve(JobLayout.STAGING)));
        assertFalse(Files.exists(out.resolve(JobLayout.RESULTS).resolve("segment_000_vocals.wav")));
        assertTrue(Files.exists(out.resolve(JobLayout.RESULTS).resolve("notes.txt")), "a file the layout does not write stays");
        assertTrue(Files.exists(out.resolve("job.json")));
    }

    @Test
    void upstreamFieldsAndTheirRules() {
        JobSpec spec = fromText(JobLimits.NONE, JobField.STEM_FORMAT, "Float32", JobField.MP3_PRESET, "5",
                JobField.OTHER_METHOD, "minus", JobField.SEGMENT, "4.5", JobField.LAYOUT, "demucs",
                JobField.FILENAME, "{track}/{trackext}-{stem}.{ext}");
        assertEquals(dev.demucs.ffmpeg.AudioFormat.WAV_FLOAT32, spec.stemFormat());
        assertEquals(5, spec.stemEncoderOptions().mp3Quality());
        assertEquals(JobSpec.OtherMethod.MINUS, spec.otherMethod());
        assertEquals(JobSpec.Layout.DEMUCS, spec.layout());
        assertNull(spec.twoStem(), "demucs layout without two_stems: every stem");
        assertTrue(spec.hasSeparatorOptions());
        assertEquals(4.5, spec.separationOptions(SeparationOptions.defaults()).segmentSeconds().getAsDouble());
        assertEquals("in", spec.trackName());
        assertEquals("in/wav-vocals.flac", JobLayout.demucsFile(spec.filename(), "in", "wav", "vocals", "flac"));
        // the template's defaults stay
        JobSpec template = JobSpec.defaults("in.wav", OUT);
        assertEquals(dev.demucs.ffmpeg.AudioFormat.WAV_PCM16, template.stemFormat());
        assertEquals(JobSpec.OtherMethod.ADD, template.otherMethod());
        assertEquals(JobSpec.Layout.TEMPLATE, template.layout());
        assertEquals("segment_000_vocals.wav", JobLayout.stemFile(0, "vocals"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "STEM_FORMAT  | m4a                | stem_format (--stem-format) must be one of wav, int24, float32, flac, mp3, got 'm4a'",
        "MP3_PRESET   | 8                  | mp3_preset (--mp3-preset) must be a whole number in 2 … 7, got 8",
        "OTHER_METHOD | subtract           | other_method (--other-method) must be one of add, minus, none, got 'subtract'",
        "LAYOUT       | flat               | layout (--layout) must be one of template, demucs, got 'flat'",
        "SEGMENT      | -1                 | segment (--segment) must be a finite number > 0, got -1.0",
        "FILENAME     | ../{stem}.{ext}    | filename (--filename) must be a path inside the output folder (no empty, '.' or '..' part), got '../{stem}.{ext}'",
        "FILENAME     | /abs/{stem}        | filename (--filename) must be a relative path inside the output folder ('/' separated), got '/abs/{stem}'",
        "FILENAME     | {track}.{ext}      | filename (--filename) must be a pattern holding {stem} (else every stem gets the same name), got '{track}.{ext}'",
        "FILENAME     | {stem}/{model}     | filename (--filename) must be a pattern of {track}, {trackext}, {stem}, {ext} (unknown {model}), got '{stem}/{model}'",
    })
    void upstreamFieldsNameTheFieldWhenWrong(JobField field, String value, String message) {
        assertEquals(message, assertThrows(JobInputException.class, () -> fromText(JobLimits.NONE, field, value)).getMessage());
    }

    @Test
    void trackNamesCannotLeaveTheirFolder() {
        assertEquals("song", JobLayout.trackName("music/song.mp3"));
        assertEquals("a.b", JobLayout.trackName("https://example.com/x/a.b.flac?sig=secret/..%2F"));
        assertEquals("track", JobLayout.trackName("dir/.."));
        assertEquals("we_ird", JobLayout.trackName("we:ird.wav"));
        assertEquals("mp3", JobLayout.trackExtension("x/song.mp3"));
    }
}

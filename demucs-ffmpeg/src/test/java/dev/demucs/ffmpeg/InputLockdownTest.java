package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FFmpeg opens local, self-contained media only. Each refused input is first shown to be a
 * working attack with Debian's ffmpeg CLI (an unrestricted FFmpeg decodes the listed file), then
 * refused here with a one-line NOT_AUDIO error naming the detected format.
 */
class InputLockdownTest {

    @TempDir
    static Path dir;
    static Path song;

    @BeforeAll
    static void make() {
        Cli.assumeAvailable();
        song = dir.resolve("secret-song.mp3");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3", "-c:a", "libmp3lame", song.toString());
    }

    private static Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** The whole input, through both entry points, must be refused with NOT_AUDIO naming {@code format}. */
    private static void refused(Path file, String format) {
        FfmpegInput input = FfmpegInput.of(file.toString(), 44100, 2);
        for (MediaIOException e : new MediaIOException[] {
            assertThrows(MediaIOException.class, input::probe),
            assertThrows(MediaIOException.class, () -> {
                try (AudioSource s = input.open()) {
                    Cli.readAll(s);
                }
            })}) {
            assertEquals(Reason.NOT_AUDIO, e.mediaReason(), e.getMessage());
            assertTrue(e.getMessage().startsWith(file + ": format '" + format + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("is not accepted"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertEquals(0, Native.OPEN_HANDLES.get(), "no decoder left open");
    }

    @Test
    void hlsPlaylistListingALocalFileIsRefused() throws IOException {
        Path m3u8 = write("list.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
                + "#EXTINF:3.0,\n" + song.toAbsolutePath() + "\n#EXT-X-ENDLIST\n");
        assertTrue(Cli.decodeS16(m3u8).length > 44100, "an unrestricted FFmpeg decodes the listed file");
        refused(m3u8, "hls");
        // under an audio file name FFmpeg's probe does not take it for a playlist: still no audio
        Path disguised = Files.copy(m3u8, dir.resolve("playlist.mp3"));
        MediaIOException e = assertThrows(MediaIOException.class, () -> FfmpegInput.of(disguised.toString(), 44100, 2).probe());
        assertEquals(Reason.NOT_AUDIO, e.mediaReason(), e.getMessage());
    }

    @Test
    void ffconcatListIsRefused() throws IOException {
        Path list = write("list.ffconcat", "ffconcat version 1.0\nfile '" + song.getFileName() + "'\n");
        assertTrue(Cli.decodeS16(list).length > 44100, "an unrestricted FFmpeg decodes the listed file");
        refused(list, "concat");
    }

    @Test
    void imageSequencesAndManifestsAreRefused() throws IOException {
        Path png = dir.resolve("cover.png");
        Cli.ffmpeg("-f", "lavfi", "-i", "color=c=red:s=16x16:d=1", "-frames:v", "1", png.toString());
        MediaIOException e = assertThrows(MediaIOException.class, () -> FfmpegInput.of(png.toString(), 44100, 2).probe());
        assertEquals(Reason.NOT_AUDIO, e.mediaReason(), e.getMessage());
        assertTrue(e.getMessage().contains("format 'png_pipe'"), e.getMessage());
        Path mpd = write("manifest.mpd", "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
                + "profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\" type=\"static\"><Period><AdaptationSet>"
                + "<Representation id=\"a\" bandwidth=\"1\"><BaseURL>" + song.toAbsolutePath() + "</BaseURL></Representation>"
                + "</AdaptationSet></Period></MPD>\n");
        MediaIOException d = assertThrows(MediaIOException.class, () -> FfmpegInput.of(mpd.toString(), 44100, 2).probe());
        assertEquals(Reason.NOT_AUDIO, d.mediaReason(), d.getMessage());
    }

    @Test
    void urlsAreNeverOpenedByFfmpeg() {
        for (String url : new String[] {"http://127.0.0.1:9/a.mp3?sig=secret", "https://example.com/a.mp3", "ftp://h/a.mp3",
            "rtsp://h/s", "file:///etc/passwd"}) {
            MediaIOException e = assertThrows(MediaIOException.class, () -> FfmpegInput.of(url, 44100, 2).probe());
            assertEquals(Reason.NOT_FOUND, e.mediaReason(), e.getMessage());
            assertTrue(e.getMessage().contains("is a URL"), e.getMessage());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
    }

    @Test
    void selfContainedFormatsStillDecode() {
        for (String ext : new String[] {"wav", "flac", "ogg", "m4a", "mka", "opus", "aiff"}) {
            Path f = dir.resolve("tone." + ext);
            Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1", f.toString());
            MediaInfo info = FfmpegInput.of(f.toString(), 44100, 2).probe();
            assertTrue(info.durationSeconds() > 0.9, ext + ": " + info);
        }
        assertTrue(FfmpegInput.of(song.toString(), 44100, 2).probe().durationSeconds() > 2.9);
    }
}

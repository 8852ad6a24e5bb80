/** One separation job: its spec, layout, progress.txt and the run. */
module dev.demucs.job {
    requires transitive dev.demucs.core;
    requires transitive dev.demucs.ffmpeg;
    requires dev.demucs.net;
    requires com.fasterxml.jackson.databind;

    exports dev.demucs.job;
}

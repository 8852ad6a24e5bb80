/** Decoding and encoding audio with FFmpeg (through the JavaCPP presets) for Demucs separators. */
module dev.demucs.ffmpeg {
    requires transitive dev.demucs.core;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.ffmpeg;
    requires com.sun.jna;

    exports dev.demucs.ffmpeg;
}

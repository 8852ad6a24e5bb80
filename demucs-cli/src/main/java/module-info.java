/**
 * The {@code demucs-separate} application. It exports nothing: its commands are no library API.
 * picocli reads and sets the commands' annotated fields and methods reflectively, so their packages
 * are open to it.
 */
module dev.demucs.cli {
    requires dev.demucs.core;
    requires dev.demucs.ffmpeg;
    requires dev.demucs.importer;
    requires dev.demucs.models;
    requires dev.demucs.job;
    requires dev.demucs.http;
    requires dev.demucs.client;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;

    opens dev.demucs.cli to info.picocli;
    opens dev.demucs.cli.models to info.picocli;
}

package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate models ...}: model management.
 * <pre>
 * demucs-separate models list                     names, stems, cached or not, size
 * demucs-separate models fetch [NAME...]          download (verified) and convert; default htdemucs
 * demucs-separate models verify [NAME]            re-hash the cache (a NAME's files, or everything)
 * demucs-separate models info FILE|NAME           form, shapes, stems, rate, segment, opset, metadata, parameters
 * demucs-separate models path NAME                the ONNX file(s) a name resolves to
 * demucs-separate models import FILE.th... [-o OUT]   convert checkpoints without Python
 * </pre>
 * Exit codes: 0 ok, 2 usage, 3 model problem (unknown, missing, corrupt, download failed), 1 other.
 */
@Command(name = "models", description = "List, fetch, verify, inspect, locate and import models.",
        subcommands = {ListCommand.class, FetchCommand.class, VerifyCommand.class, InfoCommand.class, PathCommand.class,
            ImportCommand.class})
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        cl.getErr().println(spec.root().name() + " models: error: missing subcommand (list, fetch, verify, info, path, import)");
        cl.usage(cl.getErr());
        cl.getErr().flush();
        return ExitCodes.USAGE;
    }

    /** Bytes in binary units for people: "812 KiB", "80.2 MiB". */
    static String bytes(long n) {
        if (n < 0) {
            return "?";
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}

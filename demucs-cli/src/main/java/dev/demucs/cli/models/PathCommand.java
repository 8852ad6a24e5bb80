package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.core.model.ModelBag;
import dev.demucs.models.DownloadListener;
import dev.demucs.models.ResolvedModel;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code models path NAME}: the cached ONNX file(s) a name resolves to, one per line; never downloads. */
@Command(name = "path", description = "Print the ONNX file(s) a model resolves to, one per line (never downloads).")
final class PathCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelOptions options;

    @Parameters(paramLabel = "NAME", description = "A registry name (or a manifest/checkpoint file).")
    String name;

    @Override
    public Integer call() {
        ResolvedModel m = options.resolver().withOffline(true).resolve(name, DownloadListener.NONE);
        PrintWriter out = spec.commandLine().getOut();
        for (ModelBag.Member member : m.bag().members()) {
            out.println(member.onnx());
        }
        out.flush();
        return ExitCodes.OK;
    }
}

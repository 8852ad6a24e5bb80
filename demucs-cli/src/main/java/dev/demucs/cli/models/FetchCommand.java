package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.core.model.ModelBag;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.ResolvedModel;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code models fetch [NAME...]}: download, verify and convert, so later runs need no network. */
@Command(name = "fetch", description = "Download (SHA-256 verified, resumable) and convert models into the cache.")
final class FetchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelOptions options;

    @Parameters(paramLabel = "NAME", arity = "0..*",
            description = "Registry names (default: " + ModelResolver.DEFAULT_MODEL + ").")
    List<String> names;

    @Override
    public Integer call() {
        ModelResolver resolver = options.resolver();
        PrintWriter out = spec.commandLine().getOut();
        List<String> todo = names == null || names.isEmpty() ? List.of(ModelResolver.DEFAULT_MODEL) : names;
        for (String n : todo) {
            resolver.registry().get(n);   // unknown names fail before any download
        }
        DownloadProgress progress = new DownloadProgress(spec.commandLine().getErr(), System.console() != null);
        for (String n : todo) {
            ResolvedModel m = resolver.resolve(n, progress);
            out.println(m.name() + ": ready");
            for (ModelBag.Member member : m.bag().members()) {
                out.println("  " + member.onnx());
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}

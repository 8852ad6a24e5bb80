package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.core.InvalidModelException;
import dev.demucs.models.ModelCache;
import dev.demucs.models.ModelResolver;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code models verify [NAME]}: re-hash cached files; corrupt ones are removed (exit 3). */
@Command(name = "verify", description = {
    "Re-hash cached files (of NAME, or all) against their SHA-256.",
    "A corrupt file is removed (the next fetch gets it again) and the exit code is 3."})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelOptions options;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "A registry name (default: everything cached).")
    String name;

    @Override
    public Integer call() {
        ModelResolver resolver = options.resolver();
        PrintWriter out = spec.commandLine().getOut();
        List<ModelCache.Check> checks;
        if (name == null) {
            checks = resolver.cache().verify();
        } else {
            List<Path> files = resolver.cachedFiles(name);
            if (files.isEmpty()) {
                out.println(name + ": nothing cached (run `" + spec.root().name() + " models fetch " + name + "`)");
                out.flush();
                return ExitCodes.OK;
            }
            checks = resolver.cache().verify(files);
        }
        int bad = 0;
        for (ModelCache.Check c : checks) {
            if (c.ok()) {
                out.println("ok       " + c.sha256() + "  " + c.file());
            } else {
                bad++;
                out.println("CORRUPT  " + c.sha256() + "  " + c.file() + (c.removed() ? "  (removed)" : ""));
            }
        }
        if (checks.isEmpty()) {
            out.println("nothing cached in " + resolver.cache().dir());
        }
        out.flush();
        if (bad > 0) {
            throw new InvalidModelException(bad + " of " + checks.size() + " cached file" + (checks.size() == 1 ? "" : "s")
                    + " did not match " + (bad == 1 ? "its" : "their") + " SHA-256 and " + (bad == 1 ? "was" : "were")
                    + " removed; run `" + spec.root().name() + " models fetch "
                    + (name == null ? "NAME" : name) + "` to get them again");
        }
        return ExitCodes.OK;
    }
}

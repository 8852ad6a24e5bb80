package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.RegistryEntry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code models list}: every registry name with its stems, whether it is cached, and its size. */
@Command(name = "list", description = "List the models of the registry: stems, cached or not, size (* = the default).")
final class ListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelOptions options;

    @Override
    public Integer call() {
        ModelResolver resolver = options.resolver();
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "STEMS", "FILES", "STATUS", "SIZE", "DESCRIPTION"});
        for (RegistryEntry e : resolver.registry().entries()) {
            ModelResolver.EntryStatus st = resolver.status(e);
            long cachedFiles = st.downloads().stream().filter(java.util.Optional::isPresent).count();
            String status = st.ready() ? "ready" : st.downloaded() ? "downloaded (not converted)"
                    : cachedFiles > 0 ? "partly cached (" + cachedFiles + "/" + e.files().size() + ")" : "not cached";
            String size = st.cachedBytes() > 0 ? ModelsCommand.bytes(st.cachedBytes())
                    : e.sizeBytes() >= 0 ? ModelsCommand.bytes(e.sizeBytes()) : "?";
            String name = e.name() + (e.name().equals(ModelResolver.DEFAULT_MODEL) ? " *" : "");
            rows.add(new String[] {name, String.join(",", e.sources()), Integer.toString(e.files().size()), status, size,
                e.description()});
        }
        int[] width = new int[rows.get(0).length - 1];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                line.append(String.format(Locale.ROOT, "%-" + width[i] + "s  ", r[i]));
            }
            out.println(line.append(r[width.length]).toString().stripTrailing());
        }
        out.println("cache: " + resolver.cache().dir() + (resolver.offline() ? " (offline)" : ""));
        out.flush();
        return ExitCodes.OK;
    }
}

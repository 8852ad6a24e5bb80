package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.core.model.ModelBag;
import dev.demucs.core.DemucsException;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.model.ModelForm;
import dev.demucs.core.model.ModelInspector;
import dev.demucs.core.model.ModelSpec;
import dev.demucs.models.DownloadListener;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.OnnxSummary;
import dev.demucs.models.RegistryEntry;
import dev.demucs.models.RegistryFile;
import dev.demucs.models.ResolvedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code models info FILE|NAME}: what a model is: detected form, input and output shapes, stems,
 * sample rate, segment, opset, metadata and parameter count (read from the ONNX without loading
 * its weights); for a registry name also its files, hashes and cache state. Never downloads.
 */
@Command(name = "info", description = {
    "Describe a model: form, shapes, stems, sample rate, segment, opset, metadata, parameters.",
    "For a registry name also its files, hashes and cache state. Never downloads."})
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelOptions options;

    @Parameters(paramLabel = "FILE|NAME", description = "An .onnx file, a bag manifest .json, a .th checkpoint or a registry name.")
    String model;

    @Override
    public Integer call() {
        ModelResolver resolver = options.resolver().withOffline(true);
        PrintWriter out = spec.commandLine().getOut();
        Optional<RegistryEntry> entry = resolver.registry().find(model);
        if (entry.isPresent() && !Files.isRegularFile(Path.of(model))) {
            RegistryEntry e = entry.get();
            ModelResolver.EntryStatus st = resolver.status(e);
            out.println("name:        " + e.name() + (e.name().equals(ModelResolver.DEFAULT_MODEL) ? " (default)" : ""));
            out.println("description: " + e.description());
            out.println("stems:       " + String.join(", ", e.sources()));
            out.println("sample rate: " + e.sampleRate() + " Hz");
            out.println("catalogue:   " + e.catalogue());
            for (int i = 0; i < e.files().size(); i++) {
                RegistryFile f = e.files().get(i);
                out.println("file " + (i + 1) + ":      " + f.fileName() + " (" + f.kind().name().toLowerCase(Locale.ROOT) + ")");
                out.println("  url:       " + f.url());
                out.println("  sha256:    " + f.expectedHashText());
                out.println("  size:      " + ModelsCommand.bytes(f.sizeBytes()));
                if (f.weights() != null) {
                    out.println("  weights:   " + Arrays.toString(f.weights()));
                }
                out.println("  cached:    " + st.downloads().get(i).map(Path::toString).orElse("no"));
                if (f.kind() == RegistryFile.Kind.CHECKPOINT) {
                    out.println("  converted: " + st.onnx().get(i).map(Path::toString).orElse("no"));
                }
            }
            if (!st.ready()) {
                out.println("not ready: run `" + spec.root().name() + " models fetch " + e.name() + "` to download"
                        + (e.files().get(0).kind() == RegistryFile.Kind.CHECKPOINT ? " and convert" : "") + " it");
                out.flush();
                return ExitCodes.OK;
            }
        }
        Path file = Path.of(model);
        if (model.toLowerCase(Locale.ROOT).endsWith(".onnx") && Files.isRegularFile(file)) {
            // Any ONNX file is described, Demucs or not: info is the tool to find out why one is rejected.
            OnnxSummary s = OnnxSummary.read(file);
            describe(out, s);
            out.flush();
            if (s.form().isEmpty()) {
                throw new InvalidModelException(file + " is not a Demucs model (see the inputs and outputs above)");
            }
            return ExitCodes.OK;
        }
        ResolvedModel m = resolver.resolve(model, DownloadListener.NONE);
        if (entry.isEmpty()) {
            out.println("name:        " + m.name());
            out.println("description: " + m.description());
        }
        int i = 0;
        for (ModelBag.Member member : m.bag().members()) {
            i++;
            if (m.bag().members().size() > 1) {
                out.println("model " + i + " of " + m.bag().members().size()
                        + (member.weights() == null ? "" : ", weights " + Arrays.toString(member.weights())));
            }
            describe(out, OnnxSummary.read(member.onnx()));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static void describe(PrintWriter out, OnnxSummary s) {
        long size;
        try {
            size = Files.size(s.path());
        } catch (IOException e) {
            size = -1;
        }
        out.println("onnx:        " + s.path() + " (" + ModelsCommand.bytes(size) + ")");
        out.println("form:        " + s.form().map(InfoCommand::formText).orElse("not a Demucs form"));
        out.println("engine:      " + engineView(s.path()));
        out.println("inputs:      " + s.inputs().stream().map(OnnxSummary.Tensor::toString).collect(Collectors.joining("; ")));
        out.println("outputs:     " + s.outputs().stream().map(OnnxSummary.Tensor::toString).collect(Collectors.joining("; ")));
        out.println("stems:       " + (s.sources().isEmpty() ? s.stemCount() + " (no names in the metadata)"
                : String.join(", ", s.sources())));
        out.println("sample rate: " + s.sampleRate() + " Hz" + (s.metadata().containsKey("sample_rate") ? "" : " (assumed)"));
        long seg = s.segmentSamples();
        out.println("segment:     " + (seg > 0 ? String.format(Locale.ROOT, "%d samples (%.2f s)", seg, seg / (double) s.sampleRate())
                : "unknown"));
        out.println("opset:       " + s.opset() + " (IR version " + s.irVersion() + (s.producer().isEmpty() ? "" : ", producer "
                + s.producer()) + ")");
        out.println(String.format(Locale.ROOT, "parameters:  %,d in %d initializers; %d nodes", s.parameterCount(),
                s.initializers(), s.nodes()));
        if (s.metadata().isEmpty()) {
            out.println("metadata:    none");
        } else {
            out.println("metadata:");
            for (Map.Entry<String, String> kv : new java.util.TreeMap<>(s.metadata()).entrySet()) {
                String v = kv.getValue().replace('\n', ' ');
                out.println("  " + kv.getKey() + " = " + (v.length() > 200 ? v.substring(0, 200) + "…" : v));
            }
        }
    }

    /** What demucs-core's inspector (the engine's own check, in a short-lived session) makes of the file. */
    private static String engineView(Path onnx) {
        try {
            ModelSpec spec = ModelInspector.inspect(onnx);
            return "accepted as " + spec.form() + ", stems " + String.join(",", spec.sources()) + ", segment "
                    + spec.segmentSamples() + ", batch " + (spec.maxBatch() == 1 ? "1" : "dynamic");
        } catch (DemucsException e) {
            return "rejected: " + e.getMessage();
        }
    }

    private static String formText(ModelForm f) {
        return f == ModelForm.TWO_INPUT ? "two-input (STFT outside the graph)" : "single-graph (STFT inside the graph)";
    }
}

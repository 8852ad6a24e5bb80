package dev.demucs.cli.models;

import dev.demucs.cli.ExitCodes;
import dev.demucs.core.InvalidModelException;
import dev.demucs.importer.CheckpointImporter;
import dev.demucs.importer.ImportReport;
import dev.demucs.models.BagManifest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code models import FILE.th... [-o OUT]}: converts PyTorch Demucs checkpoints to ONNX in pure
 * Java. One checkpoint: {@code -o} is the ONNX file (default {@code <name>.onnx}). Several: they
 * form a bag; {@code -o} is the bag manifest (default {@code bag.json}), each ONNX is written next
 * to it, and {@code --one-hot} gives model i the weight 1 on stem i only (the htdemucs_ft layout).
 * {@code --dynamic-batch} writes a symbolic batch axis instead of 1.
 */
@Command(name = "import", description = {
    "Convert Demucs PyTorch checkpoints (.th) to ONNX without Python.",
    "One file: -o is the ONNX to write (default NAME.onnx).",
    "Several: a bag; -o is the bag manifest (default bag.json), each NAME.onnx goes next to it."})
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(paramLabel = "FILE.th", arity = "1..*", description = "Checkpoints to convert.")
    List<Path> checkpoints;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "ONNX file (one checkpoint) or bag manifest .json (several).")
    Path output;

    @Option(names = "--one-hot", description = "Bag of several: model i contributes only stem i (as htdemucs_ft).")
    boolean oneHot;

    @Option(names = "--force", description = "Overwrite existing output files.")
    boolean force;

    @Option(names = "--dynamic-batch", description = "Give the ONNX a dynamic batch dimension, so --batch N runs N chunks per model call (for GPUs);"
            + " on a CPU it also runs in about half the peak memory (as models fetched by name are converted).")
    boolean dynamicBatch;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Path c : checkpoints) {
            if (!Files.isRegularFile(c)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "checkpoint " + c + " does not exist");
            }
        }
        if (checkpoints.size() == 1) {
            if (oneHot) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--one-hot needs several checkpoints");
            }
            Path target = output != null ? output : Path.of(stem(checkpoints.get(0)) + ".onnx");
            if (!target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "-o " + target + ": must end in .onnx");
            }
            checkTarget(target);
            err.println("converting " + checkpoints.get(0) + " to " + target);
            err.flush();
            print(out, CheckpointImporter.convert(checkpoints.get(0), target, dynamicBatch));
            out.flush();
            return ExitCodes.OK;
        }
        Path manifest = output != null ? output : Path.of("bag.json");
        if (!manifest.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "-o " + manifest + ": with several checkpoints -o names the bag manifest and must end in .json");
        }
        Path dir = manifest.toAbsolutePath().getParent();
        List<Path> targets = new ArrayList<>();
        for (Path c : checkpoints) {
            Path t = dir.resolve(stem(c) + ".onnx");
            if (targets.contains(t)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "two checkpoints would both be written to " + t);
            }
            targets.add(t);
            checkTarget(t);
        }
        checkTarget(manifest);
        List<ImportReport> reports = new ArrayList<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            err.println("converting " + checkpoints.get(i) + " to " + targets.get(i));
            err.flush();
            ImportReport r = CheckpointImporter.convert(checkpoints.get(i), targets.get(i), dynamicBatch);
            ImportReport first = reports.isEmpty() ? r : reports.get(0);
            if (!r.sources().equals(first.sources()) || r.sampleRate() != first.sampleRate()) {
                throw new InvalidModelException(checkpoints.get(i) + " has stems " + r.sources() + " at " + r.sampleRate()
                        + " Hz but " + checkpoints.get(0) + " has " + first.sources() + " at " + first.sampleRate()
                        + " Hz: they cannot form a bag");
            }
            reports.add(r);
            print(out, r);
        }
        if (oneHot && checkpoints.size() != reports.get(0).sources().size()) {
            throw new InvalidModelException("--one-hot needs one checkpoint per stem: " + checkpoints.size()
                    + " checkpoints for " + reports.get(0).sources().size() + " stems " + reports.get(0).sources());
        }
        writeManifest(manifest, reports, targets);
        out.println("bag manifest: " + manifest + " (use --model " + manifest + ")");
        out.flush();
        return ExitCodes.OK;
    }

    private void checkTarget(Path t) {
        if (Files.exists(t) && !force) {
            throw new CommandLine.ParameterException(spec.commandLine(), t + " already exists (use --force to overwrite)");
        }
    }

    private void writeManifest(Path manifest, List<ImportReport> reports, List<Path> targets) {
        int stems = reports.get(0).sources().size();
        List<BagManifest.Member> members = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            float[] weights = null;
            if (oneHot) {
                weights = new float[stems];
                weights[i] = 1;
            }
            members.add(new BagManifest.Member(targets.get(i), weights));
        }
        new BagManifest(manifest, stem(manifest), "bag of " + reports.size() + " imported checkpoints",
                reports.get(0).sources(), reports.get(0).sampleRate(), -1, members).write();
    }

    private static void print(PrintWriter out, ImportReport r) {
        out.println(String.format(Locale.ROOT, "%s: %s, %d Hz, segment %d samples, %,d parameters, checkpoint sha256 %s,"
                        + " %.1f s", r.onnx(), String.join(",", r.sources()), r.sampleRate(), r.segmentSamples(),
                r.parameterCount(), r.checkpointSha256(), r.seconds()));
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}

package dev.demucs.core.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.engine.SharedEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads what a Demucs ONNX model is from its graph's inputs and outputs and its metadata_props,
 * recognising the two public forms by rank and shape, never by tensor name:
 *
 * <pre>
 * TWO_INPUT     inputs  waveform [B,2,L] (rank 3), spectrogram [B,4,2048,F] (rank 4), F = ceil(L/1024)
 *               outputs frequency [B,S,4,2048,F] (rank 5), time [B,S,2,L] (rank 4)
 * SINGLE_GRAPH  input   waveform [B,2,L];  output stems [B,S,2,L]
 * B             1, or dynamic (then several chunks go into one run)
 * metadata      sources (comma-separated), sample_rate, segment_samples — all optional;
 *               without "sources", S = 4 → drums, bass, other, vocals; S = 6 → … guitar, piano
 * </pre>
 *
 * Anything else is an {@link InvalidModelException} naming the shapes found.
 *
 * <pre>{@code
 * ModelSpec spec = ModelInspector.inspect(Path.of("htdemucs.onnx"));
 * System.out.println(spec.form() + " " + spec.sources() + " " + spec.segmentSamples());
 * }</pre>
 */
public final class ModelInspector {

    /** Stems of the standard 4-stem models, in output order. */
    public static final List<String> FOUR_STEMS = List.of("drums", "bass", "other", "vocals");
    /** Stems of htdemucs_6s, in output order. */
    public static final List<String> SIX_STEMS = List.of("drums", "bass", "other", "vocals", "guitar", "piano");
    /** Sample rate assumed when the metadata has none. */
    public static final int DEFAULT_SAMPLE_RATE = 44_100;

    private static final int BINS = 2048;
    private static final int HOP = 1024;

    private ModelInspector() {
    }

    /**
     * Inspects a model file, loading it in a short-lived CPU session that is closed before return.
     *
     * @throws ModelNotFoundException when the file does not exist or cannot be read
     * @throws InvalidModelException  when it is not ONNX or not a Demucs model of a known form
     */
    public static ModelSpec inspect(Path onnx) {
        requireReadable(onnx);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = SharedEnvironment.get().createSession(onnx.toString(), options)) {
                return inspect(onnx, session);
            }
        } catch (OrtException e) {
            throw notOnnx(onnx, e);
        }
    }

    /** Inspects a model already loaded in a session (the session stays open). */
    public static ModelSpec inspect(Path onnx, OrtSession session) {
        try {
            List<Tensor> inputs = tensors(session.getInputInfo());
            List<Tensor> outputs = tensors(session.getOutputInfo());
            Map<String, String> metadata = session.getMetadata().getCustomMetadata();
            return recognise(onnx, inputs, outputs, metadata);
        } catch (OrtException e) {
            throw new InvalidModelException("cannot read the inputs and outputs of model " + onnx + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that a model file exists and is readable.
     *
     * @throws ModelNotFoundException naming the file when it is not
     */
    public static void requireReadable(Path onnx) {
        if (!Files.exists(onnx)) {
            throw new ModelNotFoundException("model file not found: " + onnx);
        }
        if (!Files.isRegularFile(onnx) || !Files.isReadable(onnx)) {
            throw new ModelNotFoundException("model file is not a readable file: " + onnx);
        }
    }

    /** The error for a file ONNX Runtime cannot load, naming the file and ONNX Runtime's first line. */
    public static InvalidModelException notOnnx(Path onnx, OrtException e) {
        return new InvalidModelException("not a loadable ONNX model: " + onnx + " (" + firstLine(e.getMessage()) + ")", e);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** One graph input or output: name, element type, shape (-1 = dynamic). */
    private record Tensor(String name, boolean isFloat, long[] shape) {
        int rank() {
            return shape.length;
        }

        long dim(int i) {
            return shape[i];
        }

        @Override
        public String toString() {
            String dims = Arrays.stream(shape).mapToObj(d -> d < 0 ? "?" : Long.toString(d)).collect(Collectors.joining(","));
            return name + "[" + dims + "]" + (isFloat ? "" : " (not float)");
        }
    }

    private static List<Tensor> tensors(Map<String, NodeInfo> infos) {
        List<Tensor> list = new ArrayList<>();
        for (NodeInfo info : infos.values()) {
            if (info.getInfo() instanceof TensorInfo t) {
                list.add(new Tensor(info.getName(), t.type == OnnxJavaType.FLOAT, t.getShape()));
            } else {
                list.add(new Tensor(info.getName(), false, new long[0]));
            }
        }
        return list;
    }

    private static ModelSpec recognise(Path onnx, List<Tensor> inputs, List<Tensor> outputs, Map<String, String> metadata) {
        String found = "inputs " + inputs + ", outputs " + outputs;
        String expected = "expected the two-input form (inputs [1,2,L] and [1,4,2048,ceil(L/1024)], outputs "
                + "[1,S,4,2048,F] and [1,S,2,L]) or the single-graph form (input [1,2,L], output [1,S,2,L])";
        for (Tensor t : inputs) {
            if (!t.isFloat()) {
                throw invalid(onnx, "input " + t + " is not a float tensor", found);
            }
        }
        for (Tensor t : outputs) {
            if (!t.isFloat()) {
                throw invalid(onnx, "output " + t + " is not a float tensor", found);
            }
        }
        ModelForm form;
        Tensor wave;
        Tensor spec = null;
        Tensor freqOut = null;
        Tensor stemsOut;
        if (inputs.size() == 1 && outputs.size() == 1) {
            form = ModelForm.SINGLE_GRAPH;
            wave = inputs.get(0);
            stemsOut = outputs.get(0);
        } else if (inputs.size() == 2 && outputs.size() == 2) {
            form = ModelForm.TWO_INPUT;
            wave = byRank(inputs, 3);
            spec = byRank(inputs, 4);
            freqOut = byRank(outputs, 5);
            stemsOut = byRank(outputs, 4);
            if (wave == null || spec == null || freqOut == null || stemsOut == null) {
                throw invalid(onnx, "unexpected ranks; " + expected, found);
            }
        } else {
            throw invalid(onnx, inputs.size() + " inputs and " + outputs.size() + " outputs; " + expected, found);
        }
        if (wave.rank() != 3) {
            throw invalid(onnx, "the waveform input must have rank 3 [B,2,L], found rank " + wave.rank(), found);
        }
        if (wave.dim(1) != 2) {
            throw invalid(onnx, "the waveform input must have 2 audio channels, found " + dimText(wave.dim(1)), found);
        }
        if (stemsOut.rank() != 4) {
            throw invalid(onnx, "the stems output must have rank 4 [B,S,2,L], found rank " + stemsOut.rank(), found);
        }
        if (stemsOut.dim(2) != 2) {
            throw invalid(onnx, "the stems output must have 2 audio channels, found " + dimText(stemsOut.dim(2)), found);
        }
        long length = wave.dim(2);
        if (stemsOut.dim(3) != length) {
            throw invalid(onnx, "the waveform input has " + dimText(length) + " samples but the stems output "
                    + dimText(stemsOut.dim(3)), found);
        }
        long stems = stemsOut.dim(1);
        long frames = 0;
        if (form == ModelForm.TWO_INPUT) {
            if (spec.dim(1) != 4 || spec.dim(2) != BINS) {
                throw invalid(onnx, "the spectrogram input must be [B,4,2048,F] (2 channels as real/imaginary pairs), found "
                        + spec, found);
            }
            if (freqOut.dim(2) != 4 || freqOut.dim(3) != BINS) {
                throw invalid(onnx, "the frequency output must be [B,S,4,2048,F], found " + freqOut, found);
            }
            frames = spec.dim(3);
            if (freqOut.dim(4) != frames) {
                throw invalid(onnx, "the spectrogram input has " + dimText(frames) + " frames but the frequency output "
                        + dimText(freqOut.dim(4)), found);
            }
            if (freqOut.dim(1) != stems) {
                throw invalid(onnx, "the frequency output has " + dimText(freqOut.dim(1)) + " stems but the time output "
                        + dimText(stems), found);
            }
            if (length > 0 && frames > 0 && frames != (length + HOP - 1) / HOP) {
                throw invalid(onnx, "mismatched segment between the two inputs: the waveform has " + length
                        + " samples, which needs ceil(" + length + "/1024) = " + (length + HOP - 1) / HOP
                        + " spectrogram frames, but the spectrogram input has " + frames, found);
            }
        }
        // Batch: 1 or dynamic everywhere.
        boolean dynamicBatch = true;
        List<Tensor> all = new ArrayList<>(inputs);
        all.addAll(outputs);
        for (Tensor t : all) {
            long b = t.dim(0);
            if (b != 1 && b != -1) {
                throw invalid(onnx, "the batch dimension must be 1 or dynamic, found " + b + " in " + t, found);
            }
            dynamicBatch &= b == -1;
        }

        // Metadata.
        List<String> sources = null;
        String sourcesText = metadata.get("sources");
        if (sourcesText != null && !sourcesText.isBlank()) {
            sources = Arrays.stream(sourcesText.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        int sampleRate = intMeta(onnx, metadata, "sample_rate", DEFAULT_SAMPLE_RATE, found);
        int segmentMeta = intMeta(onnx, metadata, "segment_samples", -1, found);
        if (length < 0) {
            if (segmentMeta < 0) {
                throw invalid(onnx, "the segment length is dynamic and the metadata has no segment_samples", found);
            }
            length = segmentMeta;
        } else if (segmentMeta >= 0 && segmentMeta != length) {
            throw invalid(onnx, "metadata segment_samples=" + segmentMeta + " disagrees with the waveform input's "
                    + length + " samples", found);
        }
        if (form == ModelForm.TWO_INPUT && frames < 0) {
            frames = (length + HOP - 1) / HOP;
        }
        if (stems < 0) {
            if (sources == null) {
                throw invalid(onnx, "the stem count is dynamic and the metadata has no sources", found);
            }
            stems = sources.size();
        }
        if (sources == null) {
            if (stems == 4) {
                sources = FOUR_STEMS;
            } else if (stems == 6) {
                sources = SIX_STEMS;
            } else {
                throw invalid(onnx, "cannot name " + stems + " stems without metadata 'sources' (only 4 or 6 stems are known)", found);
            }
        } else if (sources.size() != stems) {
            throw invalid(onnx, "metadata sources " + sources + " name " + sources.size() + " stems but the model outputs "
                    + stems, found);
        }
        if (sources.stream().distinct().count() != sources.size()) {
            throw invalid(onnx, "metadata sources " + sources + " repeat a name", found);
        }
        List<String> inputNames = form == ModelForm.TWO_INPUT ? List.of(wave.name(), spec.name()) : List.of(wave.name());
        List<String> outputNames = form == ModelForm.TWO_INPUT ? List.of(freqOut.name(), stemsOut.name()) : List.of(stemsOut.name());
        return new ModelSpec(onnx, form, sources, sampleRate, Math.toIntExact(length), Math.toIntExact(frames),
                dynamicBatch ? Integer.MAX_VALUE : 1, inputNames, outputNames, metadata);
    }

    private static Tensor byRank(List<Tensor> tensors, int rank) {
        Tensor found = null;
        for (Tensor t : tensors) {
            if (t.rank() == rank) {
                if (found != null) {
                    return null;
                }
                found = t;
            }
        }
        return found;
    }

    private static String dimText(long d) {
        return d < 0 ? "a dynamic number of" : Long.toString(d);
    }

    private static int intMeta(Path onnx, Map<String, String> metadata, String key, int fallback, String found) {
        String v = metadata.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw invalid(onnx, "metadata " + key + "='" + v + "' is not a positive integer", found);
        }
    }

    private static InvalidModelException invalid(Path onnx, String reason, String found) {
        return new InvalidModelException("unsupported model " + onnx + ": " + reason + " (" + found + ")");
    }
}

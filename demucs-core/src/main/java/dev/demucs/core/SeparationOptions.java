package dev.demucs.core;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Immutable settings of a {@link Separator}. Defaults follow upstream Demucs, except that the
 * random source of shifts is seeded so results are reproducible.
 *
 * <pre>{@code
 * SeparationOptions opts = SeparationOptions.builder()
 *         .shifts(2)
 *         .overlap(0.5)
 *         .stems(StemSelection.twoStems("vocals", StemSelection.Complement.ADD))
 *         .device(Device.auto())
 *         .build();
 * SeparationOptions more = opts.toBuilder().shifts(4).build();
 * }</pre>
 *
 * <p>{@link Builder#build()} rejects a bad value with an {@link IllegalArgumentException} that
 * names the field and the value. A segment longer than the model's is rejected when the
 * separator is created, since only the model knows its segment.
 */
public final class SeparationOptions {

    /** Upstream's default: one random shift. */
    public static final int DEFAULT_SHIFTS = 1;
    public static final long DEFAULT_SEED = 0L;
    public static final double DEFAULT_OVERLAP = 0.25;
    public static final double DEFAULT_TRANSITION_POWER = 1.0;
    /**
     * Most chunks put into one model run on a GPU when the model's batch dimension is not fixed and
     * no {@link Builder#maxBatch} was set. A CPU then runs one chunk per call: batching gains it
     * nothing and multiplies the memory the run's intermediates take.
     */
    public static final int DEFAULT_MAX_BATCH = 4;

    private final int shifts;
    private final long seed;
    private final double overlap;
    private final double transitionPower;
    private final Double segmentSeconds;
    private final StemSelection stems;
    private final Device device;
    private final int intraOpThreads;
    private final Integer maxBatch;
    private final CudaOptions cuda;

    private SeparationOptions(Builder b) {
        this.shifts = b.shifts;
        this.seed = b.seed;
        this.overlap = b.overlap;
        this.transitionPower = b.transitionPower;
        this.segmentSeconds = b.segmentSeconds;
        this.stems = b.stems;
        this.device = b.device;
        this.intraOpThreads = b.intraOpThreads;
        this.maxBatch = b.maxBatch;
        this.cuda = b.cuda;
    }

    public static SeparationOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.shifts = shifts;
        b.seed = seed;
        b.overlap = overlap;
        b.transitionPower = transitionPower;
        b.segmentSeconds = segmentSeconds;
        b.stems = stems;
        b.device = device;
        b.intraOpThreads = intraOpThreads;
        b.maxBatch = maxBatch;
        b.cuda = cuda;
        return b;
    }

    /** Number of random time shifts averaged (0 = none). */
    public int shifts() {
        return shifts;
    }

    /** Seed of the random source that draws shift offsets. */
    public long seed() {
        return seed;
    }

    /** Overlap between consecutive chunks, in [0, 1). */
    public double overlap() {
        return overlap;
    }

    /** Exponent of the triangular transition weights, at least 1. */
    public double transitionPower() {
        return transitionPower;
    }

    /** Chunk length in seconds when shorter than the model's segment; empty = the model's. */
    public OptionalDouble segmentSeconds() {
        return segmentSeconds == null ? OptionalDouble.empty() : OptionalDouble.of(segmentSeconds);
    }

    public StemSelection stems() {
        return stems;
    }

    public Device device() {
        return device;
    }

    /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * Most chunks per model run, used only when the model's batch dimension is dynamic: the value
     * set, else {@link #DEFAULT_MAX_BATCH} (what a GPU runs; see {@link #maxBatchOn}).
     */
    public int maxBatch() {
        return maxBatch != null ? maxBatch : DEFAULT_MAX_BATCH;
    }

    /**
     * Most chunks per model run on a device of this kind: the value set, else
     * {@link #DEFAULT_MAX_BATCH} on a GPU and 1 on a CPU.
     */
    public int maxBatchOn(Device.Kind kind) {
        return maxBatch != null ? maxBatch : kind == Device.Kind.CUDA ? DEFAULT_MAX_BATCH : 1;
    }

    /** Settings of the CUDA provider, used when the model runs on a GPU. */
    public CudaOptions cuda() {
        return cuda;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SeparationOptions other)) {
            return false;
        }
        return shifts == other.shifts && seed == other.seed && overlap == other.overlap
                && transitionPower == other.transitionPower && Objects.equals(segmentSeconds, other.segmentSeconds)
                && stems.equals(other.stems) && device.equals(other.device)
                && intraOpThreads == other.intraOpThreads && Objects.equals(maxBatch, other.maxBatch)
                && cuda.equals(other.cuda);
    }

    @Override
    public int hashCode() {
        return Objects.hash(shifts, seed, overlap, transitionPower, segmentSeconds, stems, device, intraOpThreads, maxBatch, cuda);
    }

    @Override
    public String toString() {
        return "SeparationOptions{shifts=" + shifts + ", seed=" + seed + ", overlap=" + overlap
                + ", transitionPower=" + transitionPower + ", segmentSeconds=" + segmentSeconds
                + ", stems=" + stems + ", device=" + device + ", intraOpThreads=" + intraOpThreads
                + ", maxBatch=" + (maxBatch != null ? maxBatch : "auto") + ", cuda=" + cuda + "}";
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int shifts = DEFAULT_SHIFTS;
        private long seed = DEFAULT_SEED;
        private double overlap = DEFAULT_OVERLAP;
        private double transitionPower = DEFAULT_TRANSITION_POWER;
        private Double segmentSeconds;
        private StemSelection stems = StemSelection.all();
        private Device device = Device.cpu();
        private int intraOpThreads;
        private Integer maxBatch;
        private CudaOptions cuda = CudaOptions.defaults();

        private Builder() {
        }

        public Builder shifts(int shifts) {
            this.shifts = shifts;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder overlap(double overlap) {
            this.overlap = overlap;
            return this;
        }

        public Builder transitionPower(double transitionPower) {
            this.transitionPower = transitionPower;
            return this;
        }

        /** Chunk length in seconds (at most the model's segment); {@code null} = the model's. */
        public Builder segmentSeconds(Double segmentSeconds) {
            this.segmentSeconds = segmentSeconds;
            return this;
        }

        public Builder stems(StemSelection stems) {
            this.stems = stems;
            return this;
        }

        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        public Builder intraOpThreads(int intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        /** Most chunks per run of a dynamic-batch model (default: 4 on a GPU, 1 on a CPU). */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        public Builder cuda(CudaOptions cuda) {
            this.cuda = cuda;
            return this;
        }

        public SeparationOptions build() {
            if (shifts < 0) {
                throw bad("shifts", shifts, "must be >= 0");
            }
            if (!(overlap >= 0 && overlap < 1)) {
                throw bad("overlap", overlap, "must be in [0, 1)");
            }
            if (!(transitionPower >= 1) || Double.isInfinite(transitionPower)) {
                throw bad("transitionPower", transitionPower, "must be a finite number >= 1");
            }
            if (segmentSeconds != null && !(segmentSeconds > 0 && segmentSeconds < Double.POSITIVE_INFINITY)) {
                throw bad("segmentSeconds", segmentSeconds, "must be a finite number > 0");
            }
            if (stems == null) {
                throw bad("stems", null, "must not be null");
            }
            if (device == null) {
                throw bad("device", null, "must not be null");
            }
            if (intraOpThreads < 0) {
                throw bad("intraOpThreads", intraOpThreads, "must be >= 0 (0 = ONNX Runtime's default)");
            }
            if (maxBatch != null && maxBatch < 1) {
                throw bad("maxBatch", maxBatch, "must be >= 1");
            }
            if (cuda == null) {
                throw bad("cuda", null, "must not be null");
            }
            return new SeparationOptions(this);
        }

        private static IllegalArgumentException bad(String field, Object value, String rule) {
            return new IllegalArgumentException(field + " " + rule + ", got " + value);
        }
    }
}

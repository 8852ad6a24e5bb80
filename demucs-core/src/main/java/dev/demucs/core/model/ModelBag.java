package dev.demucs.core.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One or several ONNX models whose stems are combined per stem with weights, as upstream's
 * {@code BagOfModels}: stem k = Σ_m w[m][k]·stem_m,k / Σ_m w[m][k]. All members must agree on
 * sources, sample rate and channels; htdemucs_ft is four models with one-hot weights.
 *
 * @param members the models, in order
 */
public record ModelBag(List<Member> members) {

    public ModelBag {
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a bag needs at least one model");
        }
    }

    /**
     * @param onnx    the model file
     * @param weights one weight per source of the model, or {@code null} for all ones
     */
    public record Member(Path onnx, float[] weights) {
        public Member {
            weights = weights == null ? null : weights.clone();
        }

        @Override
        public float[] weights() {
            return weights == null ? null : weights.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Member m && m.onnx.equals(onnx) && Arrays.equals(m.weights, weights);
        }

        @Override
        public int hashCode() {
            return 31 * onnx.hashCode() + Arrays.hashCode(weights);
        }

        @Override
        public String toString() {
            return onnx + (weights == null ? "" : " " + Arrays.toString(weights));
        }
    }

    public static ModelBag single(Path onnx) {
        return new ModelBag(List.of(new Member(onnx, null)));
    }

    public static ModelBag of(List<Member> members) {
        return new ModelBag(members);
    }
}

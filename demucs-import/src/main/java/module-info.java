/**
 * Official PyTorch Demucs checkpoints to ONNX, in Java. The API is {@code dev.demucs.importer}
 * ({@code CheckpointImporter}, {@code ImportReport}); the checkpoint reader ({@code torch}) and the
 * graph builder ({@code graph}) are internal.
 */
module dev.demucs.importer {
    requires transitive dev.demucs.core;
    requires org.tribuo.util.onnx;
    requires com.google.protobuf;

    exports dev.demucs.importer;
}

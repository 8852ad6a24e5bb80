/**
 * Importing official PyTorch Demucs checkpoints without Python: {@link dev.demucs.importer.CheckpointImporter}
 * reads a {@code torch.save} package ({@link dev.demucs.importer.torch}) and builds the HTDemucs network as an
 * ONNX graph in the two-input form ({@link dev.demucs.importer.graph}).
 */
package dev.demucs.importer;

/**
 * Reading {@code torch.save} files without Python: a safe pickle reader ({@link dev.demucs.importer.torch.Unpickler})
 * and the checkpoint loader ({@link dev.demucs.importer.torch.TorchCheckpoint}) that turns every stored tensor into a
 * contiguous float32 {@link dev.demucs.importer.torch.Tensor}.
 */
package dev.demucs.importer.torch;

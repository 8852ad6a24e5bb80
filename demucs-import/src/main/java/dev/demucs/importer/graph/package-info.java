/**
 * The ONNX side of the importer: a shape-checked graph builder ({@link dev.demucs.importer.graph.OnnxGraph}),
 * HTDemucs options with upstream defaults ({@link dev.demucs.importer.graph.HTDemucsConfig}), a state dict that
 * tracks consumption ({@link dev.demucs.importer.graph.StateDict}) and the network itself
 * ({@link dev.demucs.importer.graph.HTDemucsGraph}).
 */
package dev.demucs.importer.graph;

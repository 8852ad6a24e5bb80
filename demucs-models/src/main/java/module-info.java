/** Model names, the registry, the verified cache, downloads and bag manifests. */
module dev.demucs.models {
    requires transitive dev.demucs.core;
    requires dev.demucs.importer;
    requires com.fasterxml.jackson.databind;
    requires dev.demucs.net;
    requires org.tribuo.util.onnx;
    requires com.google.protobuf;

    exports dev.demucs.models;
}

/**
 * Clients of a running demucs job service: {@code RemoteClient}/{@code RemoteRun} for any
 * {@code demucs-separate serve}, {@code CloudProvider}/{@code RunPodProvider}/{@code CloudSeparation}
 * for a rented GPU pod. One package, all API.
 */
module dev.demucs.client {
    // the API's types: ProgressSnapshot (RemoteRun.Listener), OkHttpClient (through demucs-net), JsonNode
    requires transitive dev.demucs.job;
    requires transitive dev.demucs.net;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.demucs.client;
}

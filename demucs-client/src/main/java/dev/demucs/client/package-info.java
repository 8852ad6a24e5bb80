/**
 * Clients of a remote demucs job service: {@link dev.demucs.client.RemoteClient} speaks the REST API of
 * {@code demucs-separate serve}, {@link dev.demucs.client.RemoteRun} runs one job end to end (upload or URL,
 * polling, downloads into the template layout, resumable), and {@link dev.demucs.client.CloudProvider} with
 * {@link dev.demucs.client.RunPodProvider} and {@link dev.demucs.client.CloudSeparation} rent a GPU pod,
 * run the job there and release the pod.
 */
package dev.demucs.client;

package dev.demucs.client;

import java.util.List;
import java.util.Map;

/**
 * A GPU cloud that runs our image: list GPU types, create a pod (instance) with our server's port
 * published, read its state, stop or terminate it, and tell the URL where the port is reached.
 * {@link RunPodProvider} implements it; a Vast.ai provider (offers, instance with {@code /start.sh},
 * {@code VAST_TCP_PORT_8185} and the public IP, destroy) fits the same shape.
 */
public interface CloudProvider {

    /** The provider's name in messages, e.g. "RunPod". */
    String name();

    /** GPU types with memory, price and availability. */
    List<GpuType> gpuTypes();

    /**
     * Creates a pod on one GPU type.
     *
     * @throws NoCapacityException when that type has no machine free now
     */
    Pod create(PodSpec spec, String gpuType);

    /** The pod's current state. */
    Pod get(String podId);

    /** Every pod of the account. */
    List<Pod> list();

    /** Stops a pod (its disk is kept and still billed; it can be started again). */
    void stop(String podId);

    /** Terminates a pod (nothing is kept, billing ends); an already gone pod is not an error. */
    void terminate(String podId);

    /** The base URL where the pod's HTTP port is reached. */
    String serviceUrl(String podId, int port);

    /**
     * One GPU type.
     *
     * @param id             the id to create pods with
     * @param displayName    the short name
     * @param memoryGb       GPU memory
     * @param pricePerHour   the lowest on-demand price per GPU and hour in USD, null when unknown
     * @param secureCloud    offered in the secure cloud
     * @param communityCloud offered in the community cloud
     * @param stock          the provider's availability word (e.g. High, Low), null when unknown
     */
    record GpuType(String id, String displayName, int memoryGb, Double pricePerHour, boolean secureCloud,
                   boolean communityCloud, String stock) {
    }

    /**
     * A pod as the provider reports it.
     *
     * @param id        the pod id
     * @param name      its name
     * @param status    the provider's status word (RunPod: RUNNING, EXITED, TERMINATED)
     * @param costPerHr its price per hour in USD (0 when unknown)
     * @param gpuType   the GPU type, null when unknown
     */
    record Pod(String id, String name, String status, double costPerHr, String gpuType) {
        /** Whether the provider reports the pod as running. */
        public boolean running() {
            return "RUNNING".equalsIgnoreCase(status);
        }
    }

    /**
     * What to create.
     *
     * @param name      the pod's name
     * @param image     the container image
     * @param env       environment of the container (holds the API token: never log it)
     * @param httpPort  the port published over HTTP
     * @param diskGb    container disk
     * @param volumeId  a network volume to attach, or null
     * @param cloudType SECURE, COMMUNITY or ALL
     */
    record PodSpec(String name, String image, Map<String, String> env, int httpPort, int diskGb, String volumeId,
                   String cloudType) {
        @Override
        public String toString() {
            return "PodSpec[name=" + name + ", image=" + image + ", env=" + env.keySet() + ", httpPort=" + httpPort + "]";
        }
    }
}

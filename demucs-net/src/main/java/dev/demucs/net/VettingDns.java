package dev.demucs.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Function;
import okhttp3.Dns;

/**
 * Resolves with an upstream {@link Dns} and, under {@link AddressPolicy#PUBLIC_ONLY}, refuses the
 * host when ANY of its addresses is refused (a mixed answer is how rebinding attacks start;
 * refusing it whole is simpler to reason about than filtering). The vetted list is what OkHttp
 * connects to: nothing is resolved again between the check and the connection.
 */
final class VettingDns implements Dns {
    private final Dns upstream;
    private final AddressPolicy policy;
    private final Function<InetAddress, String> ranges;

    VettingDns(Dns upstream, AddressPolicy policy, Function<InetAddress, String> ranges) {
        this.upstream = upstream;
        this.policy = policy;
        this.ranges = ranges;
    }

    @Override
    public List<InetAddress> lookup(String host) throws UnknownHostException {
        List<InetAddress> all = List.copyOf(upstream.lookup(host));
        if (all.isEmpty()) {
            throw new UnknownHostException(host);
        }
        if (policy == AddressPolicy.PUBLIC_ONLY) {
            for (InetAddress a : all) {
                String why = ranges.apply(a);
                if (why != null) {
                    throw new AddressRefusedException("host " + host + " resolves to " + why + ", which is refused");
                }
            }
        }
        return all;
    }
}

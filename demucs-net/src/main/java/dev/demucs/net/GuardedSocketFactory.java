package dev.demucs.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.function.Function;
import javax.net.SocketFactory;

/**
 * The last line of {@link AddressPolicy#PUBLIC_ONLY}: every socket OkHttp opens refuses to
 * connect to a refused address, whatever led there (a name through {@link VettingDns}, an IP
 * literal, which OkHttp connects to without asking the {@code Dns}, or a redirect).
 */
final class GuardedSocketFactory extends SocketFactory {
    private final Function<InetAddress, String> ranges;

    GuardedSocketFactory(Function<InetAddress, String> ranges) {
        this.ranges = ranges;
    }

    @Override
    public Socket createSocket() {
        return new GuardedSocket(ranges);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port));
    }

    private Socket connected(InetSocketAddress to) throws IOException {
        Socket s = new GuardedSocket(ranges);
        try {
            s.connect(to);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static final class GuardedSocket extends Socket {
        private final Function<InetAddress, String> ranges;

        GuardedSocket(Function<InetAddress, String> ranges) {
            this.ranges = ranges;
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            if (!(endpoint instanceof InetSocketAddress to) || to.isUnresolved()) {
                throw new AddressRefusedException("unresolved address " + endpoint + " is refused");
            }
            String why = ranges.apply(to.getAddress());
            if (why != null) {
                throw new AddressRefusedException("host is " + why + ", which is refused");
            }
            super.connect(endpoint, timeout);
        }
    }
}

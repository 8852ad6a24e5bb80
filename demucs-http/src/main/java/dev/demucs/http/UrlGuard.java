package dev.demucs.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Checks an {@code input_url} before the server fetches it: http or https only, a host, no
 * user-info, and (unless private URLs are allowed) every address the host resolves to must be a
 * public unicast address: loopback, link-local (cloud metadata services), site-local /
 * unique-local, carrier-grade NAT, multicast, "this network" and unspecified addresses are
 * refused. The check runs again on every redirect hop.
 *
 * <p>Residual risk: the host is resolved again when connecting, so a name whose DNS answer
 * changes between the check and the connection (DNS rebinding) is not fully covered.
 */
final class UrlGuard {
    private final boolean allowPrivate;

    UrlGuard(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /**
     * @return the parsed URI
     * @throws ApiException 400 naming the URL (without query string) and the reason
     */
    URI check(String url) {
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest("input_url must not be empty");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("input_url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw ApiException.badRequest("input_url " + redact(uri) + ": only http and https URLs are accepted");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw ApiException.badRequest("input_url " + redact(uri) + ": has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw ApiException.badRequest("input_url " + redact(uri) + ": user-info in URLs is not accepted");
        }
        if (allowPrivate) {
            return uri;
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw ApiException.badRequest("input_url " + redact(uri) + ": host " + host + " does not resolve");
        }
        for (InetAddress a : addresses) {
            String why = nonPublicReason(a);
            if (why != null) {
                throw ApiException.badRequest("input_url " + redact(uri) + ": host " + host + " resolves to "
                        + why + " address " + a.getHostAddress() + ", which is refused (the operator can allow private URLs)");
            }
        }
        return uri;
    }

    /** Why the address is not public unicast, or {@code null} when it is. */
    static String nonPublicReason(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return nonPublicReason(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return "an unparsable";
                }
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return "a unique-local";
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return "a documentation";
            }
        }
        if (a.isAnyLocalAddress()) {
            return "an unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "a loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "a private";
        }
        if (a.isMulticastAddress()) {
            return "a multicast";
        }
        if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            if (b0 == 0) {
                return "a 'this network'";
            }
            if (b0 == 100 && (b1 & 0xc0) == 64) {
                return "a carrier-grade NAT";
            }
            if (b0 == 198 && (b1 == 18 || b1 == 19)) {
                return "a benchmarking";
            }
            if (b0 >= 240) {
                return "a reserved";
            }
            if (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) {
                return "an IETF protocol";
            }
        }
        return null;
    }

    /** The URL for messages: scheme, host, port and path, never the query string. */
    static String redact(URI uri) {
        StringBuilder s = new StringBuilder();
        if (uri.getScheme() != null) {
            s.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            s.append(uri.getHost());
        }
        if (uri.getPort() >= 0) {
            s.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            s.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            s.append("?…");
        }
        return s.toString();
    }
}

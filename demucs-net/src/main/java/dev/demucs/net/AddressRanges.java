package dev.demucs.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The address ranges {@link AddressPolicy#PUBLIC_ONLY} refuses, checked on the address bytes
 * (never on strings). IPv6 forms that embed an IPv4 address (IPv4-compatible, -mapped,
 * -translated, NAT64, 6to4, Teredo) are refused as a whole: they reach IPv4 hosts through
 * translators, so which host they reach is not decidable here.
 *
 * <pre>
 * IPv4  0/8 10/8 100.64/10 127/8 169.254/16 172.16/12 192.0.0/24 192.0.2/24 192.88.99/24
 *       192.168/16 198.18/15 198.51.100/24 203.0.113/24 224/4 240/4 (incl. 255.255.255.255)
 * IPv6  ::/128 ::1/128 ::/96 (IPv4-compatible) ::ffff:0:0/96 (mapped) ::ffff:0:0:0/96 (translated)
 *       64:ff9b::/96 64:ff9b:1::/48 (NAT64) 100::/64 (discard) 2001::/32 (Teredo)
 *       2001:10::/28 (ORCHID) 2001:db8::/32 (documentation) 2002::/16 (6to4) fc00::/7 (unique local)
 *       fe80::/10 (link-local) fec0::/10 (site-local) ff00::/8 (multicast)
 * </pre>
 */
public final class AddressRanges {

    private record Range(byte[] prefix, int bits, String name) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }

    private static final List<Range> RANGES = List.of(
            v4("0.0.0.0", 8, "a 'this network'"),
            v4("10.0.0.0", 8, "a private"),
            v4("100.64.0.0", 10, "a carrier-grade NAT"),
            v4("127.0.0.0", 8, "a loopback"),
            v4("169.254.0.0", 16, "a link-local"),
            v4("172.16.0.0", 12, "a private"),
            v4("192.0.0.0", 24, "an IETF protocol"),
            v4("192.0.2.0", 24, "a documentation"),
            v4("192.88.99.0", 24, "a 6to4 relay"),
            v4("192.168.0.0", 16, "a private"),
            v4("198.18.0.0", 15, "a benchmarking"),
            v4("198.51.100.0", 24, "a documentation"),
            v4("203.0.113.0", 24, "a documentation"),
            v4("224.0.0.0", 4, "a multicast"),
            v4("240.0.0.0", 4, "a reserved"),
            v6("::", 128, "an unspecified"),
            v6("::1", 128, "a loopback"),
            v6("::", 96, "an IPv4-compatible"),
            v6("::ffff:0:0", 96, "an IPv4-mapped"),
            v6("::ffff:0:0:0", 96, "an IPv4-translated"),
            v6("64:ff9b::", 96, "a NAT64"),
            v6("64:ff9b:1::", 48, "a NAT64"),
            v6("100::", 64, "a discard-only"),
            v6("2001::", 32, "a Teredo"),
            v6("2001:10::", 28, "an ORCHID"),
            v6("2001:db8::", 32, "a documentation"),
            v6("2002::", 16, "a 6to4"),
            v6("fc00::", 7, "a unique-local"),
            v6("fe80::", 10, "a link-local"),
            v6("fec0::", 10, "a site-local"),
            v6("ff00::", 8, "a multicast"));

    private AddressRanges() {
    }

    /**
     * Why {@code address} is refused under {@link AddressPolicy#PUBLIC_ONLY}, e.g.
     * {@code "a loopback address 127.0.0.1"}, or {@code null} when it is public unicast.
     */
    public static String refusedReason(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Range r : RANGES) {
            if (r.contains(bytes)) {
                return r.name() + " address " + address.getHostAddress();
            }
        }
        return null;
    }

    private static Range v4(String literal, int bits, String name) {
        return new Range(bytes(literal, Inet4Address.class), bits, name);
    }

    private static Range v6(String literal, int bits, String name) {
        return new Range(bytes(literal, Inet6Address.class), bits, name);
    }

    private static byte[] bytes(String literal, Class<? extends InetAddress> type) {
        byte[] b;
        try {
            b = InetAddress.getByName(literal).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(literal, e);
        }
        // Java turns ::ffff:a.b.c.d into an Inet4Address: keep the 16-byte form for IPv6 ranges.
        if (type == Inet6Address.class && b.length == 4) {
            byte[] v6 = new byte[16];
            v6[10] = (byte) 0xff;
            v6[11] = (byte) 0xff;
            System.arraycopy(b, 0, v6, 12, 4);
            return v6;
        }
        return b;
    }
}

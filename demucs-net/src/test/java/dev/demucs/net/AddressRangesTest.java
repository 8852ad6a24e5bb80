package dev.demucs.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangesTest {

    /** The first and the last address of every refused range, and the forms named in issue 11. */
    @ParameterizedTest
    @ValueSource(strings = {
        "0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "100.64.0.0", "100.127.255.255",
        "127.0.0.1", "127.255.255.255", "169.254.0.0", "169.254.169.254", "172.16.0.0", "172.31.255.255",
        "192.0.0.0", "192.0.0.255", "192.0.2.0", "192.0.2.255", "192.88.99.0", "192.88.99.255",
        "192.168.0.0", "192.168.255.255", "198.18.0.0", "198.19.255.255", "198.51.100.0", "198.51.100.255",
        "203.0.113.0", "203.0.113.255", "224.0.0.0", "239.255.255.255", "240.0.0.0", "255.255.255.255",
        "::", "::1", "::127.0.0.1", "::7f00:1", "::8.8.8.8", "::ffff:0:7f00:1", "::ffff:0:808:808",
        "64:ff9b::a9fe:a9fe", "64:ff9b::808:808", "64:ff9b:1::1", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
        "100::", "100::ffff:ffff:ffff:ffff", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1", "2001:db8:ffff::1",
        "2002::", "2002:7f00:1::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::", "fdff:ffff::1",
        "fe80::1", "febf:ffff::1", "fec0::1", "feff:ffff::1", "ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    void refused(String literal) throws Exception {
        assertNotNull(AddressRanges.refusedReason(InetAddress.getByName(literal)), literal);
    }

    /** Neighbours just outside each range, and ordinary public addresses. */
    @ParameterizedTest
    @ValueSource(strings = {
        "1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
        "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.0",
        "192.0.3.0", "192.88.98.255", "192.88.100.0", "192.167.255.255", "192.169.0.0", "198.17.255.255",
        "198.20.0.0", "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
        "8.8.8.8", "1.1.1.1", "::ffff:8.8.8.8",
        "1::", "64:ff9a::1", "64:ff9b:0:0:1::1", "64:ff9b:2::1", "100:0:0:1::", "2001:1::1", "2001:20::1",
        "2001:db7::1", "2001:db9::1", "2003::1", "2606:4700:4700::1111", "2a00:1450:4001::1", "fbff::1", "fe00::1"})
    void allowed(String literal) throws Exception {
        assertNull(AddressRanges.refusedReason(InetAddress.getByName(literal)), literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void reasonNamesTheRangeAndTheAddress(String literal) throws Exception {
        String why = AddressRanges.refusedReason(InetAddress.getByName(literal));
        assertTrue(why.startsWith("a loopback address "), why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"64:ff9b::a9fe:a9fe"})
    void nat64IsNamed(String literal) throws Exception {
        assertEquals("a NAT64 address 64:ff9b:0:0:0:0:a9fe:a9fe", AddressRanges.refusedReason(InetAddress.getByName(literal)));
        assertThrows(NullPointerException.class, () -> AddressRanges.refusedReason(null));
    }
}

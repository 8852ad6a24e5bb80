package dev.demucs.net;

/**
 * Which addresses a {@link Fetcher} may connect to. The caller chooses, by where the URL comes
 * from:
 * <ul>
 *   <li>{@link #PUBLIC_ONLY}: URLs from remote callers (the HTTP server's {@code input_url}).
 *       Every address a host resolves to, every IP literal, on every redirect hop, must be public
 *       unicast ({@link AddressRanges#refusedReason}); otherwise nothing is connected to.</li>
 *   <li>{@link #ANY}: URLs the user chose (the CLI's {@code --input}, configured model mirrors,
 *       a server whose operator allowed private URLs): the LAN and loopback are allowed.</li>
 * </ul>
 */
public enum AddressPolicy {
    /** Only public unicast addresses; private, loopback, link-local, reserved and special ranges are refused. */
    PUBLIC_ONLY,
    /** Any address the host resolves to. */
    ANY
}

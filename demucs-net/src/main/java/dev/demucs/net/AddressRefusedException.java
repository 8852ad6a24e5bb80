package dev.demucs.net;

import java.net.UnknownHostException;

/**
 * Thrown inside OkHttp (from the {@link okhttp3.Dns} or the socket's connect) when an address is
 * refused; the fetcher turns it into {@link FetchException.Reason#REFUSED_ADDRESS}. A subclass of
 * {@link UnknownHostException} because that is what {@link okhttp3.Dns#lookup} may throw.
 */
final class AddressRefusedException extends UnknownHostException {
    AddressRefusedException(String message) {
        super(message);
    }
}

/**
 * The one fetcher of the product ({@link dev.demucs.net.Fetcher}): OkHttp with an address
 * policy chosen by the caller ({@link dev.demucs.net.AddressPolicy}), address vetting on every
 * hop and at connect time ({@link dev.demucs.net.AddressRanges}), connect/read time-outs, a
 * total deadline, a size cap, verified TLS, and one exception type
 * ({@link dev.demucs.net.FetchException}). Depends on no other demucs module.
 */
package dev.demucs.net;

/** The one fetcher: every download of the product, with the caller's address policy. */
module dev.demucs.net {
    requires transitive okhttp3;

    exports dev.demucs.net;
}

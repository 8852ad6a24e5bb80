package dev.demucs.cluster.s3;

import dev.demucs.testing.TestS3Server;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Settings and plain SDK clients for a {@link TestS3Server}. */
final class S3Testing {
    private S3Testing() {
    }

    /** Settings for objects at {@code location} on the server, with its credentials. */
    static S3Settings.Builder settings(TestS3Server server, String location) {
        return S3Settings.builder(S3Location.parse(location))
                .endpoint(server.endpoint())
                .region(TestS3Server.REGION)
                .credentials(TestS3Server.ACCESS_KEY, TestS3Server.SECRET_KEY, null);
    }

    /** A plain SDK client for the server, path-style (the caller closes it). */
    static S3Client client(TestS3Server server) {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(server.endpoint())
                .forcePathStyle(true)
                .region(Region.of(TestS3Server.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(credentials()))
                .build();
    }

    static AwsBasicCredentials credentials() {
        return AwsBasicCredentials.create(TestS3Server.ACCESS_KEY, TestS3Server.SECRET_KEY);
    }
}

package dev.demucs.cluster.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3SettingsTest {
    private static final S3Location JOBS = S3Location.parse("s3://demucs/jobs");

    @Test
    void withNothingSetItIsAwsWithTheDefaultChain() {
        S3Settings s = S3Settings.fromEnvironment(JOBS, Map.of()).build();
        assertNull(s.endpoint());
        assertEquals(S3Settings.DEFAULT_REGION, s.region());
        assertFalse(s.pathStyle());
        assertFalse(s.hasStaticCredentials());
        assertEquals(S3Settings.DEFAULT_PART_SIZE_BYTES, s.partSizeBytes());
    }

    @Test
    void theEnvironmentSetsEndpointRegionPathStyleAndCredentials() {
        S3Settings s = S3Settings.fromEnvironment(JOBS, Map.of(
                "AWS_ENDPOINT_URL", "http://minio:9000/",
                "AWS_REGION", "eu-central-1",
                "AWS_DEFAULT_REGION", "us-west-2",
                "AWS_ACCESS_KEY_ID", "AKID",
                "AWS_SECRET_ACCESS_KEY", "SECRET",
                "AWS_SESSION_TOKEN", "TOKEN")).build();
        assertEquals(URI.create("http://minio:9000"), s.endpoint());
        assertEquals("eu-central-1", s.region(), "AWS_REGION wins over AWS_DEFAULT_REGION");
        assertTrue(s.pathStyle(), "an endpoint turns path style on");
        assertEquals("AKID", s.accessKeyId());
        assertEquals("SECRET", s.secretAccessKey());
        assertEquals("TOKEN", s.sessionToken());
        assertFalse(s.toString().contains("SECRET") || s.toString().contains("TOKEN"), s.toString());
    }

    @Test
    void theS3SpecificEndpointWinsAndPathStyleCanBeTurnedOff() {
        S3Settings s = S3Settings.fromEnvironment(JOBS, Map.of(
                "AWS_ENDPOINT_URL", "http://elsewhere:1",
                "AWS_ENDPOINT_URL_S3", "https://acct.r2.cloudflarestorage.com",
                "AWS_DEFAULT_REGION", "auto",
                "DEMUCS_S3_PATH_STYLE", "false")).build();
        assertEquals(URI.create("https://acct.r2.cloudflarestorage.com"), s.endpoint());
        assertEquals("auto", s.region());
        assertFalse(s.pathStyle());
    }

    @Test
    void explicitSettingsWinOverTheEnvironment() {
        S3Settings s = S3Settings.fromEnvironment(JOBS, Map.of(
                        "AWS_ENDPOINT_URL", "http://minio:9000", "AWS_REGION", "eu-west-1",
                        "AWS_ACCESS_KEY_ID", "ENV", "AWS_SECRET_ACCESS_KEY", "ENVSECRET"))
                .endpoint(URI.create("http://127.0.0.1:9100"))
                .region("us-east-2")
                .pathStyle(false)
                .credentials("EXPLICIT", "EXPLICITSECRET", null)
                .build();
        assertEquals(URI.create("http://127.0.0.1:9100"), s.endpoint());
        assertEquals("us-east-2", s.region());
        assertFalse(s.pathStyle());
        assertEquals("EXPLICIT", s.accessKeyId());
        assertNull(s.sessionToken());
    }

    @Test
    void badValuesAreOneLineNamingTheSettingAndTheValue() {
        assertMessage("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both or neither",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_ACCESS_KEY_ID", "AKID")));
        assertMessage("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both or neither",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_SECRET_ACCESS_KEY", "S")));
        assertMessage("AWS_ENDPOINT_URL 'minio:9000' is not an S3 endpoint: expected http(s)://host[:port]",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_ENDPOINT_URL", "minio:9000")));
        assertMessage("AWS_ENDPOINT_URL_S3 'http://minio:9000/bucket' is not an S3 endpoint: expected http(s)://host[:port]",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_ENDPOINT_URL_S3", "http://minio:9000/bucket")));
        assertMessage("AWS_ENDPOINT_URL 'ftp://host' is not an S3 endpoint: expected http(s)://host[:port]",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_ENDPOINT_URL", "ftp://host")));
        assertMessage("AWS_ENDPOINT_URL 'http://u:p@host' is not an S3 endpoint: expected http(s)://host[:port]",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("AWS_ENDPOINT_URL", "http://u:p@host")));
        assertMessage("DEMUCS_S3_PATH_STYLE 'maybe' must be true or false",
                () -> S3Settings.fromEnvironment(JOBS, Map.of("DEMUCS_S3_PATH_STYLE", "maybe")));
        assertMessage("region 'EU West' must be lowercase letters, digits and '-' (e.g. us-east-1, auto)",
                () -> S3Settings.builder(JOBS).region("EU West").build());
        assertMessage("partSizeBytes 1024 is outside 5242880 to 536870912",
                () -> S3Settings.builder(JOBS).partSizeBytes(1024).build());
        assertMessage("credentials need both an access key id and a secret access key",
                () -> S3Settings.builder(JOBS).credentials("AKID", null, null).build());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}

package dev.demucs.cluster.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3LocationTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "s3://demucs|demucs|''",
        "s3://demucs/|demucs|''",
        "s3://demucs/jobs|demucs|jobs/",
        "s3://demucs/jobs/|demucs|jobs/",
        "S3://my.bucket-1/prod/jobs//|my.bucket-1|prod/jobs/",
        "s3://abc/a b/ü|abc|a b/ü/",
    })
    void parsesBucketAndPrefix(String uri, String bucket, String prefix) {
        S3Location l = S3Location.parse(uri);
        assertEquals(bucket, l.bucket());
        assertEquals(prefix, l.prefix());
        assertEquals(l, S3Location.parse(l.toString()), "toString parses back to the same location");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/mnt/shared|it must start with s3://",
        "http://demucs/jobs|it must start with s3://",
        "s3:/demucs|it must start with s3://",
        "s3://|the bucket name is missing",
        "s3:///jobs|the bucket name is missing",
        "s3://Demucs/jobs|bucket name 'Demucs' must be 3 to 63 lowercase letters",
        "s3://ab|bucket name 'ab' must be 3 to 63",
        "s3://-demucs|bucket name '-demucs'",
        "s3://demucs-|bucket name 'demucs-'",
        "s3://de..mucs|bucket name 'de..mucs'",
        "s3://192.168.0.1/x|bucket name '192.168.0.1'",
        "s3://user@host/x|bucket name 'user@host'",
        "s3://host:9000/x|bucket name 'host:9000'",
        "s3://demucs/a//b|the prefix must not have empty, '.' or '..' path segments",
        "s3://demucs/a/../b|the prefix must not have empty, '.' or '..' path segments",
        "s3://demucs/./b|the prefix must not have empty",
        "s3://demucs/jobs?x=1|the prefix must not contain control characters, '\\', '?' or '#'",
        "s3://demucs/jobs#x|the prefix must not contain",
        "s3://demucs/a\\b|the prefix must not contain",
    })
    void badUrisAreOneLineNamingTheUriAndTheRule(String uri, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3Location.parse(uri));
        assertTrue(e.getMessage().startsWith("'" + uri + "' is not a usable S3 location: " + reason), e.getMessage());
    }

    @Test
    void controlCharactersAndLongInputsStayOnOneShortLine() {
        String message = assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3://demucs/a\nb")).getMessage();
        assertFalse(message.contains("\n"), message);
        String longUri = "s3://demucs/" + "x".repeat(10_000);
        message = assertThrows(IllegalArgumentException.class, () -> S3Location.parse(longUri)).getMessage();
        assertTrue(message.length() < 400, message);
        assertTrue(message.endsWith("the prefix is longer than 512 characters"), message);
        assertThrows(IllegalArgumentException.class, () -> S3Location.parse(null));
    }

    @Test
    void keysAreNamesBelowThePrefixAndNeverEscapeIt() {
        S3Location l = S3Location.parse("s3://demucs/jobs");
        assertEquals("jobs/j1/segments/segment_000.m4a", l.key("j1/segments/segment_000.m4a"));
        for (String bad : new String[] {"", "/j1", "j1/../../etc", "j1//x", "j1/./x", "j1?x"}) {
            assertThrows(IllegalArgumentException.class, () -> l.key(bad), bad);
        }
    }

    @Test
    void theConstructorHoldsTheSameRules() {
        assertThrows(IllegalArgumentException.class, () -> new S3Location("demucs", "jobs"));
        assertThrows(IllegalArgumentException.class, () -> new S3Location("Demucs", ""));
        assertThrows(IllegalArgumentException.class, () -> new S3Location("demucs", "../"));
        assertEquals("s3://demucs/jobs/", new S3Location("demucs", "jobs/").toString());
    }
}

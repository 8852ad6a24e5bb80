package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CutPointsTest {

    @Test
    void parsesTheTemplateExample() {
        assertEquals(List.of(300.0, 600.0, 900.0), CutPoints.parse("300,600,900"));
        assertEquals(List.of(1.5, 2.25), CutPoints.parse(" 1.5 , 2.25 "));
    }

    @Test
    void blankMeansAutomatic() {
        assertEquals(List.of(), CutPoints.parse(null));
        assertEquals(List.of(), CutPoints.parse("  "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "300,abc,900 | 'abc' is not a number",
        "300,,900    | empty value",
        "-5,10       | -5 is negative",
        "0,10        | 0 is not a cut point",
        "300,200     | strictly increasing, 200 follows 300",
        "300,300     | strictly increasing, 300 follows 300",
        "10,NaN      | not a finite number",
        "10,Infinity | not a finite number",
    })
    void rejectsBadText(String text, String reason) {
        JobInputException e = assertThrows(JobInputException.class, () -> CutPoints.parse(text));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().startsWith("interval cut '" + text + "'"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void jobSpecValidatesToo() {
        assertThrows(JobInputException.class,
                () -> JobSpec.builder("x.wav", java.nio.file.Path.of("out")).cutPointsSeconds(List.of(5.0, 1.0)).build());
        assertThrows(JobInputException.class,
                () -> JobSpec.builder("x.wav", java.nio.file.Path.of("out")).segmentMaxSeconds(0).build());
        assertThrows(JobInputException.class,
                () -> JobSpec.builder(" ", java.nio.file.Path.of("out")).build());
        JobSpec d = JobSpec.defaults("x.wav", java.nio.file.Path.of("out"));
        assertEquals(300.0, d.segmentMaxSeconds());
        assertEquals("vocals", d.twoStem());
        assertEquals(d, d.toBuilder().build());
    }
}

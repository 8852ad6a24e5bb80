package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.demucs.core.DemucsException;
import dev.demucs.job.ProgressSnapshot.Details;
import dev.demucs.job.ProgressSnapshot.State;
import dev.demucs.job.ProgressSnapshot.TaskState;
import dev.demucs.job.ProgressSnapshot.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressFileTest {

    /** The template README's example, verbatim. */
    static final String TEMPLATE_EXAMPLE = """
            {
              "state": "demucs",
              "tasks": {
                "models": "done",
                "cutting": "no_work",
                "inference": "running",
                "conversion": "no_work"
              },
              "timestamp": 1704067200.0,
              "elapsed_seconds": 45.2,
              "details": {
                "models_ready": true,
                "completed_segments": 2,
                "total_segments": 4,
                "percent": 50.0
              }
            }
            """;

    @Test
    void writesExactlyTheTemplateExample() {
        ProgressSnapshot s = new ProgressSnapshot(State.DEMUCS,
                new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.RUNNING, TaskState.NO_WORK),
                1704067200.0, 45.2, new Details(true, 2, 4, 50.0, null));
        assertEquals(TEMPLATE_EXAMPLE, s.toJson());
        assertEquals(s, ProgressSnapshot.fromJson(TEMPLATE_EXAMPLE));
    }

    @Test
    void errorGoesInDetailsAndIsEscaped() throws Exception {
        ProgressSnapshot s = new ProgressSnapshot(State.ERROR,
                new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.NO_WORK, TaskState.NO_WORK),
                1764000000.1234567, 3.0, new Details(true, 0, 3, 12.5, "input 'a \"b\".wav': no such file"));
        JsonNode n = new ObjectMapper().readTree(s.toJson());
        assertEquals("error", n.get("state").asText());
        assertEquals("input 'a \"b\".wav': no such file", n.get("details").get("error").asText());
        // plain decimals, never an exponent, whatever the magnitude
        assertTrue(s.toJson().contains("\"timestamp\": 1764000000.123,"), s.toJson());
        assertEquals(List.of("models_ready", "completed_segments", "total_segments", "percent", "error"),
                fieldNames(n.get("details")));
        ProgressSnapshot back = ProgressSnapshot.fromJson(s.toJson());
        assertEquals(1764000000.123, back.timestamp());
        assertEquals(s.details(), back.details());
    }

    @Test
    void numbersArePlainDecimals() {
        assertEquals("0.0", ProgressSnapshot.number(0, 3));
        assertEquals("100.0", ProgressSnapshot.number(100, 2));
        assertEquals("33.33", ProgressSnapshot.number(100.0 / 3, 2));
        assertEquals("0.001", ProgressSnapshot.number(0.0012, 3));
        assertEquals("12345678901.5", ProgressSnapshot.number(12345678901.5, 3));
    }

    @Test
    void idleAndRoundTripThroughTheFile(@TempDir Path dir) {
        assertTrue(ProgressFile.read(dir).isEmpty());
        ProgressSnapshot idle = ProgressFile.idle(true);
        ProgressFile.write(dir, idle);
        ProgressSnapshot back = ProgressFile.read(dir).orElseThrow();
        assertEquals(State.IDLE, back.state());
        assertEquals(new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.NO_WORK, TaskState.NO_WORK), back.tasks());
        assertEquals(new Details(true, 0, 0, 0.0, null), back.details());
        assertTrue(Math.abs(back.timestamp() - System.currentTimeMillis() / 1000.0) < 60);
        assertEquals(TaskState.NO_WORK, ProgressFile.idle(false).tasks().models());
        assertFalse(ProgressFile.idle(false).details().modelsReady());
        assertNull(back.details().error());
    }

    @Test
    void corruptFileIsAClearError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("progress.txt"), "{\"state\": \"demucs\"");
        DemucsException e = assertThrows(DemucsException.class, () -> ProgressFile.read(dir));
        assertTrue(e.getMessage().contains("progress.txt"), e.getMessage());
    }

    /** A poller reading while a writer replaces the file never sees half a file. */
    @Test
    void readersNeverSeeAPartialFile(@TempDir Path dir) throws Exception {
        ProgressFile.write(dir, ProgressFile.idle(true));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    ProgressFile.read(dir).orElseThrow();
                    reads.incrementAndGet();
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            }
        });
        reader.start();
        // at least 2000 replacements, and on until the reader has read 100 times while they ran
        // (however late its thread got a core)
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        int writes = 0;
        while (writes < 2000 || reads.get() < 100 && System.nanoTime() < deadline) {
            int i = writes++;
            ProgressFile.write(dir, new ProgressSnapshot(State.DEMUCS,
                    new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.RUNNING, TaskState.NO_WORK),
                    i, i, new Details(true, i % 5, 5, i / 20.0, i % 2 == 0 ? "x".repeat(i % 300) : null)));
        }
        stop.set(true);
        reader.join();
        assertEquals(List.of(), failures);
        assertTrue(reads.get() >= 100, "reads while the file was replaced: " + reads.get());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("progress.txt"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left behind");
        }
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}

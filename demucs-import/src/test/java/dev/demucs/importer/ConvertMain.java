package dev.demucs.importer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Runs one conversion in a child JVM (for the memory-bounded full-size test) and prints its numbers. */
public final class ConvertMain {
    private ConvertMain() {
    }

    public static void main(String[] args) throws Exception {
        ImportReport r = CheckpointImporter.convert(Path.of(args[0]), Path.of(args[1]));
        String hwm = "";
        Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    hwm = line.replaceAll("[^0-9]", "");
                }
            }
        }
        System.out.println("seconds=" + r.seconds() + " params=" + r.parameterCount() + " vmhwm_kb=" + hwm);
    }
}

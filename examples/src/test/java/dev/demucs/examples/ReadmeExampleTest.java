package dev.demucs.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library example compiles as written, against this build's jars: the {@code java}
 * block under "The {@code Separator}" becomes the body of a method whose parameters are the three
 * values the example leaves to the reader ({@code stereo}, {@code outDir}, {@code listener}), with
 * the imports of the packages it names.
 */
class ReadmeExampleTest {

    private static final String SECTION = "### The `Separator`";

    @TempDir
    Path dir;

    @Test
    void theLibraryExampleCompiles() throws IOException {
        String snippet = javaBlockAfter(readme(), SECTION);
        String source = String.join("\n",
                "import dev.demucs.core.*;",
                "import dev.demucs.core.audio.*;",
                "import dev.demucs.ffmpeg.*;",
                "import java.nio.file.Path;",
                "",
                "class ReadmeExample {",
                "    static void example(float[][] stereo, Path outDir, ProgressListener listener) {",
                snippet,
                "    }",
                "}",
                "");
        Path file = dir.resolve("ReadmeExample.java");
        Files.writeString(file, source, StandardCharsets.UTF_8);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-d", dir.toString(),
                    "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(file)).call();
            String report = diagnostics.getDiagnostics().stream()
                    .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                    .collect(Collectors.joining("\n"));
            assertTrue(ok, "README example does not compile:\n" + report + "\n--- as compiled:\n" + source);
        }
    }

    private static String readme() throws IOException {
        Path root = Path.of(System.getProperty("demucs.repoRoot", ".."));
        Path readme = root.resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            readme = Path.of("README.md");
        }
        return Files.readString(readme, StandardCharsets.UTF_8);
    }

    /** The first fenced {@code java} block after the heading. */
    static String javaBlockAfter(String markdown, String heading) {
        int h = markdown.indexOf(heading);
        assertTrue(h >= 0, "README has no section " + heading);
        int start = markdown.indexOf("```java\n", h);
        assertTrue(start >= 0, "no java block after " + heading);
        start += "```java\n".length();
        int end = markdown.indexOf("```", start);
        return markdown.substring(start, end);
    }
}

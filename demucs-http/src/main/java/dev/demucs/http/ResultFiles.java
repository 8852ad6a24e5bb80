package dev.demucs.http;

import dev.demucs.job.JobLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A completed job's files: {@code GET|HEAD /result/{id}} (the mono MP3, or {@code ?file=NAME})
 * and {@code GET|HEAD /result/{id}/{name}}, with byte ranges ({@link FileResponder}). Only plain
 * names of regular files in the job's result folders are served; never a link, never a path.
 */
final class ResultFiles {
    /** File names a client may download: no path separators, no leading dot. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final JobStore store;

    ResultFiles(JobStore store) {
        this.store = store;
    }

    void register(Router router) {
        router.route("GET", "/result/{id}", (ex, p) -> result(ex, p.get(0), ex.query().getOrDefault("file", JobLayout.INSTRUMENTAL)))
                .route("HEAD", "/result/{id}", (ex, p) -> result(ex, p.get(0), ex.query().getOrDefault("file", JobLayout.INSTRUMENTAL)))
                .route("GET", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)))
                .route("HEAD", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)));
    }

    /** The result files of a job folder: the mono MP3, then segments/ and demucs_results/, sorted. */
    static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path instrumental = dir.resolve(JobLayout.INSTRUMENTAL);
        if (Files.isRegularFile(instrumental, LinkOption.NOFOLLOW_LINKS)) {
            out.add(instrumental);
        }
        for (String sub : JobLayout.RESULT_DIRS) {
            Path d = dir.resolve(sub);
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> s = Files.list(d)) {
                    out.addAll(s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                            .filter(f -> FILE_NAME.matcher(f.getFileName().toString()).matches())
                            .sorted().toList());
                }
            }
        }
        return out;
    }

    private void result(Exchange ex, String id, String name) throws IOException {
        JobRecord r = JobViews.job(store, id);
        if (!JobRecord.COMPLETED.equals(r.status())) {
            throw ApiException.conflict("job " + r.id() + " is not completed (status " + r.status()
                    + (r.error() != null ? ": " + r.error() : "") + ")");
        }
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            throw ApiException.notFound("no file '" + (name == null ? "" : JobRequest.clip(name)) + "' in job " + r.id());
        }
        Path dir = store.dir(r.id());
        List<Path> candidates = new ArrayList<>();
        if (name.equals(JobLayout.INSTRUMENTAL)) {
            candidates.add(dir.resolve(name));
        }
        candidates.add(dir.resolve(JobLayout.RESULTS).resolve(name));
        candidates.add(dir.resolve(JobLayout.SEGMENTS).resolve(name));
        for (Path f : candidates) {
            if (f.normalize().startsWith(dir) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                FileResponder.send(ex, f, name);
                return;
            }
        }
        throw ApiException.notFound("no file '" + name + "' in job " + r.id() + "; GET /job/" + r.id() + " lists its files");
    }
}

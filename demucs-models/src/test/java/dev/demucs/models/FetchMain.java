package dev.demucs.models;

import java.nio.file.Path;

/**
 * Child-process entry point for the two-process fetch test: resolves a model and prints its
 * first file; says STARTING just before it resolves. Args: cacheDir configDir baseUrl name.
 */
public final class FetchMain {
    private FetchMain() {
    }

    public static void main(String[] args) {
        ModelResolver r = ModelResolver.builder().cacheDir(Path.of(args[0])).configDir(Path.of(args[1]))
                .officialBaseUrl(args[2]).build();
        long start = System.currentTimeMillis();
        System.out.println("STARTING");
        System.out.flush();
        ResolvedModel m = r.resolve(args[3], DownloadListener.NONE);
        long end = System.currentTimeMillis();
        System.out.println("RESOLVED " + m.bag().members().get(0).onnx());
        System.out.println("TIMES " + start + " " + end);
    }
}

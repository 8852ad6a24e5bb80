package dev.demucs.s3testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/**
 * Runs S3Proxy with its filesystem backend on {@code 127.0.0.1} and a free port, for tests.
 * <pre>
 * java -cp target/classes:$(cat target/s3proxy.classpath) dev.demucs.s3testserver.S3ProxyMain DATA_DIR ACCESS_KEY SECRET_KEY
 * </pre>
 * Buckets are folders of {@code DATA_DIR}. Once listening it prints one line
 * {@code s3proxy-port=PORT} on standard output; it stops when its standard input reaches its end,
 * so it never outlives the test JVM that started it.
 */
public final class S3ProxyMain {
    /** The start-up line's prefix; the port follows it. */
    public static final String PORT_LINE = "s3proxy-port=";

    private S3ProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: S3ProxyMain DATA_DIR ACCESS_KEY SECRET_KEY");
            System.exit(2);
        }
        Path data = Files.createDirectories(Path.of(args[0]));
        Properties p = new Properties();
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.filesystem.basedir", data.toAbsolutePath().toString());
        p.setProperty("jclouds.identity", args[1]);
        p.setProperty("jclouds.credential", args[2]);
        p.setProperty("s3proxy.endpoint", "http://127.0.0.1:0");
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", args[1]);
        p.setProperty("s3proxy.credential", args[2]);
        S3Proxy proxy = S3Proxy.Builder.fromProperties(p)
                .blobStore(BlobStores.create("filesystem", p))
                .build();
        proxy.start();
        System.out.println(PORT_LINE + proxy.getPort());
        System.out.flush();
        waitForEndOfInput(System.in);
        proxy.stop();
        System.exit(0);
    }

    private static void waitForEndOfInput(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the parent's end of the pipe is gone: stop as at the end of input
        }
    }
}

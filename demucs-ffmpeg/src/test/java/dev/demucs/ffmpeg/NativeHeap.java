package dev.demucs.ffmpeg;

import com.sun.jna.Library;
import com.sun.jna.Structure;

import java.lang.management.ManagementFactory;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Bytes that native code other than the JVM itself (FFmpeg, JavaCPP) holds from malloc: glibc's
 * in-use count ({@code mallinfo2()}, all arenas plus mmapped chunks) minus the JVM's own mallocs as
 * its native memory tracking reports them (the module's tests run with
 * {@code -XX:NativeMemoryTracking=summary}, see the pom).
 *
 * <p>Unlike the resident size this does not move with page touching, file-backed pages evicted
 * and faulted back on a loaded machine, freed-but-cached allocator memory or the JIT compilers'
 * arenas; after a warm-up it stays within about 0.1 MB while the FFmpeg paths run hundreds of times,
 * and every AVCodecContext, AVFrame buffer or AVFormatContext left unfreed adds to it.
 */
final class NativeHeap {

    /** glibc's struct mallinfo2 (glibc 2.33 and later): ten size_t fields. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"})
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    /** The one libc function used. */
    public interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    private static final Pattern NMT_MALLOC = Pattern.compile("malloc: (\\d+)KB");
    private static final LibC LIBC = load();

    private NativeHeap() {
    }

    private static LibC load() {
        try {
            LibC c = com.sun.jna.Native.load("c", LibC.class);
            c.mallinfo2();
            return c;
        } catch (LinkageError | RuntimeException e) {
            return null; // not glibc, or older than 2.33
        }
    }

    /**
     * Non-JVM malloc'd bytes after a GC (which lets Cleaners and JavaCPP's deallocators run); the
     * smallest of three readings, each taken while the JVM's own count held still. Empty where glibc's
     * mallinfo2 or native memory tracking is unavailable, with the reason in {@link #unavailable()}.
     */
    static OptionalLong bytes() {
        if (unavailable() != null) {
            return OptionalLong.empty();
        }
        long best = Long.MAX_VALUE;
        for (int sample = 0; sample < 3; sample++) {
            System.gc();
            for (int attempt = 0; attempt < 10; attempt++) {
                long jvmBefore = jvmMalloc();
                MallInfo2 m = LIBC.mallinfo2();
                if (jvmMalloc() == jvmBefore) {
                    best = Math.min(best, m.uordblks + m.hblkhd - jvmBefore);
                    break;
                }
            }
        }
        return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
    }

    /** Why {@link #bytes()} is empty here, or null when it is not. */
    static String unavailable() {
        if (LIBC == null) {
            return "glibc's mallinfo2 is not available on this platform";
        }
        if (jvmMalloc() < 0) {
            return "the JVM runs without -XX:NativeMemoryTracking=summary";
        }
        return null;
    }

    /** The JVM's malloc total from native memory tracking (the "Total" section's malloc line), or -1. */
    private static long jvmMalloc() {
        try {
            Object summary = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = NMT_MALLOC.matcher(String.valueOf(summary));
            return m.find() ? Long.parseLong(m.group(1)) << 10 : -1;
        } catch (JMException | RuntimeException e) {
            return -1;
        }
    }
}

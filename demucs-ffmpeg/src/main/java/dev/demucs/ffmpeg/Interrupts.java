package dev.demucs.ffmpeg;

import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * FFmpeg's I/O interrupt callback, used as a deadline: every blocking network or file
 * operation of a format context polls it, and a non-zero answer aborts the operation with
 * AVERROR_EXIT. One native callback serves every context (JavaCPP callbacks are a scarce
 * resource); the context's {@code opaque} pointer holds the id of its {@link Deadline}.
 */
final class Interrupts {

    private static final Map<Long, Deadline> DEADLINES = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();
    private static final Callback CALLBACK;

    static {
        Native.init();
        CALLBACK = new Callback();
    }

    private Interrupts() {
    }

    /** The per-context deadline; set before each blocking call. */
    static final class Deadline implements AutoCloseable {
        private final long id;
        private final LongPointer opaque;
        private volatile long deadlineNanos = Long.MAX_VALUE;
        private volatile boolean fired;
        private volatile boolean aborted;

        private Deadline() {
            opaque = new LongPointer(1);
            opaque.put(0, IDS.incrementAndGet());
            id = opaque.address();
            DEADLINES.put(id, this);
        }

        /** Aborts calls running longer than {@code nanos} from now. */
        void arm(long nanos) {
            long now = System.nanoTime();
            deadlineNanos = nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
        }

        void disarm() {
            deadlineNanos = Long.MAX_VALUE;
        }

        /** Makes every further I/O call of the context fail at once (used by close from another thread). */
        void abort() {
            aborted = true;
        }

        /**
         * Whether this deadline has ever expired. Sticky: FFmpeg may keep the AVERROR_EXIT of an
         * interrupted read in its I/O context and return it from a later call.
         */
        boolean fired() {
            return fired;
        }

        boolean check() {
            if (aborted) {
                return true;
            }
            if (System.nanoTime() - deadlineNanos > 0 && deadlineNanos != Long.MAX_VALUE) {
                fired = true;
                return true;
            }
            return false;
        }

        @Override
        public void close() {
            DEADLINES.remove(id);
            opaque.close();
        }
    }

    /** Installs a new deadline on a format context (before avformat_open_input). */
    static Deadline install(AVFormatContext context) {
        Deadline deadline = new Deadline();
        AVIOInterruptCB cb = context.interrupt_callback();
        cb.callback(CALLBACK);
        cb.opaque(deadline.opaque);
        return deadline;
    }

    private static final class Callback extends AVIOInterruptCB.Callback_Pointer {
        @Override
        public int call(Pointer opaque) {
            if (opaque == null || opaque.isNull()) {
                return 0;
            }
            Deadline d = DEADLINES.get(opaque.address());
            return d != null && d.check() ? 1 : 0;
        }
    }
}

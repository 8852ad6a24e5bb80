package dev.demucs.benchmarks.report;

import dev.demucs.core.audio.StemSink;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passes every event to a sink and adds the CPU time of the calling thread spent in its
 * {@code write} and {@code complete} to a counter: behind an {@code AsyncStemSink} that is the
 * encoder thread's whole CPU time, which a process-wide figure cannot separate from the rest.
 */
final class ThreadCpuSink implements StemSink {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final StemSink target;
    private final AtomicLong cpuNanos;

    ThreadCpuSink(StemSink target, AtomicLong cpuNanos) {
        this.target = target;
        this.cpuNanos = cpuNanos;
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        target.begin(stems, sampleRate, channels);
    }

    @Override
    public void write(float[][][] block, int frames) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        target.write(block, frames);
        cpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - t0);
    }

    @Override
    public void complete() {
        long t0 = THREADS.getCurrentThreadCpuTime();
        target.complete();
        cpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - t0);
    }

    @Override
    public void close() {
        target.close();
    }
}

package dev.demucs.ffmpeg;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.StemSink;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link StemSink} on its own thread behind a bounded queue, so that encoding overlaps
 * with inference.
 *
 * <pre>
 * caller thread                         worker thread ("demucs-stem-sink")
 * begin(...)   → target.begin(...)      (on the caller, so open errors surface at once)
 * write(b, n)  → copy b → queue.put  →  target.write(copy, n)
 * complete()   → marker, wait        →  target.complete()
 * close()      → stop worker, join, then target.close() (on the caller)
 * </pre>
 *
 * <p>{@link #write} copies the lent block and returns as soon as the copy is queued; it blocks
 * only when {@code queueBlocks} blocks are already waiting (memory stays bounded by the queue).
 * An error of the wrapped sink is rethrown on the caller's next {@link #write} or
 * {@link #complete}. {@link #close()} without a successful {@link #complete()} discards what
 * was queued and closes the wrapped sink (which discards its partial output). Not for use by
 * several producer threads.
 */
public final class AsyncStemSink implements StemSink {

    private static final Object COMPLETE = new Object();
    private static final Object STOP = new Object();

    private final StemSink target;
    private final BlockingQueue<Object> queue;
    private volatile Throwable failure;
    private volatile boolean targetCompleted;
    private Thread worker;
    private boolean completed;
    private boolean closed;

    /** A block copied off the caller's arrays. */
    private record Block(float[][][] data, int frames) {
    }

    /**
     * @param target      the sink to run on the worker thread; closed by {@link #close()}
     * @param queueBlocks how many blocks may wait, ≥ 1
     */
    public AsyncStemSink(StemSink target, int queueBlocks) {
        this.target = Objects.requireNonNull(target, "target");
        if (queueBlocks < 1) {
            throw new IllegalArgumentException("queueBlocks must be >= 1, got " + queueBlocks);
        }
        this.queue = new ArrayBlockingQueue<>(queueBlocks + 1);
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        if (closed || worker != null) {
            throw new IllegalStateException(closed ? "sink is closed" : "begin called twice");
        }
        target.begin(stems, sampleRate, channels);
        worker = new Thread(this::drain, "demucs-stem-sink");
        worker.setDaemon(true);
        worker.start();
    }

    private void drain() {
        try {
            while (true) {
                Object item = queue.take();
                if (item == STOP) {
                    return;
                }
                if (item == COMPLETE) {
                    target.complete();
                    targetCompleted = true;
                    return;
                }
                Block block = (Block) item;
                target.write(block.data(), block.frames());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            queue.clear(); // unblock a producer waiting on a full queue
        }
    }

    @Override
    public void write(float[][][] block, int frames) {
        checkOpen();
        rethrowFailure();
        float[][][] copy = new float[block.length][][];
        for (int s = 0; s < block.length; s++) {
            copy[s] = new float[block[s].length][];
            for (int c = 0; c < block[s].length; c++) {
                copy[s][c] = java.util.Arrays.copyOf(block[s][c], frames);
            }
        }
        put(new Block(copy, frames));
        rethrowFailure();
    }

    @Override
    public void complete() {
        checkOpen();
        rethrowFailure();
        put(COMPLETE);
        join();
        rethrowFailure();
        if (!targetCompleted) {
            throw new AudioIOException("stem writer stopped before completing");
        }
        completed = true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (worker != null && worker.isAlive()) {
                queue.clear();
                queue.offer(STOP);
                join();
            }
        } finally {
            target.close();
        }
    }

    private void checkOpen() {
        if (worker == null || completed || closed) {
            throw new IllegalStateException("write/complete outside begin … close");
        }
    }

    private void put(Object item) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (failure != null || !worker.isAlive()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AudioIOException("interrupted while queueing stem audio", e);
        }
    }

    private void join() {
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void rethrowFailure() {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AudioIOException("stem writer failed: " + t, t);
    }
}

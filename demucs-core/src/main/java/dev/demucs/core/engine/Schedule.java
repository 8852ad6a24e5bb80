package dev.demucs.core.engine;

/**
 * The chunks of one (model, shift) pass over the track, with upstream's geometry
 * ({@code apply_model} with shifts, then split):
 *
 * <pre>
 * shifted track   y[t] = x[t + delta], t in [0, shiftedFrames), delta = offset − 22050 in [−22050, 0]
 *                 (0 without shifts); samples outside x are zeros
 * chunk i         q = i·stride, n = min(segment, shiftedFrames − q)
 * model window    y[q − (segment − n)/2, + segment), i.e. x[q + delta − (segment − n)/2, + segment)
 * kept output     window samples [(segment − n)/2, + n) → y[q, q + n) → x[q + delta, + n)
 * result          x in [0, trackFrames)
 * </pre>
 */
final class Schedule {

    final int index;
    final ModelRunner runner;
    final int shiftIndex;
    final long delta;
    final long trackFrames;
    final long shiftedFrames;
    /** Chunk length: the model's segment or the shorter override. */
    final int segment;
    final int stride;
    final int chunkCount;
    final float[] weights;
    final OverlapAdd overlapAdd;
    int nextPrepared;
    int nextPosted;

    Schedule(int index, ModelRunner runner, int shiftIndex, long delta, long trackFrames, int segment, int stride,
             float[] weights) {
        this.index = index;
        this.runner = runner;
        this.shiftIndex = shiftIndex;
        this.delta = delta;
        this.trackFrames = trackFrames;
        this.shiftedFrames = trackFrames - delta;
        this.segment = segment;
        this.stride = stride;
        this.chunkCount = trackFrames == 0 ? 0 : Math.toIntExact((shiftedFrames + stride - 1) / stride);
        this.weights = weights;
        // Frames between the emission point and the furthest chunk added: at most about two segments
        // plus a stride (schedules advance together); never more than the track.
        long span = Math.min(2L * segment + stride + 4096, trackFrames + 1);
        this.overlapAdd = new OverlapAdd(runner.spec.sources().size(), (int) span);
    }

    long chunkOffset(int i) {
        return (long) i * stride;
    }

    int chunkFrames(int i) {
        return (int) Math.min(segment, shiftedFrames - chunkOffset(i));
    }

    int trimLeft(int i) {
        return (segment - chunkFrames(i)) / 2;
    }

    /** First track frame of the model window of chunk i. */
    long windowStart(int i) {
        return chunkOffset(i) + delta - trimLeft(i);
    }

    /** A lower bound of the window starts of every chunk not yet prepared. */
    long lowestPendingWindowStart() {
        return nextPrepared < chunkCount ? chunkOffset(nextPrepared) + delta - segment / 2 : Long.MAX_VALUE;
    }

    /** Track frames before this position are final for this schedule (no chunk left to add there). */
    long finalUpTo() {
        return nextPosted < chunkCount ? Math.max(0, chunkOffset(nextPosted) + delta) : trackFrames;
    }

    boolean hasUnprepared() {
        return nextPrepared < chunkCount;
    }
}

package dev.demucs.http;

import dev.demucs.job.JobListener;
import dev.demucs.job.queue.DirectoryJobFiles;
import dev.demucs.job.queue.FileJobQueue;
import dev.demucs.job.queue.JobQueue;
import java.net.InetAddress;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What tests may replace in a server: the job queue of the default file store (to make writes
 * fail), a listener told every job's progress (to hold a run at a known point), and which
 * callers count as the machine itself.
 *
 * @param queue       makes the single-server queue over the data directory's job folders
 * @param jobHook     told every progress update of every job, after the server's own listener
 * @param localCaller true for a caller address that may skip a generated token
 */
record Seams(Function<DirectoryJobFiles, JobQueue> queue, JobListener jobHook, Predicate<InetAddress> localCaller) {
    static final Seams NONE = new Seams(FileJobQueue::new, JobListener.NONE, InetAddress::isLoopbackAddress);

    Seams withQueue(Function<DirectoryJobFiles, JobQueue> q) {
        return new Seams(q, jobHook, localCaller);
    }

    Seams withJobHook(JobListener h) {
        return new Seams(queue, h, localCaller);
    }

    Seams withLocalCaller(Predicate<InetAddress> l) {
        return new Seams(queue, jobHook, l);
    }
}

package dev.demucs.http;

import dev.demucs.job.JobListener;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What tests may replace in a server: the job store (to make writes fail), a listener told every
 * job's progress (to hold a run at a known point), and which callers count as the machine itself.
 *
 * @param store      makes the store from the data directory
 * @param jobHook    told every progress update of every job, after the server's own listener
 * @param localCaller true for a caller address that may skip a generated token
 */
record Seams(Function<Path, JobStore> store, JobListener jobHook, Predicate<InetAddress> localCaller) {
    static final Seams NONE = new Seams(JobStore::new, JobListener.NONE, InetAddress::isLoopbackAddress);

    Seams withStore(Function<Path, JobStore> s) {
        return new Seams(s, jobHook, localCaller);
    }

    Seams withJobHook(JobListener h) {
        return new Seams(store, h, localCaller);
    }

    Seams withLocalCaller(Predicate<InetAddress> l) {
        return new Seams(store, jobHook, l);
    }
}

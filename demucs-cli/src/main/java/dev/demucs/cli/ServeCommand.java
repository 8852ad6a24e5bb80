package dev.demucs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code demucs-separate serve}: runs the HTTP job service. (Being written: issue 5.) */
@Command(name = "serve", description = "Run the REST job service (port 8185).")
public final class ServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("serve is being written");
    }
}

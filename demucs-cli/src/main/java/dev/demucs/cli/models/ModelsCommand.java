package dev.demucs.cli.models;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code demucs-separate models ...}: model management. (Being written: issue 6.) */
@Command(name = "models", description = "List, fetch, verify, inspect and import models.")
public final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("models is being written");
    }
}

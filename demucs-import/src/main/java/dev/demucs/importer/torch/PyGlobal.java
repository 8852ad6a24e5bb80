package dev.demucs.importer.torch;

/**
 * A Python global (a class or function) named by a pickle: never resolved to code.
 *
 * @param module the module, e.g. {@code demucs.htdemucs}
 * @param name   the qualified name inside the module, e.g. {@code HTDemucs}
 */
public record PyGlobal(String module, String name) {
    /** {@code module.name}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}

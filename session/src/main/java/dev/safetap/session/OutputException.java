package dev.safetap.session;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import java.io.IOException;
import java.util.List;

/** The output could not be written (a full disk, an I/O error): tracing stopped at once, as nothing it printed would be seen. */
public final class OutputException extends SafetapException {
    private OutputException(String message) {
        super(Stage.RUNTIME, message, List.of(Diagnostic.at("safetap", 0, 0, message, "")), null);
    }

    /** A write to standard output failed with {@code cause} (null when the stream does not say). */
    static OutputException failed(IOException cause) {
        String why = cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
        return new OutputException("cannot write to standard output" + why + ", so tracing stopped: free space on its"
                + " device or redirect the output elsewhere");
    }

    /** The flame graph could not be written to {@code file}. */
    static OutputException flameGraph(java.nio.file.Path file, Exception cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new OutputException("cannot write the flame graph to " + Diagnostic.printable(file.toString()) + " ("
                + Diagnostic.printable(why) + "): the maps were printed as usual");
    }

    @Override
    public String render() {
        return "safetap: " + getMessage() + "\n";
    }
}

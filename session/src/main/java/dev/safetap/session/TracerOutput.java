package dev.safetap.session;

import dev.safetap.kernel.LibC;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The tracer's standard output: a {@link PrintStream} (which, like {@code System.out}, never throws) that
 * remembers why its first write failed, so that a run can tell a closed pipe ({@code safetap ... | head -1}:
 * stop at once and quietly, as bpftrace dies of SIGPIPE) from a failing file ({@code > /dev/full}: an error).
 */
public final class TracerOutput extends PrintStream {
    private static final int EPIPE = 32;

    private final Recorder recorder;

    private TracerOutput(Recorder recorder, Charset charset) {
        super(new BufferedOutputStream(recorder, 8192), true, charset);
        this.recorder = recorder;
    }

    /** A stream on file descriptor 1, in the encoding {@code System.out} uses. */
    public static TracerOutput stdout() {
        String encoding = System.getProperty("sun.stdout.encoding");
        Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding)
                : Charset.defaultCharset();
        return new TracerOutput(new Recorder(new FileOutputStream(FileDescriptor.out)), charset);
    }

    /** Why the first write failed, or null if none did. */
    IOException failure() {
        return recorder.failure;
    }

    /** True if writing failed because the reader of the pipe has gone (EPIPE). */
    boolean readerGone() {
        return recorder.failure != null && LibC.strerror(EPIPE).equals(recorder.failure.getMessage());
    }

    private static final class Recorder extends OutputStream {
        private final OutputStream out;
        private volatile IOException failure;

        Recorder(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
                throw e;
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}

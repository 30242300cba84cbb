// A JIT-compiled hot loop for the stack tests: `JitHot MS` spends MS ms of wall time in spinHot.
public class JitHot {
    static volatile long sink;
    static long spinHot(long n) { long s = 0; for (long i = 0; i < n; i++) { s += i * 31 ^ (s >>> 3); } return s; }
    public static void main(String[] a) {
        long end = System.nanoTime() + Long.parseLong(a[0]) * 1_000_000L;
        while (System.nanoTime() < end) { sink += spinHot(100_000); }
    }
}

package dev.safetap.vm;

import dev.safetap.bytecode.StackKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The stacks and symbols of a run, each stored once: a {@link dev.safetap.bytecode.ValueType#STACK} value is the id
 * of its entry here, so equal stacks are equal integers wherever they are kept (map keys, values, registers), and
 * they are named only when printed, through {@link CodeSymbols}.
 *
 * <p>An entry is a {@link StackKind}, the process whose addresses they are (user stacks and symbols; 0 for the
 * kernel's) and its frames. Id {@link #EMPTY} is the stack without frames, id {@link #FULL} what a stack becomes when
 * the table has no room left for it: it prints as {@code [stack table full]}, and {@link #overflowed()} counts them,
 * so a full table is visible rather than folded into another stack. The arrays are allocated once, by
 * {@link #reserve}, before events flow; taking a stack allocates nothing.
 *
 * <p>Safe for several threads: lookups read without a lock (an entry is written before the index slot that
 * publishes it, with release and acquire ordering), and insertions take the table's lock.
 */
public final class StackTable {
    /** The stack without frames (an event without a call chain, a task without user space). */
    public static final int EMPTY = 0;
    /** A stack the full table could not hold. */
    public static final int FULL = 1;
    /** Distinct stacks and symbols a run may hold by default. */
    public static final int DEFAULT_STACKS = 1 << 15;
    /** Frames all of them may hold by default, 8 bytes each. */
    public static final int DEFAULT_FRAMES = 1 << 20;
    /** Spaces before each frame of a stack printed in a map key (bpftrace 0.17). */
    public static final int KEY_INDENT = 4;
    /** Spaces before each frame of a stack printed as a value, by printf or print (bpftrace 0.17). */
    public static final int VALUE_INDENT = 8;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final long MARKER_FLOOR = -4095;

    private final CodeSymbols symbols;
    private final int maxStacks;
    private final int maxFrames;

    private long[] frames = new long[0];
    private int[] start = new int[0];
    private short[] length = new short[0];
    private int[] pid = new int[0];
    private byte[] kind = new byte[0];
    private int[] index = new int[0];
    private volatile boolean reserved;
    private int entries = 2;
    private int framesUsed;
    private volatile long overflowed;

    /** A table of at most {@code maxStacks} entries holding at most {@code maxFrames} frames, named by {@code symbols}. */
    public StackTable(CodeSymbols symbols, int maxStacks, int maxFrames) {
        this.symbols = symbols;
        this.maxStacks = Math.max(2, maxStacks);
        this.maxFrames = Math.max(1, maxFrames);
    }

    /** A table of the default size. */
    public StackTable(CodeSymbols symbols) {
        this(symbols, DEFAULT_STACKS, DEFAULT_FRAMES);
    }

    /** The bytes a table of {@code maxStacks} and {@code maxFrames} takes once reserved. */
    public static long bytes(int maxStacks, int maxFrames) {
        return 8L * maxFrames + 15L * maxStacks + 4L * indexSize(maxStacks);
    }

    private static int indexSize(int stacks) {
        return Integer.highestOneBit(Math.max(2, stacks) - 1) << 2;
    }

    /** Allocates the table, once; a program that takes stacks does so before its first event. */
    public synchronized void reserve() {
        if (reserved) {
            return;
        }
        frames = new long[maxFrames];
        start = new int[maxStacks];
        length = new short[maxStacks];
        pid = new int[maxStacks];
        kind = new byte[maxStacks];
        index = new int[indexSize(maxStacks)];
        reserved = true;
    }

    /** The stacks the full table turned into {@link #FULL}. */
    public long overflowed() {
        return overflowed;
    }

    /** The entries held, {@link #EMPTY} and {@link #FULL} included. */
    public synchronized int size() {
        return entries;
    }

    public CodeSymbols symbols() {
        return symbols;
    }

    /**
     * The id of the stack of {@code kind} in a perf call chain: the {@code count} u64 entries of {@code chain} from
     * {@code offset}, where the kernel's frames follow a {@code PERF_CONTEXT_KERNEL} marker and the user's a
     * {@code PERF_CONTEXT_USER} one; at most {@code most} frames, innermost first. A user stack is that of process
     * {@code owner}.
     */
    public int stack(StackKind kind, int owner, ByteBuffer chain, int offset, int count, int most) {
        long marker = kind.user() ? -512 : -128;
        int from = -1;
        int n = 0;
        for (int i = 0; i < count; i++) {
            long v = chain.getLong(offset + 8 * i);
            if (v >= MARKER_FLOOR && v < 0) {
                if (from >= 0) {
                    break;
                }
                if (v == marker) {
                    from = i + 1;
                }
            } else if (from >= 0) {
                n++;
            }
        }
        n = Math.min(n, most);
        if (from < 0 || n == 0) {
            return EMPTY;
        }
        int who = kind.user() ? owner : 0;
        int h = hash(kind, who, chain, offset + 8 * from, n);
        return intern(kind, who, chain, offset + 8 * from, n, h);
    }

    /**
     * The id of the stack of {@code kind} of the event in {@code ctx}, at most {@code most} frames: a user stack
     * walked from the sample's user registers and stack where it copied them ({@link EventContext#userState}), else
     * the part of the event's call chain {@link #stack(StackKind, int, ByteBuffer, int, int, int)} takes.
     */
    public int stack(StackKind kind, EventContext ctx, int most) {
        if (kind.user() && ctx.userState) {
            int n = Math.min(ctx.userFrames(), most);
            if (n <= 0) {
                return EMPTY;
            }
            long[] walked = ctx.userFrames;
            int h = kind.code() * 31 + ctx.pid;
            for (int f = 0; f < n; f++) {
                h = h * 31 + Long.hashCode(walked[f]);
            }
            return intern(kind, ctx.pid, null, walked, 0, n, mix(h), 0);
        }
        return stack(kind, ctx.pid, ctx.record, ctx.callchainOffset, ctx.callchainLength, most);
    }

    /** The id of the single code address {@code address} of {@code kind} ({@link StackKind#KERNEL_SYMBOL} or user). */
    public int symbol(StackKind kind, int owner, long address) {
        int who = kind.user() ? owner : 0;
        return intern(kind, who, null, null, 0, 1, mix((kind.code() * 31 + who) * 31 + Long.hashCode(address)), address);
    }

    private int intern(StackKind k, int who, ByteBuffer chain, int at, int n, int h) {
        return intern(k, who, chain, null, at, n, h, 0);
    }

    /**
     * The id of {@code n} frames, each {@link #frame} of {@code chain} (u64 entries from byte {@code at}), of
     * {@code walked} (from index {@code at}) or, with neither, {@code single}.
     */
    private int intern(StackKind k, int who, ByteBuffer chain, long[] walked, int at, int n, int h, long single) {
        if (!reserved) {
            return FULL;
        }
        int[] slots = index;
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int id = (int) SLOT.getAcquire(slots, i);
            if (id == 0) {
                break;
            }
            if (matches(id, k, who, chain, walked, at, n, single)) {
                return id;
            }
        }
        synchronized (this) {
            int i = h & mask;
            for (; ; i = (i + 1) & mask) {
                int id = slots[i];
                if (id == 0) {
                    break;
                }
                if (matches(id, k, who, chain, walked, at, n, single)) {
                    return id;
                }
            }
            if (entries >= maxStacks || framesUsed + n > maxFrames) {
                overflowed++;
                return FULL;
            }
            int id = entries++;
            start[id] = framesUsed;
            length[id] = (short) n;
            pid[id] = who;
            kind[id] = (byte) k.code();
            for (int f = 0; f < n; f++) {
                frames[framesUsed + f] = frame(chain, walked, at, f, single);
            }
            framesUsed += n;
            SLOT.setRelease(slots, i, id);
            return id;
        }
    }

    private boolean matches(int id, StackKind k, int who, ByteBuffer chain, long[] walked, int at, int n, long single) {
        if (kind[id] != k.code() || pid[id] != who || length[id] != n) {
            return false;
        }
        int s = start[id];
        for (int f = 0; f < n; f++) {
            if (frames[s + f] != frame(chain, walked, at, f, single)) {
                return false;
            }
        }
        return true;
    }

    private static long frame(ByteBuffer chain, long[] walked, int at, int f, long single) {
        return walked != null ? walked[at + f] : chain != null ? chain.getLong(at + 8 * f) : single;
    }

    private static int hash(StackKind k, int who, ByteBuffer chain, int at, int n) {
        int h = k.code() * 31 + who;
        for (int f = 0; f < n; f++) {
            h = h * 31 + Long.hashCode(chain.getLong(at + 8 * f));
        }
        return mix(h);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    // ---- reading and printing, off the event path

    /** The kind of entry {@code id}; null for {@link #EMPTY} and {@link #FULL} and ids the table does not hold. */
    public synchronized StackKind kindOf(int id) {
        return id > FULL && id < entries ? StackKind.fromCode(kind[id]) : null;
    }

    /** The frames of entry {@code id}, innermost first; none for {@link #EMPTY}, {@link #FULL} and unknown ids. */
    public synchronized long[] frames(int id) {
        if (id <= FULL || id >= entries) {
            return new long[0];
        }
        long[] out = new long[length[id]];
        System.arraycopy(frames, start[id], out, 0, out.length);
        return out;
    }

    /** The process of a user entry, 0 for the kernel's and unknown ids. */
    public synchronized int owner(int id) {
        return id > FULL && id < entries ? pid[id] : 0;
    }

    /**
     * Entry {@code id} as bpftrace 0.17 prints it: a symbol by its name (or its address in hex when unknown); a stack
     * as a newline, then one line per frame, {@code indent} spaces and {@code symbol+offset} (perf mode: a tab, the
     * address in hex, the symbol and, for user frames, the file in parentheses); the empty stack as nothing.
     */
    public String text(long id, int indent) {
        StringBuilder sb = new StringBuilder();
        append(sb, id, indent);
        return sb.toString();
    }

    /** Appends {@link #text}. */
    public void append(StringBuilder sb, long id, int indent) {
        if (id == FULL) {
            sb.append('\n').append(" ".repeat(indent)).append("[stack table full]\n");
            return;
        }
        StackKind k = kindOf((int) Math.min(id, Integer.MAX_VALUE));
        if (k == null) {
            return;
        }
        long[] addresses = frames((int) id);
        int owner = owner((int) id);
        if (k.symbol()) {
            CodeSymbols.Named s = name(k, owner, addresses[0]);
            sb.append(s == null ? hex(addresses[0]) : printable(s.name()));
            return;
        }
        sb.append('\n');
        for (long address : addresses) {
            CodeSymbols.Named s = name(k, owner, address);
            String at = s == null ? hex(address) : printable(s.name()) + "+" + s.offset();
            if (k.perf()) {
                sb.append('\t').append(Long.toHexString(address)).append(' ').append(at);
                if (k.user()) {
                    sb.append(" (").append(s == null || s.file() == null ? "[unknown]" : printable(s.file())).append(')');
                }
            } else {
                sb.append(" ".repeat(indent)).append(at);
            }
            sb.append('\n');
        }
    }

    /**
     * The frames of entry {@code id} by name alone, outermost first, as folded stacks and flame graphs show them: an
     * address nothing names in hex, {@code ;} in a name as {@code :} (it separates frames there). None for the empty
     * stack; {@code [stack table full]} for {@link #FULL}.
     */
    public List<String> foldedFrames(long id) {
        if (id == FULL) {
            return List.of("[stack table full]");
        }
        StackKind k = kindOf((int) Math.min(id, Integer.MAX_VALUE));
        if (k == null) {
            return List.of();
        }
        long[] addresses = frames((int) id);
        int owner = owner((int) id);
        List<String> names = new ArrayList<>(addresses.length);
        for (int f = addresses.length - 1; f >= 0; f--) {
            CodeSymbols.Named s = name(k, owner, addresses[f]);
            names.add(s == null ? hex(addresses[f]) : printable(s.name()).replace(';', ':'));
        }
        return names;
    }

    /** Whether entry {@code id} holds user addresses. */
    public boolean user(long id) {
        StackKind k = kindOf((int) Math.min(id, Integer.MAX_VALUE));
        return k != null && k.user();
    }

    private CodeSymbols.Named name(StackKind k, int owner, long address) {
        try {
            return k.user() ? symbols.user(owner, address) : symbols.kernel(address);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A name from a file of the traced system, its control characters shown as {@code ?}. */
    private static String printable(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                StringBuilder sb = new StringBuilder(name);
                for (int j = i; j < sb.length(); j++) {
                    if (sb.charAt(j) < 0x20 || sb.charAt(j) == 0x7f) {
                        sb.setCharAt(j, '?');
                    }
                }
                return sb.toString();
            }
        }
        return name;
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}

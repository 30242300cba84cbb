package dev.safetap.symbols;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a perf sample copied of a thread's user state: the registers of PERF_SAMPLE_REGS_USER and the top of the
 * user stack of PERF_SAMPLE_STACK_USER. Nothing else of the process's memory is ever read by an unwinder: a word
 * outside these bytes is unknown.
 *
 * <p>{@code registers} holds one value per set bit of {@code registerMask}, in ascending bit order, as the sample
 * lays them out ({@link X86Register#perf} gives the bits). {@code stack} holds the copied bytes at
 * {@code [stackOffset, stackOffset + stackSize)}, the first of them the byte at the sampled stack pointer;
 * {@code stackSize} is the bytes in use (perf's {@code dyn_size}). Whatever the buffer's byte order, words are
 * read little-endian. Inconsistent values (a mask naming more registers than given, a size past the buffer's
 * limit) are not refused: the registers or bytes that are not there are unknown.
 *
 * <p>The stack's base address and readable size are computed when built or {@link #set}: the arrays and buffer
 * are the caller's and are not copied, so they must not change while an unwinder reads them.
 */
public final class UserStack {
    /** Registers an unwinder needs at least: the instruction, stack and frame pointers. */
    public static final long MINIMUM_MASK = X86Register.IP.mask() | X86Register.SP.mask() | X86Register.BP.mask();
    /**
     * The registers to ask for: every general register with a DWARF number (bits 0-8 and 16-23). Call frame
     * information may compute a CFA from any of them (r10 in a function that realigns its stack), and the
     * callee-saved ones (rbx, rbp, r12-r15) are restored frame by frame.
     */
    public static final long GENERAL_MASK = 0xff01ffL;
    /** The most user stack perf copies per sample (the kernel caps sample_stack_user below 64 KiB). */
    public static final int MAX_STACK = 65528;

    private long registerMask;
    private long[] registers;
    private ByteBuffer stack;
    private int stackOffset;
    private int stackSize;
    private long base;
    private int readable;

    /**
     * A sample's user state.
     *
     * @param registerMask the {@code sample_regs_user} mask the event asked for
     * @param registers    the sampled values, one per bit of the mask
     * @param stack        the buffer holding the copied stack (not modified; its position is not used, and bytes
     *                     past its limit are not read)
     * @param stackOffset  where the copied stack starts in {@code stack}
     * @param stackSize    how many copied bytes are valid
     */
    public UserStack(long registerMask, long[] registers, ByteBuffer stack, int stackOffset, int stackSize) {
        set(registerMask, registers, stack, stackOffset, stackSize);
    }

    /** A user state without registers or stack, to be {@link #set} before each walk. */
    public UserStack() {
        this(0, null, null, 0, 0);
    }

    /**
     * Makes this the user state of another sample, as the constructor of the same arguments would, so that the
     * thread delivering events reuses one object for all of them.
     */
    public UserStack set(long registerMask, long[] registers, ByteBuffer stack, int stackOffset, int stackSize) {
        this.registerMask = registerMask;
        this.registers = registers;
        this.stack = stack;
        this.stackOffset = stackOffset;
        this.stackSize = stackSize;
        this.base = value(X86Register.SP);
        boolean usable = stack != null && stackOffset >= 0 && stackSize > 0 && stackOffset <= stack.limit()
                && has(X86Register.SP);
        this.readable = usable ? Math.min(stackSize, stack.limit() - stackOffset) : 0;
        return this;
    }

    /** The {@code sample_regs_user} mask the registers were sampled with. */
    public long registerMask() {
        return registerMask;
    }

    /** The sampled values, one per bit of {@link #registerMask}. */
    public long[] registers() {
        return registers;
    }

    /** The buffer holding the copied stack. */
    public ByteBuffer stack() {
        return stack;
    }

    /** Where the copied stack starts in {@link #stack}. */
    public int stackOffset() {
        return stackOffset;
    }

    /** How many copied bytes the sample says are valid. */
    public int stackSize() {
        return stackSize;
    }

    /** Whether {@code register} was sampled. */
    public boolean has(X86Register register) {
        return index(register) >= 0;
    }

    /** The sampled value of {@code register}; 0 when it was not sampled (check {@link #has}). */
    public long value(X86Register register) {
        int i = index(register);
        return i < 0 ? 0 : registers[i];
    }

    /** The address of the first copied byte: the sampled stack pointer (0 when SP was not sampled). */
    public long base() {
        return base;
    }

    /** How many copied bytes can be read: {@code stackSize}, less what lies outside the buffer. */
    public int readableBytes() {
        return readable;
    }

    /** Whether the {@code length} bytes at {@code address} are all among the copied ones. */
    public boolean holds(long address, int length) {
        long from = address - base;
        return from >= 0 && from <= readable - (long) length && Long.compareUnsigned(address, base) >= 0;
    }

    /** The 8-byte little-endian word at {@code address}; only meaningful when {@link #holds}{@code (address, 8)}. */
    public long word(long address) {
        long word = stack.getLong(stackOffset + (int) (address - base));
        return stack.order() == ByteOrder.LITTLE_ENDIAN ? word : Long.reverseBytes(word);
    }

    /**
     * The {@code size}-byte (1 to 8) little-endian value at {@code address}, zero-extended; only meaningful when
     * {@link #holds}{@code (address, size)}.
     */
    long read(long address, int size) {
        if (size == 8) {
            return word(address);
        }
        int at = stackOffset + (int) (address - base);
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (stack.get(at + i) & 0xffL) << (8 * i);
        }
        return value;
    }

    private int index(X86Register register) {
        long bit = register.mask();
        if ((registerMask & bit) == 0 || registers == null) {
            return -1;
        }
        int i = Long.bitCount(registerMask & (bit - 1));
        return i < registers.length ? i : -1;
    }
}

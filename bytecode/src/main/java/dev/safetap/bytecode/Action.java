package dev.safetap.bytecode;

/** The code a probe runs: {@code registers} registers r0..r(registers-1) and the encoded instructions. */
public record Action(int registers, byte[] code) {
}

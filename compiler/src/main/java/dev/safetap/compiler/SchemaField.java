package dev.safetap.compiler;

/**
 * One field of a tracepoint format, as a tracefs format line gives it: {@code field:char comm[16];
 * offset:8; size:16; signed:0;} is type "char", name "comm", arrayLength 16. {@code dataLoc} is true
 * for {@code __data_loc} fields; {@code common} for the {@code common_} fields every record starts with.
 */
public record SchemaField(String type, String name, int offset, int size, boolean signed,
        boolean common, int arrayLength, boolean dataLoc) {
}

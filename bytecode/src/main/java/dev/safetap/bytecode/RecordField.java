package dev.safetap.bytecode;

/**
 * One field of a record format as the kernel describes it, e.g. the tracefs line {@code field:char
 * comm[16]; offset:8; size:16; signed:0;} is type "char", name "comm", arrayLength 16.
 *
 * @param type        the C type without the field name and array suffix ("unsigned int", "const char *")
 * @param offset      byte offset from the start of the raw record (common fields included)
 * @param size        size in bytes in the fixed part of the record
 * @param signed      whether the kernel declares the value signed
 * @param common      whether this is one of the {@code common_} fields every record starts with
 * @param arrayLength element count of a fixed array ({@code char comm[16]} gives 16, {@code char buf[]} 0),
 *                    or -1 when the field is not an array
 * @param dataLoc     whether this is a {@code __data_loc} field: a 32-bit word {@code (length << 16) | offset}
 *                    locating variable-length data later in the record
 */
public record RecordField(String type, String name, int offset, int size, boolean signed,
        boolean common, int arrayLength, boolean dataLoc) {

    /** True when the field holds characters: {@code char}, {@code char[]}, {@code __data_loc char[]}, const or not. */
    public boolean isChar() {
        String t = type.replace("const ", "").trim();
        return t.equals("char") || t.equals("char[]") || t.equals("__data_loc char[]");
    }
}

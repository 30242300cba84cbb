package dev.safetap.kernel;

/**
 * One field line of a tracepoint format file, e.g.
 * {@code field:unsigned int count; offset:24; size:8; signed:0;}.
 *
 * @param type        the C type without the field name and array suffix ("unsigned int", "char *", "char[]")
 * @param name        the field name ("count", "comm")
 * @param offset      byte offset from the start of the raw record (common fields included)
 * @param size        size in bytes of the field in the fixed part of the record
 * @param signed      whether the kernel declares the value signed
 * @param common      whether this is one of the {@code common_*} header fields
 * @param arrayLength element count of a fixed array ({@code char comm[16]} gives 16, {@code char buf[]} gives 0),
 *                    or -1 when the field is not an array
 * @param dataLoc     whether this is a {@code __data_loc} field: the fixed part holds a 32-bit word
 *                    {@code (length << 16) | offset} locating variable-length data later in the record
 */
public record FormatField(String type, String name, int offset, int size, boolean signed,
                          boolean common, int arrayLength, boolean dataLoc) {

    public boolean isArray() {
        return arrayLength >= 0;
    }
}

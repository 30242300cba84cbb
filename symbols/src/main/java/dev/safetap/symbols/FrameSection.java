package dev.safetap.symbols;

import java.nio.file.Path;

/**
 * Where the call frame information of a binary lies, for an unwinder: a {@code .eh_frame}, {@code .eh_frame_hdr}
 * or {@code .debug_frame} section with contents in {@code file}.
 *
 * @param file    the file holding the section (the binary, or its separate debug file)
 * @param name    the section's name
 * @param offset  where its bytes start in {@code file}
 * @param address its ELF virtual address (0 for {@code .debug_frame}, which is not loaded)
 * @param size    its size in bytes
 */
public record FrameSection(Path file, String name, long offset, long address, long size) {
}

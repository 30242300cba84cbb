package dev.safetap.symbols;

/**
 * The {@code .gnu_debuglink} section: the file name of the separate debug file and the CRC-32 (as zlib computes
 * it) of that file's whole contents, which identifies it when neither file carries a build id.
 *
 * @param fileName the debug file's name, without directory ({@code ls.debug})
 * @param crc      the CRC-32 of the debug file
 */
public record DebugLink(String fileName, int crc) {
}

#!/bin/sh
# What unwinding user stacks costs: the first walk, then walks, frames and allocated bytes per second, with call
# frame information and with frame pointers, on stacks a gcc -O2 -fomit-frame-pointer program captures of itself.
# Usage: bench/unwind.sh [SECONDS]   (from anywhere; needs gcc; libc6-dbg names libc's static functions)
set -e
cd "$(dirname "$0")/.."
mvn -q -o -pl symbols test-compile
exec java -cp symbols/target/test-classes:symbols/target/classes dev.safetap.symbols.UnwindBenchmark "$@"

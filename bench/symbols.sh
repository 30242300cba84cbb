#!/bin/sh
# What symbolizing costs: /proc/kallsyms load time, kernel and user lookups per second.
# Usage: bench/symbols.sh [LOOKUPS]   (from anywhere; as root, or kernel addresses read as hidden)
set -e
cd "$(dirname "$0")/.."
mvn -q -o -pl symbols test-compile
exec java -cp symbols/target/test-classes:symbols/target/classes dev.safetap.symbols.SymbolsBenchmark "$@"

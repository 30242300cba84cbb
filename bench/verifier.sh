#!/bin/sh
# Verifier time for 1k, 10k and 100k-instruction actions (should grow linearly).
# Usage: bench/verifier.sh   (from anywhere; builds the modules it needs first)
set -e
cd "$(dirname "$0")/.."
mvn -q -o -pl fuzz -am install -DskipTests
mvn -q -o -pl fuzz test-compile
exec java -cp fuzz/target/test-classes:fuzz/target/classes:verifier/target/classes:bytecode/target/classes \
    dev.safetap.fuzz.VerifierBenchmark "$@"

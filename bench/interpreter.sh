#!/bin/sh
# Interpreter throughput on synthetic events (vm/src/test/java/dev/safetap/vm/InterpreterBenchmark.java).
# The benchmark needs only the vm, verifier and bytecode classes, so no dependency resolution is involved.
set -e
cd "$(dirname "$0")/.."
mvn -q -o -pl vm -am install -DskipTests
mvn -q -o -pl vm test-compile
exec java -cp vm/target/test-classes:vm/target/classes:verifier/target/classes:bytecode/target/classes \
    dev.safetap.vm.InterpreterBenchmark "$@"

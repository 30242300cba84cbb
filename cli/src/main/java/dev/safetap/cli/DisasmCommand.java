package dev.safetap.cli;

import dev.safetap.bytecode.Disassembler;
import dev.safetap.session.KernelProbeCatalog;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code safetap disasm FILE}: print a bytecode file (or a compiled script) as assembly text. */
@Command(name = "disasm", mixinStandardHelpOptions = true,
        description = "Print a bytecode file, or the code a script compiles to, as assembly text. Does not verify.")
final class DisasmCommand implements Callable<Integer> {
    @ParentCommand
    Main parent;

    @Mixin
    ScriptOptions script;

    @Override
    public Integer call() {
        parent.out.print(Disassembler.disassemble(ScriptLoader.load(script, KernelProbeCatalog.forCompiling())));
        return ExitCode.OK;
    }
}

package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every option and subcommand of the command line has its entry in docs/language.md. */
class DocsTest {
    @Test
    void everyOptionAndCommandIsDocumented() throws IOException {
        String docs = Files.readString(Path.of("../docs/language.md"));
        List<String> missing = new ArrayList<>();
        collect(new CommandLine(new Main(System.out, System.err)), docs, missing);
        assertEquals(List.of(), missing, "options or commands without an entry in docs/language.md");
    }

    private static void collect(CommandLine command, String docs, List<String> missing) {
        for (OptionSpec option : command.getCommandSpec().options()) {
            String name = option.longestName();
            if (!Pattern.compile("(?<![\\w-])" + Pattern.quote(name) + "(?![\\w-])").matcher(docs).find()) {
                missing.add(command.getCommandName() + " " + name);
            }
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            if (!docs.contains("`" + sub.getCommandName())) {
                missing.add(sub.getCommandName());
            }
            collect(sub, docs, missing);
        }
    }
}

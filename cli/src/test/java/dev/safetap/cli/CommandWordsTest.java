package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandWordsTest {
    @Test
    void plainCommandsRunDirectly() {
        assertEquals(List.of("dd", "if=/dev/zero", "count=3"), CommandWords.argv("dd  if=/dev/zero count=3"));
        assertEquals(List.of("echo", "a b", "it's", "x\"y"), CommandWords.argv("echo 'a b' \"it's\" x\\\"y"));
    }

    @Test
    void shellSyntaxRunsUnderTheShell() {
        for (String command : List.of("ls | wc -l", "echo $HOME", "a && b", "cat < f", "echo \"$x\"", "ls *.c", "echo 'open", "LANG=C ls")) {
            assertEquals(List.of("/bin/sh", "-c", command), CommandWords.argv(command), command);
        }
    }
}

package dev.safetap.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The argv of a {@code -c} command. A plain command (words, quotes, backslashes) is split here and
 * run directly, as bpftrace does, so that {@code cpid} is the command itself; one that needs a shell
 * (pipes, redirections, variables, lists) runs under {@code /bin/sh -c}.
 */
final class CommandWords {
    private static final String SHELL_SYNTAX = "|&;<>()$`*?[]{}~#";

    private CommandWords() {
    }

    static List<String> argv(String command) {
        List<String> words = split(command);
        return words == null ? List.of("/bin/sh", "-c", command) : words;
    }

    /** The words of a plain command, or null when it needs a shell. */
    private static List<String> split(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '$' || c == '`') {
                    return null;
                } else if (c == '\\' && i + 1 < command.length() && "\"\\".indexOf(command.charAt(i + 1)) >= 0) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else if (SHELL_SYNTAX.indexOf(c) >= 0) {
                return null;
            } else {
                word = word == null ? new StringBuilder() : word;
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '\\' && i + 1 < command.length()) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            }
        }
        if (quote != 0) {
            return null;
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words.isEmpty() || words.get(0).contains("=") ? null : words;
    }
}

package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens an SVG in headless Chromium (Debian's {@code chromium}, which .ci/run installs) and runs a measuring script on
 * it: the SVG is loaded in an iframe of a page beside it, the script reads its document as a user's browser drew it
 * (boxes, texts, what clicks and searches do) and writes one line per finding, which Chromium's dumped DOM gives back.
 */
public final class HeadlessBrowser {
    private HeadlessBrowser() {
    }

    /**
     * Loads {@code svg} and runs {@code script}, a function body given {@code d}, the SVG's document, that returns an
     * array of strings; returns them.
     */
    public static List<String> measure(Path svg, String script) throws IOException, InterruptedException {
        Path page = svg.resolveSibling(svg.getFileName() + ".html");
        Files.writeString(page, "<html><body><iframe id=\"f\" src=\"" + svg.getFileName() + "\" width=\"1300\" height=\"900\">"
                + "</iframe><pre id=\"out\">not measured</pre><script>\n"
                + "document.getElementById('f').addEventListener('load', function () {\n"
                + "  var out; try { out = (function (d) {\n" + script + "\n})(this.contentDocument).join('\\n'); }\n"
                + "  catch (e) { out = 'error: ' + e; }\n"
                + "  document.getElementById('out').textContent = '<<' + out + '>>';\n"
                + "});\n</script></body></html>\n", StandardCharsets.UTF_8);
        List<String> command = List.of(chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--allow-file-access-from-files", "--virtual-time-budget=10000", "--user-data-dir="
                        + Files.createTempDirectory("chromium"), "--dump-dom", page.toUri().toString());
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        String text = new String(dom, StandardCharsets.UTF_8);
        int from = text.indexOf("&lt;&lt;");
        int to = text.indexOf("&gt;&gt;", from);
        assertTrue(from >= 0 && to > from, "chromium printed no measurement:\n" + text);
        List<String> lines = new ArrayList<>();
        for (String line : text.substring(from + 8, to).split("\n")) {
            lines.add(line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
        }
        assertTrue(lines.isEmpty() || !lines.get(0).startsWith("error: "), String.join("\n", lines));
        return lines;
    }

    private static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        throw new AssertionError("no chromium on the PATH: the flame graph tests render in headless Chromium "
                + "(apt-get install chromium; .ci/run installs it)");
    }
}

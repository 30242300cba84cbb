package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.vm.FlameGraph;
import dev.safetap.vm.FoldedStacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetap's SVG flame graph as headless Chromium draws it: box widths, names, zoom, search. */
class FlameGraphBrowserTest {
    private static final double WIDTH = 1180;

    @TempDir
    Path dir;

    private static final String MEASURE = """
            var out = [];
            d.querySelectorAll('g.frame').forEach(function (g) {
              var r = g.querySelector('rect').getBoundingClientRect();
              out.push('frame ' + g.getAttribute('data-name') + '|' + r.width.toFixed(2) + '|' + g.querySelector('text').textContent);
            });
            function box(name) { return Array.from(d.querySelectorAll('g.frame')).find(g => g.getAttribute('data-name') == name); }
            function width(name) { return box(name).querySelector('rect').getBoundingClientRect().width.toFixed(2); }
            box('hot_b').dispatchEvent(new MouseEvent('click', {bubbles: true}));
            out.push('zoomed hot_b ' + width('hot_b') + ' hot_a ' + width('hot_a') + ' main ' + width('main'));
            d.getElementById('reset').dispatchEvent(new MouseEvent('click', {bubbles: true}));
            out.push('reset hot_a ' + width('hot_a'));
            d.documentElement.flameGraph.search('^spin$');
            out.push('search ' + d.getElementById('matched').textContent);
            out.push('title ' + box('hot_a').querySelector('title').textContent);
            return out;
            """;

    @Test
    void boxesAreAsWideAsTheirSamplesAndZoomAndSearchWork() throws Exception {
        List<FoldedStacks.Line> lines = List.of(
                new FoldedStacks.Line(List.of("app", "main", "hot_a", "spin"), 600),
                new FoldedStacks.Line(List.of("app", "main", "hot_b", "spin"), 300),
                new FoldedStacks.Line(List.of("app", "main", "hot_a"), 60),
                new FoldedStacks.Line(List.of("app", "main", "init<&>\"'"), 40));
        Path svg = dir.resolve("profile.svg");
        Files.writeString(svg, FlameGraph.svg("a <test> & \"profile\"", lines));
        List<String> found = HeadlessBrowser.measure(svg, MEASURE);
        Map<String, String[]> frames = new HashMap<>();
        for (String line : found) {
            if (line.startsWith("frame ")) {
                String[] parts = line.substring(6).split("\\|", -1);
                frames.merge(parts[0], parts, (a, b) -> a);
            }
        }
        assertEquals(8, found.stream().filter(l -> l.startsWith("frame ")).count(), "all, app, main, hot_a, hot_b, init, spin x2:\n"
                + String.join("\n", found));
        assertWidth(WIDTH, frames.get("all"));
        assertWidth(WIDTH, frames.get("main"));
        assertWidth(WIDTH * 660 / 1000, frames.get("hot_a"));
        assertWidth(WIDTH * 300 / 1000, frames.get("hot_b"));
        assertWidth(WIDTH * 40 / 1000, frames.get("init<&>\"'"));
        assertEquals("hot_a", frames.get("hot_a")[2], "a name that fits is drawn whole");
        assertTrue(found.contains("zoomed hot_b " + String.format("%.2f", WIDTH) + " hot_a 0.00 main " + String.format("%.2f", WIDTH)),
                "a click zooms to the box, its callers across the width, the rest hidden:\n" + String.join("\n", found));
        assertTrue(found.contains("reset hot_a " + String.format("%.2f", WIDTH * 660 / 1000)), String.join("\n", found));
        assertTrue(found.contains("search Matched: 90.00%"), String.join("\n", found));
        assertTrue(found.contains("title hot_a (660 samples, 66.00%)"), String.join("\n", found));
    }

    private static void assertWidth(double expected, String[] frame) {
        assertTrue(frame != null, "frame not drawn");
        assertEquals(expected, Double.parseDouble(frame[1]), 0.6, frame[0]);
    }
}

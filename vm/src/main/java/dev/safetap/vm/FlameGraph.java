package dev.safetap.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A self-contained interactive SVG flame graph of folded stacks ({@link FoldedStacks}): one box per frame, as wide
 * as its samples, its callers below it and the root ({@code all}) at the bottom; siblings in alphabetical order, so
 * that the picture depends on the counts only. A box shows its name when it fits and, on hover, its samples and
 * share in a tooltip and the status line. Clicking a box zooms to it (its callers stay, faded, across the width);
 * "Reset Zoom" undoes it; "Search" (or Ctrl-F, or {@code /}) highlights the frames whose name matches a regular
 * expression and says what share of the samples they hold. No external file, font or script is referenced. Boxes
 * narrower than a tenth of a pixel are left out with their callees, and at most {@value #MOST_FRAMES} are drawn, so
 * the file stays small whatever the input.
 */
public final class FlameGraph {
    /** The most boxes one graph draws. */
    public static final int MOST_FRAMES = 50_000;
    private static final int WIDTH = 1200;
    private static final int SIDE = 10;
    private static final int FRAME_HEIGHT = 16;
    private static final int TOP = 40;
    private static final int BOTTOM = 30;
    private static final double MIN_PIXELS = 0.1;

    private FlameGraph() {
    }

    /** A node of the call tree: its samples, its callees by name. */
    private static final class Node {
        final String name;
        long samples;
        final Map<String, Node> children = new TreeMap<>();

        Node(String name) {
            this.name = name;
        }
    }

    /** The flame graph of {@code lines}, titled {@code title}. */
    public static String svg(String title, List<FoldedStacks.Line> lines) {
        Node root = new Node("all");
        for (FoldedStacks.Line line : lines) {
            root.samples += line.count();
            Node at = root;
            for (String frame : line.frames()) {
                at = at.children.computeIfAbsent(frame, Node::new);
                at.samples += line.count();
            }
        }
        double perSample = root.samples == 0 ? 0 : (double) (WIDTH - 2 * SIDE) / root.samples;
        List<Box> boxes = new ArrayList<>();
        layout(root, 0, 0, perSample, boxes);
        int depth = boxes.stream().mapToInt(Box::depth).max().orElse(0);
        int height = TOP + (depth + 1) * FRAME_HEIGHT + BOTTOM;
        StringBuilder sb = new StringBuilder(4096 + boxes.size() * 200);
        sb.append("<?xml version=\"1.0\" standalone=\"no\"?>\n");
        sb.append("<svg version=\"1.1\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" data-total=\"").append(root.samples).append("\">\n");
        sb.append("<style>\n").append(STYLE).append("</style>\n");
        sb.append("<script type=\"text/ecmascript\"><![CDATA[\n").append(SCRIPT).append("]]></script>\n");
        sb.append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f4\"/>\n");
        sb.append("<text id=\"title\" x=\"").append(WIDTH / 2).append("\" y=\"24\">").append(xml(title)).append("</text>\n");
        sb.append("<text id=\"reset\" class=\"button\" x=\"").append(SIDE).append("\" y=\"24\">Reset Zoom</text>\n");
        sb.append("<text id=\"search\" class=\"button\" x=\"").append(WIDTH - SIDE).append("\" y=\"24\">Search</text>\n");
        sb.append("<text id=\"details\" x=\"").append(SIDE).append("\" y=\"").append(height - 10).append("\"> </text>\n");
        sb.append("<text id=\"matched\" x=\"").append(WIDTH - SIDE).append("\" y=\"").append(height - 10)
                .append("\"> </text>\n");
        sb.append("<g id=\"frames\">\n");
        for (Box box : boxes) {
            box(sb, box, perSample, root.samples, height - BOTTOM - (box.depth() + 1) * FRAME_HEIGHT);
        }
        return sb.append("</g>\n</svg>\n").toString();
    }

    /** A frame to draw: its node, the sample it starts at and its depth (the root's is 0). */
    private record Box(Node node, long start, int depth) {
    }

    /** Lays out {@code node} at sample {@code start} and depth {@code depth}, then its callees. */
    private static void layout(Node node, long start, int depth, double perSample, List<Box> boxes) {
        if (node.samples * perSample < MIN_PIXELS || boxes.size() >= MOST_FRAMES) {
            return;
        }
        boxes.add(new Box(node, start, depth));
        long at = start;
        for (Node child : node.children.values()) {
            layout(child, at, depth + 1, perSample, boxes);
            at += child.samples;
        }
    }

    private static void box(StringBuilder sb, Box box, double perSample, long total, int y) {
        Node node = box.node();
        double x = SIDE + box.start() * perSample;
        double w = node.samples * perSample;
        String share = String.format(Locale.ROOT, "%.2f", total == 0 ? 0 : 100.0 * node.samples / total);
        String name = xml(node.name);
        sb.append("<g class=\"frame\" data-name=\"").append(name).append("\" data-start=\"").append(box.start())
                .append("\" data-samples=\"").append(node.samples).append("\" data-depth=\"").append(box.depth())
                .append("\"><title>").append(name).append(" (").append(node.samples).append(" samples, ").append(share)
                .append("%)</title><rect x=\"").append(fmt(x)).append("\" y=\"").append(y).append("\" width=\"").append(fmt(w))
                .append("\" height=\"").append(FRAME_HEIGHT - 1).append("\" rx=\"2\" fill=\"").append(color(node.name))
                .append("\"/><text x=\"").append(fmt(x + 3)).append("\" y=\"").append(y + 11).append("\">")
                .append(xml(fit(node.name, w))).append("</text></g>\n");
    }

    /** The name cut to the box: about 7 pixels a character, ".." when cut, nothing when under 3 characters fit. */
    static String fit(String name, double width) {
        int chars = (int) ((width - 6) / 7);
        if (chars >= name.length()) {
            return name;
        }
        return chars < 3 ? "" : name.substring(0, chars - 2) + "..";
    }

    /** A warm colour from the name, the same for the same name. */
    static String color(String name) {
        int h = name.hashCode() * 0x9E3779B1;
        int r = 205 + Math.floorMod(h, 50);
        int g = Math.floorMod(h >>> 8, 200);
        int b = Math.floorMod(h >>> 16, 55);
        return "rgb(" + r + "," + g + "," + b + ")";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Text safe in XML content and attributes; control characters become {@code ?}. */
    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> sb.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
            }
        }
        return sb.toString();
    }

    private static final String STYLE = """
            text { font-family: monospace; font-size: 12px; fill: #000; }
            #title { font-family: sans-serif; font-size: 17px; text-anchor: middle; }
            #search, #matched { text-anchor: end; }
            .button { cursor: pointer; fill: #3050a0; }
            .button.off { opacity: 0.3; }
            .frame { cursor: pointer; }
            .frame text { pointer-events: none; }
            .frame:hover rect { stroke: #000; stroke-width: 0.5; }
            .frame.caller rect { opacity: 0.5; }
            .frame.hidden { display: none; }
            """;

    private static final String SCRIPT = """
            (function () {
              var svg = document.currentScript ? document.currentScript.ownerSVGElement || document.documentElement
                                               : document.documentElement;
              var SIDE = 10, WIDTH = 1200 - 2 * SIDE;
              var frames, details, matched, reset, zoomed = null, pattern = null;
              function num(g, k) { return Number(g.getAttribute('data-' + k)); }
              function place(g, x, w) {
                var r = g.querySelector('rect'), t = g.querySelector('text');
                r.setAttribute('x', x.toFixed(2));
                r.setAttribute('width', w.toFixed(2));
                t.setAttribute('x', (x + 3).toFixed(2));
                var name = g.getAttribute('data-name'), chars = Math.floor((w - 6) / 7);
                t.textContent = chars >= name.length ? name : chars < 3 ? '' : name.substring(0, chars - 2) + '..';
              }
              function zoom(target) {
                var s0 = num(target, 'start'), n0 = num(target, 'samples'), d0 = num(target, 'depth');
                zoomed = target;
                reset.classList.remove('off');
                frames.forEach(function (g) {
                  var s = num(g, 'start'), n = num(g, 'samples'), d = num(g, 'depth');
                  g.classList.remove('hidden', 'caller');
                  if (d < d0 && s <= s0 && s + n >= s0 + n0) {
                    g.classList.add('caller');
                    place(g, SIDE, WIDTH);
                  } else if (d >= d0 && s >= s0 && s + n <= s0 + n0) {
                    place(g, SIDE + (s - s0) / n0 * WIDTH, n / n0 * WIDTH);
                  } else {
                    g.classList.add('hidden');
                  }
                });
              }
              function unzoom() {
                var total = Number(svg.getAttribute('data-total')) || 1;
                zoomed = null;
                reset.classList.add('off');
                frames.forEach(function (g) {
                  g.classList.remove('hidden', 'caller');
                  place(g, SIDE + num(g, 'start') / total * WIDTH, num(g, 'samples') / total * WIDTH);
                });
              }
              function search(text) {
                var total = Number(svg.getAttribute('data-total')) || 1, spans = [];
                pattern = null;
                try { pattern = text ? new RegExp(text) : null; } catch (e) { pattern = null; }
                frames.forEach(function (g) {
                  var r = g.querySelector('rect');
                  if (!r.hasAttribute('data-fill')) { r.setAttribute('data-fill', r.getAttribute('fill')); }
                  var hit = pattern !== null && pattern.test(g.getAttribute('data-name'));
                  r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));
                  if (hit) { spans.push([num(g, 'start'), num(g, 'start') + num(g, 'samples')]); }
                });
                spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
                var covered = 0, end = -1;
                spans.forEach(function (sp) {
                  if (sp[0] >= end) { covered += sp[1] - sp[0]; end = sp[1]; }
                  else if (sp[1] > end) { covered += sp[1] - end; end = sp[1]; }
                });
                matched.textContent = pattern === null ? ' ' : 'Matched: ' + (100 * covered / total).toFixed(2) + '%';
                svg.setAttribute('data-matched', pattern === null ? '' : String(covered));
              }
              function ask() {
                var text = window.prompt('Search for frames (a regular expression):', pattern ? pattern.source : '');
                if (text !== null) { search(text); }
              }
              function init() {
                frames = Array.prototype.slice.call(svg.querySelectorAll('g.frame'));
                details = svg.getElementById('details');
                matched = svg.getElementById('matched');
                reset = svg.getElementById('reset');
                reset.classList.add('off');
                frames.forEach(function (g) {
                  g.addEventListener('click', function () { zoom(g); });
                  g.addEventListener('mouseover', function () {
                    details.textContent = g.querySelector('title').textContent;
                  });
                  g.addEventListener('mouseout', function () { details.textContent = ' '; });
                });
                reset.addEventListener('click', unzoom);
                svg.getElementById('search').addEventListener('click', ask);
                window.addEventListener('keydown', function (e) {
                  if ((e.ctrlKey && e.key === 'f') || e.key === '/') { e.preventDefault(); ask(); }
                  if (e.key === 'Escape') { search(''); unzoom(); }
                });
                svg.flameGraph = { zoom: zoom, unzoom: unzoom, search: search };
              }
              if (document.readyState === 'loading') { window.addEventListener('DOMContentLoaded', init); } else { init(); }
            })();
            """;
}

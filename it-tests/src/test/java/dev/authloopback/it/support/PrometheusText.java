package dev.authloopback.it.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, so tests read exact values from
 * a scrape instead of searching it for substrings. The JVM has no maintained parser of this format
 * (the Java client only writes it), so this one follows the format's grammar closely and rejects
 * what Prometheus would reject: a malformed line, a sample outside its declared family, a repeated
 * series, a second TYPE for a name. Tests that parse a live scrape also hand it to
 * {@code promtool check metrics} ({@link Promtool}), the reference implementation's linter.
 *
 * <p>Families are keyed by their declared name as written after {@code # TYPE} (for counters the
 * Java client writes {@code <name>_total}); samples by their full name and labels.
 */
public final class PrometheusText {

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One series: its sample name, its labels sorted by name, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A metric family: the declared name and type, its HELP text and its samples in order. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    /** A parsed scrape. */
    public static final class Scrape {
        private final Map<String, Family> families;
        private final Map<String, Sample> series;

        private Scrape(Map<String, Family> families, Map<String, Sample> series) {
            this.families = Collections.unmodifiableMap(families);
            this.series = Collections.unmodifiableMap(series);
        }

        public Map<String, Family> families() {
            return families;
        }

        /** Every sample name in the scrape (histograms give {@code _bucket}, {@code _sum}, {@code _count}). */
        public Set<String> sampleNames() {
            Set<String> names = new java.util.TreeSet<>();
            series.values().forEach(s -> names.add(s.name()));
            return names;
        }

        /**
         * The value of exactly one series.
         *
         * @param labelPairs name, value, name, value, ... (the series' complete label set)
         * @throws AssertionError naming what is there when the series is absent
         */
        public double value(String sampleName, String... labelPairs) {
            if (labelPairs.length % 2 != 0) {
                throw new IllegalArgumentException("label pairs must come in name, value pairs");
            }
            Map<String, String> labels = new TreeMap<>();
            for (int i = 0; i < labelPairs.length; i += 2) {
                labels.put(labelPairs[i], labelPairs[i + 1]);
            }
            Sample sample = series.get(key(sampleName, labels));
            if (sample == null) {
                throw new AssertionError("no series " + sampleName + labels + "; series of that name: "
                        + series.values().stream().filter(s -> s.name().equals(sampleName)).map(Sample::labels).toList());
            }
            return sample.value();
        }

        public boolean has(String sampleName, String... labelPairs) {
            Map<String, String> labels = new TreeMap<>();
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                labels.put(labelPairs[i], labelPairs[i + 1]);
            }
            return series.containsKey(key(sampleName, labels));
        }
    }

    private PrometheusText() {
    }

    /** @throws IllegalArgumentException naming the line number and what is wrong with it */
    public static Scrape parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Map<String, Sample> series = new LinkedHashMap<>();
        Set<String> closed = new java.util.HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int number = n + 1;
            if (line.isBlank()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split("[ \t]+", 4);
                    if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                        String name = parts[2];
                        requireMetricName(name);
                        if (!name.equals(current)) {
                            if (closed.contains(name) || samples.containsKey(name)) {
                                throw new IllegalArgumentException("metadata for " + name + " after its samples");
                            }
                            if (current != null) {
                                closed.add(current);
                            }
                            current = name;
                        }
                        if (parts[1].equals("TYPE")) {
                            String type = parts.length == 4 ? parts[3].trim() : "";
                            if (!TYPES.contains(type)) {
                                throw new IllegalArgumentException("unknown type '" + type + "'");
                            }
                            if (types.putIfAbsent(name, type) != null) {
                                throw new IllegalArgumentException("second TYPE for " + name);
                            }
                        } else if (helps.putIfAbsent(name, parts.length == 4 ? unescapeHelp(parts[3]) : "") != null) {
                            throw new IllegalArgumentException("second HELP for " + name);
                        }
                    }
                    continue; // any other comment
                }
                Sample sample = sample(line);
                String family = current != null && belongs(sample.name(), current, types.get(current))
                        ? current : sample.name();
                if (!family.equals(current)) {
                    if (closed.contains(family) || types.containsKey(family)) {
                        throw new IllegalArgumentException("sample " + sample.name() + " outside its family");
                    }
                    if (current != null) {
                        closed.add(current);
                    }
                    current = family;
                }
                if (series.putIfAbsent(key(sample.name(), sample.labels()), sample) != null) {
                    throw new IllegalArgumentException("repeated series " + sample.name() + sample.labels());
                }
                samples.computeIfAbsent(family, f -> new ArrayList<>()).add(sample);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + number + " '" + line + "': " + e.getMessage(), e);
            }
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> names = new java.util.LinkedHashSet<>(types.keySet());
        names.addAll(samples.keySet());
        for (String name : names) {
            families.put(name, new Family(name, types.getOrDefault(name, "untyped"), helps.get(name),
                    List.copyOf(samples.getOrDefault(name, List.of()))));
        }
        return new Scrape(families, series);
    }

    /** Whether a sample named {@code sample} is part of the family {@code family} of {@code type}. */
    private static boolean belongs(String sample, String family, String type) {
        if (sample.equals(family)) {
            return true;
        }
        if ("histogram".equals(type)) {
            return sample.equals(family + "_bucket") || sample.equals(family + "_sum") || sample.equals(family + "_count");
        }
        if ("summary".equals(type)) {
            return sample.equals(family + "_sum") || sample.equals(family + "_count");
        }
        return false;
    }

    private static Sample sample(String line) {
        Cursor at = new Cursor(line);
        String name = at.name();
        requireMetricName(name);
        Map<String, String> labels = new TreeMap<>();
        if (at.peek() == '{') {
            at.next();
            at.skipBlanks();
            while (at.peek() != '}') {
                String label = at.name();
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("bad label name '" + label + "'");
                }
                at.skipBlanks();
                at.expect('=');
                at.skipBlanks();
                String value = at.quoted();
                if (labels.put(label, value) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                at.skipBlanks();
                if (at.peek() == ',') {
                    at.next();
                    at.skipBlanks();
                } else if (at.peek() != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' at column " + (at.position + 1));
                }
            }
            at.next();
        }
        String[] rest = at.rest().trim().split("[ \t]+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
            throw new IllegalArgumentException("bad timestamp '" + rest[1] + "'");
        }
        return new Sample(name, Collections.unmodifiableMap(labels), number(rest[0]));
    }

    private static double number(String raw) {
        switch (raw) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                if (!raw.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
                    throw new IllegalArgumentException("bad value '" + raw + "'");
                }
                return Double.parseDouble(raw);
        }
    }

    private static void requireMetricName(String name) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
    }

    private static String unescapeHelp(String help) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\' && i + 1 < help.length() && (help.charAt(i + 1) == '\\' || help.charAt(i + 1) == 'n')) {
                out.append(help.charAt(++i) == 'n' ? '\n' : '\\');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String key(String name, Map<String, String> labels) {
        return name + new TreeMap<>(labels);
    }

    /** Walks one sample line. */
    private static final class Cursor {
        private final String line;
        private int position;

        Cursor(String line) {
            this.line = line;
        }

        char peek() {
            if (position >= line.length()) {
                throw new IllegalArgumentException("line ends early");
            }
            return line.charAt(position);
        }

        void next() {
            position++;
        }

        void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at column " + (position + 1));
            }
            position++;
        }

        void skipBlanks() {
            while (position < line.length() && (line.charAt(position) == ' ' || line.charAt(position) == '\t')) {
                position++;
            }
        }

        String name() {
            int start = position;
            while (position < line.length() && (Character.isLetterOrDigit(line.charAt(position))
                    || line.charAt(position) == '_' || line.charAt(position) == ':')) {
                position++;
            }
            return line.substring(start, position);
        }

        String quoted() {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = peek();
                position++;
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    char escaped = peek();
                    position++;
                    switch (escaped) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException("bad escape \\" + escaped);
                    }
                } else {
                    value.append(c);
                }
            }
        }

        String rest() {
            if (position >= line.length() || (line.charAt(position) != ' ' && line.charAt(position) != '\t')) {
                throw new IllegalArgumentException("expected a blank before the value at column " + (position + 1));
            }
            return line.substring(position);
        }
    }
}

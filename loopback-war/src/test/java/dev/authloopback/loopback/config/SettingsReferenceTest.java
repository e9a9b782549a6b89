package dev.authloopback.loopback.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * docs/configuration.md holds the one settings table of the project; this test keeps it and the
 * code in step, so the README, the launcher's --help and the HTTP contract (which all point there)
 * cannot drift from what the WAR reads. A new setting in {@link SettingNames} fails here until it
 * has its row; the message says which rows to add or remove and what scope to give them.
 */
class SettingsReferenceTest {

    private static final Path DOCS = Path.of(System.getProperty("docs.dir", "../docs"));
    private static final Path REFERENCE = DOCS.resolve("configuration.md");
    private static final Pattern NAME = Pattern.compile("`([a-z][a-z0-9-]*)`");
    private static final String PROFILE = "profile";
    private static final String WEB_APP = "web app";

    @Test
    void everySettingTheCodeKnowsHasOneRowWithItsScopeAndNothingElse() throws IOException {
        Map<String, String> documented = documentedScopes();
        Map<String, String> known = new TreeMap<>();
        SettingNames.PER_PROFILE.forEach(name -> known.put(name, scopeOf(name)));
        SettingNames.GLOBAL.forEach(name -> known.put(name, scopeOf(name)));

        TreeSet<String> missing = new TreeSet<>(known.keySet());
        missing.removeAll(documented.keySet());
        TreeSet<String> unknown = new TreeSet<>(documented.keySet());
        unknown.removeAll(known.keySet());
        List<String> wrongScope = new ArrayList<>();
        known.forEach((name, scope) -> {
            if (documented.containsKey(name) && !documented.get(name).equals(scope)) {
                wrongScope.add(name + " (documented '" + documented.get(name) + "', is '" + scope + "')");
            }
        });
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) {
            List<String> rows = missing.stream().map(n -> "| `" + n + "` | <default> | " + known.get(n) + " | <meaning> |").toList();
            problems.add("settings without a row in " + REFERENCE + ": " + missing + "; add to its Settings table:\n"
                    + String.join("\n", rows));
        }
        if (!unknown.isEmpty()) {
            problems.add("rows for settings the code does not know (renamed or removed? not in SettingNames): " + unknown);
        }
        if (!wrongScope.isEmpty()) {
            problems.add("rows with the wrong scope: " + wrongScope);
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void noOtherPageHasASettingsTableOfItsOwn() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(DOCS.resolveSibling("README.md"));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md") && !p.equals(REFERENCE)).forEach(pages::add);
        }
        List<String> copies = new ArrayList<>();
        for (Path page : pages) {
            for (String line : Files.readAllLines(page)) {
                String header = line.replace(" ", "").toLowerCase(java.util.Locale.ROOT);
                if (header.startsWith("|setting|default") || header.startsWith("|name|default")) {
                    copies.add(page + ": " + line);
                }
            }
        }
        assertEquals(List.of(), copies, "settings tables belong in " + REFERENCE + " only; link there instead");
    }

    private static String scopeOf(String name) {
        return SettingNames.GLOBAL.contains(name) || SettingNames.WEB_APP_WIDE.contains(name) ? WEB_APP : PROFILE;
    }

    /** Setting name to scope, from the rows of the table under "## Settings". */
    private static Map<String, String> documentedScopes() throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE);
        int start = lines.indexOf("## Settings");
        assertTrue(start >= 0, REFERENCE + " has no '## Settings' section");
        Map<String, String> scopes = new TreeMap<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.substring(1).split(" \\| ");
            assertTrue(cells.length >= 4, "a row has setting | default | scope | meaning: " + line);
            Matcher names = NAME.matcher(cells[0]);
            while (names.find()) {
                String previous = scopes.put(names.group(1), cells[2].strip());
                assertTrue(previous == null, "two rows for " + names.group(1));
            }
        }
        return scopes;
    }
}

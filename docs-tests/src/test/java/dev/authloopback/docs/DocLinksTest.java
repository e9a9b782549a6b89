package dev.authloopback.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every relative link and anchor in README.md, CHANGELOG.md and docs/ resolves. */
class DocLinksTest {

    static final Path ROOT = Path.of(System.getProperty("docs.root", "..")).toAbsolutePath().normalize();

    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        if (Files.exists(ROOT.resolve("CHANGELOG.md"))) {
            pages.add(ROOT.resolve("CHANGELOG.md"));
        }
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            Markdown doc = Markdown.read(page);
            for (Markdown.Link link : doc.links()) {
                String target = link.target();
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto: ... are not ours to check offline
                }
                checked++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = path.isEmpty() ? page
                        : page.getParent().resolve(URLDecoder.decode(path, StandardCharsets.UTF_8)).normalize();
                String where = ROOT.relativize(page) + ":" + link.line() + " (" + target + ")";
                if (!resolved.startsWith(ROOT)) {
                    broken.add(where + ": leaves the repository");
                } else if (!Files.exists(resolved)) {
                    broken.add(where + ": no file " + ROOT.relativize(resolved));
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !Markdown.read(resolved).anchors().contains(anchor)) {
                    broken.add(where + ": no heading with anchor #" + anchor + " in " + ROOT.relativize(resolved));
                }
            }
        }
        assertTrue(checked > 20, "the check found only " + checked + " links; is docs.root right? " + ROOT);
        assertEquals(List.of(), broken, "broken links:\n" + String.join("\n", broken));
    }

    @Test
    void anchorsFollowGitHubsRule() {
        assertEquals("sealed-entries-what-the-terracotta-port-gives-away",
                Markdown.slug("Sealed entries: what the Terracotta port gives away"));
        assertEquals("clustered-hits--dbenchclustertrue", Markdown.slug("Clustered hits (`-Dbench.cluster=true`)"));
        assertEquals("outbound-jax-rs-calls-bearertokenclientfilter",
                Markdown.slug("Outbound JAX-RS calls: `BearerTokenClientFilter`"));
    }
}

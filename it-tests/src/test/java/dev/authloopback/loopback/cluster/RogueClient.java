package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.credentials.ClusterKeyRing;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.clustered.client.config.builders.ClusteredResourcePoolBuilder;
import org.ehcache.clustered.client.config.builders.ClusteredStoreConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.ClusteringServiceConfigurationBuilder;
import org.ehcache.clustered.common.Consistency;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A process that reaches the Terracotta port and nothing else: it attaches to the loopback's entity
 * and caches with the names and types anyone can read from the WAR (or from the server's refusal of
 * a wrong guess), but holds no key. It runs in a JVM of its own (started by {@code SealedClusterIT}
 * on the WAR's classes and libraries), lives in the cluster package only to name the WAR's
 * package-private wire types without reflection, and speaks in raw stored bytes:
 *
 * {@code RogueClient URI PROFILE} attaches once, then reads commands from its standard input, one a
 * line, and answers each with its output and a line {@code DONE} (or {@code FAILED ...}):
 *
 * <pre>
 * dump                  every entry of the three caches: cache, name, base64 bytes
 * flip BYTE             flips the low bit of byte BYTE (from the end) of every token
 * swap                  puts each token's bytes under the next token's name
 * save FILE             the tokens' names and bytes, to FILE
 * restore FILE          writes them back (a replay)
 * plant FILE            FILE's bytes as the value of every token name, in all three caches
 * </pre>
 */
public final class RogueClient {
    private RogueClient() {
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        String profile = args[1];
        String entity = uri.getPath().substring(1);
        byte[] ownKey = new byte[32];
        new SecureRandom().nextBytes(ownKey);
        // Its own key: it opens nothing of the loopback's, so every value reads as stored bytes.
        AeadSeal keyless = new AeadSeal(new ClusterKeyRing(Map.of("rogue", ownKey), "rogue"), entity);
        String tokensAlias = "tokens-v2-" + profile;
        String leasesAlias = "leases-v2-" + profile;
        String marksAlias = "marks-v2-" + profile;
        try (CacheManager manager = CacheManagerBuilder.newCacheManagerBuilder()
                // "main": the server says so when asked with none ("Default resource not aligned").
                .with(ClusteringServiceConfigurationBuilder.cluster(uri)
                        .expecting(server -> server.defaultServerResource("main")))
                .withCache(tokensAlias, config(keyless, tokensAlias, ValueCodec.TOKENS))
                .withCache(leasesAlias, config(keyless, leasesAlias, ValueCodec.LEASES))
                .withCache(marksAlias, config(keyless, marksAlias, ValueCodec.MARKS))
                .build(true)) {
            Cache<String, ClusterValue<Object>> tokens = cache(manager, tokensAlias);
            Map<String, Cache<String, ClusterValue<Object>>> all = new LinkedHashMap<>();
            all.put(tokensAlias, tokens);
            all.put(leasesAlias, cache(manager, leasesAlias));
            all.put(marksAlias, cache(manager, marksAlias));
            java.io.BufferedReader commands = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("READY");
            for (String command; (command = commands.readLine()) != null; ) {
                try {
                    run(command.split(" "), tokens, all);
                    System.out.println("DONE");
                } catch (Exception e) {
                    System.out.println("FAILED " + e);
                }
                System.out.flush();
            }
        }
    }

    private static void run(String[] args, Cache<String, ClusterValue<Object>> tokens,
                            Map<String, Cache<String, ClusterValue<Object>>> all) throws java.io.IOException {
        switch (args[0]) {
            case "dump" -> all.forEach((alias, cache) -> entries(cache).forEach((name, bytes) ->
                    System.out.println("ENTRY " + alias + " " + name + " " + Base64.getEncoder().encodeToString(bytes))));
            case "flip" -> {
                int fromEnd = Integer.parseInt(args[1]);
                entries(tokens).forEach((name, bytes) -> {
                    bytes[bytes.length - 1 - fromEnd] ^= 1;
                    tokens.put(name, raw(bytes));
                    System.out.println("FLIPPED " + name);
                });
            }
            case "swap" -> {
                List<Map.Entry<String, byte[]>> entries = new ArrayList<>(entries(tokens).entrySet());
                for (int i = 0; i < entries.size(); i++) {
                    Map.Entry<String, byte[]> next = entries.get((i + 1) % entries.size());
                    tokens.put(next.getKey(), raw(entries.get(i).getValue()));
                    System.out.println("MOVED " + entries.get(i).getKey() + " -> " + next.getKey());
                }
            }
            case "save" -> {
                StringBuilder saved = new StringBuilder();
                entries(tokens).forEach((name, bytes) -> saved.append(name).append(' ')
                        .append(Base64.getEncoder().encodeToString(bytes)).append('\n'));
                Files.writeString(Path.of(args[1]), saved);
                System.out.print("SAVED " + saved.toString().lines().count() + "\n");
            }
            case "restore" -> {
                for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
                    String[] fields = line.split(" ");
                    tokens.put(fields[0], raw(Base64.getDecoder().decode(fields[1])));
                    System.out.println("RESTORED " + fields[0]);
                }
            }
            case "plant" -> {
                byte[] payload = Files.readAllBytes(Path.of(args[1]));
                for (String name : entries(tokens).keySet()) {
                    for (Cache<String, ClusterValue<Object>> cache : all.values()) {
                        cache.put(name, raw(payload));
                    }
                    System.out.println("PLANTED " + name);
                }
            }
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    /** The stored bytes as a value this process writes back unchanged. */
    private static ClusterValue<Object> raw(byte[] bytes) {
        return ClusterValue.unopenable(bytes, Refusal.TAMPERED);
    }

    private static Map<String, byte[]> entries(Cache<String, ClusterValue<Object>> cache) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (Cache.Entry<String, ClusterValue<Object>> entry : cache) {
            entries.put(entry.getKey(), entry.getValue().stored());
        }
        return entries;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Cache<String, ClusterValue<Object>> cache(CacheManager manager, String alias) {
        return (Cache) manager.getCache(alias, String.class, ClusterValue.class);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <V> CacheConfigurationBuilder<String, ClusterValue> config(AeadSeal seal, String alias,
                                                                            ValueCodec<V> codec) {
        Class<ClusterValue<V>> type = (Class) ClusterValue.class;
        // clustered(): whatever pool the server already holds for the cache.
        CacheConfigurationBuilder<String, ClusterValue<V>> builder = CacheConfigurationBuilder
                .newCacheConfigurationBuilder(String.class, type,
                        ResourcePoolsBuilder.newResourcePoolsBuilder().with(ClusteredResourcePoolBuilder.clustered()))
                .withKeySerializer(new NameSerializer())
                .withValueSerializer(new SealedSerializer<>(() -> seal, alias, codec))
                .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG));
        return (CacheConfigurationBuilder) builder;
    }
}

package dev.vigil.system;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * One long download checked byte for byte: {@code chunks} chunks of {@link #CHUNK} bytes of {@code new Random(id)}
 * (what the connection-sync tests' servers send), its SHA-256, its bytes, the time of every read, and how it ended.
 */
record SeededStream(int id, int chunks, String sha, long bytes, long[] readNanos, Optional<String> error) {
    static final int CHUNK = 4096;

    /** One stream's client: it counts {@code connected} down once connected (or failed), then reads to the end. */
    @FunctionalInterface
    interface Client {
        SeededStream run(int id, java.util.concurrent.CountDownLatch connected);
    }

    /** Starts streams {@code first} .. {@code first + count - 1}, each on its thread, and waits until all connected. */
    static List<Thread> startAll(int first, int count, Client client, java.util.Queue<SeededStream> done)
            throws InterruptedException {
        var connected = new java.util.concurrent.CountDownLatch(count);
        List<Thread> threads = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            int id = i;
            threads.add(Thread.ofPlatform().daemon().name("stream-" + i).start(() -> done.add(client.run(id, connected))));
        }
        org.assertj.core.api.Assertions.assertThat(connected.await(30, java.util.concurrent.TimeUnit.SECONDS))
                .as("every stream connected").isTrue();
        return threads;
    }

    /** Reads {@code in} to its end (or {@code limit} bytes), timing every read; an exception ends it as an error. */
    static SeededStream read(int id, int chunks, InputStream in, long limit, List<Long> reads, MessageDigest sha) {
        long bytes = 0;
        byte[] buffer = new byte[65536];
        try {
            int n;
            while (bytes < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - bytes))) >= 0) {
                reads.add(System.nanoTime());
                sha.update(buffer, 0, n);
                bytes += n;
            }
            return new SeededStream(id, chunks, HexFormat.of().formatHex(sha.digest()), bytes, times(reads), Optional.empty());
        } catch (IOException | RuntimeException e) {
            return failed(id, chunks, bytes, reads, e);
        }
    }

    static SeededStream failed(int id, int chunks, long bytes, List<Long> reads, Exception e) {
        return new SeededStream(id, chunks, "", bytes, times(reads), Optional.of(e.toString()));
    }

    private static long[] times(List<Long> reads) {
        return new ArrayList<>(reads).stream().mapToLong(Long::longValue).toArray();
    }

    /** Every byte, in order, and nothing else. */
    boolean intact() {
        return error.isEmpty() && bytes == (long) CHUNK * chunks && sha.equals(expectedSha());
    }

    private String expectedSha() {
        Random random = new Random(id);
        MessageDigest digest = sha256();
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < chunks; i++) {
            random.nextBytes(chunk);
            digest.update(chunk);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    String describe() {
        return "stream " + id + ": " + bytes + " bytes" + error.map(e -> ", " + e).orElse("")
                + (error.isEmpty() && !sha.equals(expectedSha()) ? ", SHA-256 differs" : "");
    }

    /** The end of the longest silence that ends after {@code killNanos}, less the kill: when bytes flowed again. */
    long resumedMillis(long killNanos) {
        long best = -1, bestGap = -1;
        for (int i = 1; i < readNanos.length; i++) {
            if (readNanos[i] <= killNanos) continue;
            long gap = readNanos[i] - Math.max(readNanos[i - 1], killNanos);
            if (gap > bestGap) {
                bestGap = gap;
                best = readNanos[i];
            }
        }
        return best < 0 ? -1 : (best - killNanos) / 1_000_000;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

package dev.vigil.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The fuzz tier's committed inputs: src/test/resources/fuzz/TARGET/, the corpus scripts/fuzz starts from. */
public final class FuzzCorpus {
    public static final Path ROOT = Path.of("src/test/resources/fuzz");

    private FuzzCorpus() {}

    /** The targets that have a corpus, by directory name. */
    public static List<String> targets() {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every input of {@code target}, in name order. */
    public static List<Path> inputs(String target) {
        try (Stream<Path> files = Files.list(ROOT.resolve(target))) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(Path input) {
        try {
            return Files.readAllBytes(input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.vigil.daemon;

import dev.vigil.config.Checker;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.ConfigPrinter;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.script.ScriptLint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vigil check-config -f FILE} (also {@code vigil -t -f FILE}, as {@code keepalived -t}): reads the
 * configuration, prints every problem as {@code FILE:LINE:COL: error|warning: MESSAGE} on stderr and a
 * one-line summary; exit 0 when it can be run, 1 when not.
 */
@Command(name = "check-config", aliases = {"-t", "--test"},
        description = "Check a keepalived configuration file and summarise it (exit 0 = usable, 1 = errors).")
final class CheckConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Mixin
    ConfigFileOptions configFile;

    @Option(names = "--strict", description = "Treat warnings as errors.")
    boolean strict;

    @Option(names = "--dump", description = "Print the effective configuration in canonical form on stdout "
            + "(the summary then goes to stderr).")
    boolean dump;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ParseOptions options = configFile.apply(ParseOptions.defaults());
        ParseResult result = ConfigParser.parse(configFile.file, options);
        List<Diagnostic> all = new ArrayList<>(result.diagnostics());
        result.config().ifPresent(c -> all.addAll(scriptTraps(c)));
        List<Diagnostic> shown = all.stream()
                .map(d -> strict && !d.isError() ? new Diagnostic(Diagnostic.Severity.ERROR, d.source(), d.message()) : d)
                .toList();
        shown.forEach(d -> err.println(d));
        boolean failed = result.config().isEmpty() || shown.stream().anyMatch(Diagnostic::isError);
        if (failed) {
            err.flush();
            return 1;
        }
        NodeConfig config = result.config().get();
        String summary = summary(configFile.file.toString(), config,
                (int) all.stream().filter(d -> !d.isError()).count());
        if (dump) {
            out.print(ConfigPrinter.print(config));
            err.println(summary);
        } else {
            out.println(summary);
        }
        out.flush();
        err.flush();
        return 0;
    }

    /** Scripts that parse but will not do what they seem to (the seed article's dash/let trap). */
    private static List<Diagnostic> scriptTraps(NodeConfig config) {
        List<Diagnostic> out = new ArrayList<>();
        for (VirtualServer vs : config.virtualServers()) {
            for (RealServer rs : vs.realServers()) {
                for (Checker c : rs.checkers()) {
                    if (c instanceof Checker.MiscCheck misc) {
                        ScriptLint.dashLetTrap(Path.of(misc.script().path())).ifPresent(warning -> out.add(
                                new Diagnostic(Diagnostic.Severity.WARNING, misc.script().source(), warning)));
                    }
                }
            }
        }
        return out;
    }

    static String summary(String fileName, NodeConfig config, int warnings) {
        List<RealServer> reals = config.virtualServers().stream().map(VirtualServer::realServers)
                .flatMap(List::stream).toList();
        int checkers = reals.stream().mapToInt(r -> r.checkers().size()).sum();
        return fileName + ": OK: " + config.vrrpInstances().size() + " VRRP instances, "
                + config.virtualServers().size() + " virtual servers, " + reals.size() + " real servers, "
                + checkers + " checkers (" + warnings + " warnings)";
    }
}

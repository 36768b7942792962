package dev.vigil.daemon;

import dev.vigil.config.Checker;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.ConfigPrinter;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.Engine;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.forward.KernelSupport;
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

    // The packaged /usr/bin/vigil sets VIGIL_CHECK_SERVICE=true: there the service is how Vigil runs.
    @Option(names = "--service", negatable = true, defaultValue = "${env:VIGIL_CHECK_SERVICE:-false}", fallbackValue = "true",
            description = "Also warn about what will not work under the packaged vigil.service (user vigil, "
                    + "ProtectHome, PrivateTmp, ProtectSystem=strict); default: on in the Debian package.")
    boolean service;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ParseOptions options = configFile.apply(ParseOptions.defaults());
        ParseResult result = ConfigParser.parse(configFile.file, options);
        List<Diagnostic> all = new ArrayList<>(result.diagnostics());
        result.config().ifPresent(c -> all.addAll(scriptTraps(c)));
        result.config().ifPresent(c -> all.addAll(kernelSchedulers(c)));
        if (service) result.config().ifPresent(c -> all.addAll(ServiceHardening.check(c)));
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

    /**
     * What the kernel engine cannot do yet (lb_kind DR/TUN, SCTP, a counted scheduler on a fwmark or port-0
     * service): the node would start without that virtual server.
     */
    private static List<Diagnostic> kernelSchedulers(NodeConfig config) {
        List<Diagnostic> out = new ArrayList<>();
        for (VirtualServer vs : config.virtualServers()) {
            EngineChoice choice = EngineChoice.of(config, vs);
            if (choice.engine() != Engine.KERNEL) continue;
            KernelSupport.unsupported(vs).ifPresent(why -> out.add(new Diagnostic(
                    Diagnostic.Severity.WARNING, vs.source(), "virtual server " + vs.key() + " gets the kernel engine ("
                    + choice.reason() + "), which will not serve it: " + why)));
        }
        return out;
    }

    static String summary(String fileName, NodeConfig config, int warnings) {
        List<RealServer> reals = config.virtualServers().stream().map(VirtualServer::realServers)
                .flatMap(List::stream).toList();
        int checkers = reals.stream().mapToInt(r -> r.checkers().size()).sum();
        return fileName + ": OK: " + config.vrrpInstances().size() + " VRRP instances, "
                + config.virtualServers().size() + " virtual servers, " + reals.size() + " real servers, "
                + checkers + " checkers (" + warnings + " warnings)" + kernelServers(config);
    }

    /**
     * Which virtual servers each engine forwards, and why; nothing when all go through the proxy by default
     * (the summary of a file that never asks for an engine stays as it was).
     */
    private static String kernelServers(NodeConfig config) {
        List<String> kernel = new ArrayList<>();
        List<String> proxy = new ArrayList<>();
        for (VirtualServer vs : config.virtualServers()) {
            EngineChoice choice = EngineChoice.of(config, vs);
            (choice.engine() == Engine.KERNEL ? kernel : proxy).add(vs.key() + " (" + choice.reason() + ")");
        }
        if (kernel.isEmpty()) return "";
        return "; kernel engine (needs root, nf_tables, libnftables1): " + String.join(", ", kernel)
                + (proxy.isEmpty() ? "" : "; proxy engine: " + String.join(", ", proxy));
    }
}

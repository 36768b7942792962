package dev.vigil.daemon;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The {@code vigil(8)} man page and the bash completion, written from the picocli command model at
 * package time ({@code pom.xml} runs {@link #main}), so they say what {@code --help} says and cannot
 * drift from it.
 */
public final class CommandDocs {

    private CommandDocs() {}

    /** {@code CommandDocs OUT_DIR}: writes {@code vigil.8.gz} and {@code vigil.bash-completion} there. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: CommandDocs OUT_DIR");
        Path out = Files.createDirectories(Path.of(args[0]));
        CommandLine cli = Main.commandLine();
        // GZIPOutputStream writes no time stamp: the same model gives the same bytes.
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out.resolve("vigil.8.gz")))) {
            gz.write(manPage(cli, Main.version()).getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(out.resolve("vigil.bash-completion"), bashCompletion(cli));
    }

    static String bashCompletion(CommandLine cli) {
        return AutoComplete.bash("vigil", cli);
    }

    static String manPage(CommandLine cli, String version) {
        CommandSpec root = cli.getCommandSpec();
        StringBuilder m = new StringBuilder();
        m.append(".TH VIGIL 8 \"\" \"vigil ").append(roff(version)).append("\" \"System Administration\"\n");
        m.append(".SH NAME\nvigil \\- ").append(roff(String.join(" ", root.usageMessage().description()))).append('\n');
        m.append(".SH SYNOPSIS\n");
        m.append(".B vigil\n.I COMMAND\n[\\fIOPTION\\fR...]\n");
        m.append(".SH DESCRIPTION\n").append(roff("""
                Vigil shares virtual IP addresses between nodes with VRRP and balances TCP connections over \
                real servers, health-checked, reading keepalived's configuration language. Installed from its \
                Debian package it runs as the systemd service vigil.service, as the user vigil, with the \
                configuration in /etc/vigil/keepalived.conf.""")).append('\n');
        m.append(".SH OPTIONS\n");
        options(m, root);
        m.append(".SH COMMANDS\n");
        for (CommandLine sub : cli.getSubcommands().values().stream().distinct().toList()) {
            CommandSpec spec = sub.getCommandSpec();
            m.append(".SS ").append(roff(String.join(", ", names(spec)))).append('\n');
            m.append(roff(String.join(" ", spec.usageMessage().description()))).append('\n');
            m.append(".PP\n.nf\n").append(roff(sub.getHelp().synopsis(0).strip())).append("\n.fi\n");
            options(m, spec);
        }
        m.append(".SH FILES\n");
        file(m, "/etc/vigil/keepalived.conf", "the configuration the service runs (a conffile; conf.d/*.conf is included)");
        file(m, "/usr/lib/systemd/system/vigil.service", "the systemd unit");
        file(m, "/usr/lib/vigil/", "Vigil's jar, its own Java runtime and its start-up cache");
        file(m, "/run/vigil/", "the service's runtime directory (notify FIFOs)");
        m.append(".SH EXIT STATUS\n").append(roff("0 on success; 1 when the configuration has errors or the "
                + "node cannot start; 2 for a bad command line.")).append('\n');
        m.append(".SH SEE ALSO\n.BR keepalived.conf (5),\n.BR systemctl (1),\n")
                .append(roff("/usr/share/doc/vigil/README.md and the guides beside it.")).append('\n');
        return m.toString();
    }

    private static List<String> names(CommandSpec spec) {
        List<String> names = new ArrayList<>(List.of(spec.name()));
        names.addAll(List.of(spec.aliases()));
        return names;
    }

    private static void options(StringBuilder m, CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            String label = o.typeInfo().isBoolean() ? "" : "=\\fI" + roff(o.paramLabel()) + "\\fR";
            m.append(".TP\n");
            m.append(String.join(", ", Arrays.stream(o.names())
                    .map(n -> "\\fB" + roff(n) + "\\fR" + label).toList())).append('\n');
            m.append(roff(String.join(" ", o.description()))).append('\n');
        }
    }

    private static void file(StringBuilder m, String path, String what) {
        m.append(".TP\n.I ").append(roff(path)).append('\n').append(roff(what)).append('\n');
    }

    /** Text as roff reads it literally: backslashes and dashes escaped, no line taken for a request. */
    static String roff(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-");
        return escaped.lines().map(l -> l.startsWith(".") || l.startsWith("'") ? "\\&" + l : l)
                .reduce((a, b) -> a + "\n" + b).orElse("");
    }
}

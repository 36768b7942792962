package dev.vigil.daemon;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/** The {@code vigil} command line: one subcommand per job. */
@Command(name = "vigil", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "High-availability L4 load balancer that reads keepalived's configuration.")
public final class Main implements Runnable {

    /**
     * The subcommands, in the order help lists them, then {@code help}, which needs the others; added here rather
     * than in {@code @Command} (see {@link #commandLine(String...)}).
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(CheckConfigCommand.class, RunCommand.class, DemoCommand.class,
            StatusCommand.class, ReloadCommand.class, ReleaseVipsCommand.class);

    public static void main(String[] args) {
        // Netty's leak sampling costs the data path; tests keep it on.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command model: every subcommand (help, the man page and the completion are made from it). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        SUBCOMMANDS.forEach(cli::addSubcommand);
        cli.addSubcommand(CommandLine.HelpCommand.class);
        return withHandler(cli);
    }

    /**
     * The model that {@code args} needs: when they start with a subcommand's name or alias, {@code vigil} with that
     * subcommand alone, else the whole model. Building picocli's model reflects over every option of every
     * command it holds, which was most of the time a short command such as {@code check-config} took (the
     * service runs check-config and release-vips on every start and stop); the one subcommand parses, helps
     * and fails exactly as it does in the whole model.
     */
    static CommandLine commandLine(String... args) {
        if (args.length > 0) {
            for (Class<?> sub : SUBCOMMANDS) {
                Command command = sub.getAnnotation(Command.class);
                if (command.name().equals(args[0]) || Arrays.asList(command.aliases()).contains(args[0])) {
                    return withHandler(new CommandLine(new Main()).addSubcommand(sub));
                }
            }
        }
        return commandLine();
    }

    private static CommandLine withHandler(CommandLine cli) {
        // Bad command lines are user errors: one clear line, never a stack trace.
        cli.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("vigil: " + ex.getMessage());
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/vigil-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vigil " + version()};
        }
    }
}

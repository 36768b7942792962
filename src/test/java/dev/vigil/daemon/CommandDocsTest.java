package dev.vigil.daemon;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The man page and the bash completion say what {@code --help} says: every command and every option. */
class CommandDocsTest {
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[A-Za-z][\\w-]*)");

    private final CommandLine cli = Main.commandLine();
    private final String man = CommandDocs.manPage(cli, "1.2.3").replace("\\-", "-").replace("\\fB", "").replace("\\fR", "");
    private final String completion = CommandDocs.bashCompletion(cli);

    @Test
    void everyCommandOfTheHelpIsDocumentedAndCompleted() {
        for (String command : cli.getSubcommands().keySet()) {
            assertThat(man).as("man page names " + command).contains(command);
            assertThat(completion).as("completion offers " + command).contains(command);
        }
    }

    @Test
    void everyOptionInEachCommandsHelpIsDocumentedAndCompleted() {
        for (CommandLine command : cli.getSubcommands().values()) {
            String name = command.getCommandName();
            Set<String> options = optionsIn(command.getUsageMessage());
            assertThat(options).as(name + " --help lists options").isNotEmpty();
            String section = man.substring(man.indexOf(".SS " + name));
            for (String option : options) {
                assertThat(section).as("man page, command " + name + ": " + option).contains(option);
                assertThat(completion).as("completion, command " + name + ": " + option).contains(option);
            }
            for (String line : command.getCommandSpec().usageMessage().description()) {
                assertThat(section).as("man page describes " + name).contains(line);
            }
        }
    }

    @Test
    void theManPageIsWellFormedRoff() {
        String raw = CommandDocs.manPage(cli, "1.2.3");
        assertThat(raw).startsWith(".TH VIGIL 8 ").contains(".SH NAME\nvigil \\- ").contains("vigil 1.2.3");
        // every line that starts with a dot is a request this generator writes, never escaped help text
        raw.lines().filter(l -> l.startsWith(".")).forEach(l -> assertThat(l).matches("\\.(TH|SH|SS|TP|PP|nf|fi|B|I|BR) ?.*"));
    }

    @Test
    void roffEscapesDashesBackslashesAndLeadingDots() {
        assertThat(CommandDocs.roff("a-b \\n\n.x\n'y")).isEqualTo("a\\-b \\en\n\\&.x\n\\&'y");
    }

    private static Set<String> optionsIn(String usage) {
        Set<String> found = new LinkedHashSet<>();
        // the option list: lines indented by at most a few spaces that start with a dash
        for (String line : usage.lines().toList()) {
            if (!line.matches(" {1,8}-.*")) continue;
            Matcher m = OPTION.matcher(line.strip().split(" {2,}")[0]);
            while (m.find()) found.add(m.group(1));
        }
        return found;
    }
}

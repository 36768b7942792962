package dev.vigil.system;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The seed article's deployment to watch (run as root through {@code scripts/seed-demo}): two Vigil
 * balancers, four Exchange test servers, a mail catcher and a client making steady requests, in network
 * namespaces of this machine. The two dashboards are relayed to 127.0.0.1; a terminal menu fails a
 * service, puts a server in maintenance, kills and restarts the master. Ctrl-C (or {@code q}) removes
 * every namespace and process it made.
 */
public final class SeedDemo {

    private SeedDemo() {}

    public static void main(String[] args) throws Exception {
        boolean articleScript = List.of(args).contains("--article-script");
        int basePort = 9181;
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals("--port")) basePort = Integer.parseInt(args[i + 1]);
        String missing = RunCommandProbe.missingReason();
        if (missing != null) {
            System.err.println("seed-demo: " + missing);
            System.exit(1);
        }
        SeedConfig.Check check = articleScript ? SeedConfig.Check.ARTICLE_SCRIPT : SeedConfig.Check.EXCHANGE_CHECK;
        say("building the seed deployment in network namespaces (" + check + ") ...");
        SeedDeployment d = SeedDeployment.create("vd", Path.of("target", "seed-demo"), Duration.ofSeconds(3), check);
        Thread cleanup = Thread.ofPlatform().unstarted(() -> {
            System.out.println("\nseed-demo: removing everything it made ...");
            d.close();
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        ClientLoad load = null;
        try (AdminRelay dash1 = AdminRelay.start(basePort, d.node(1).namespace(), d.node(1).admin());
             AdminRelay dash2 = AdminRelay.start(basePort + 1, d.node(2).namespace(), d.node(2).admin())) {
            d.startNodes();
            d.awaitMaster(1, Duration.ofSeconds(30));
            load = d.startLoad(2, Duration.ofMillis(200));
            say("");
            say("balancer01 (MASTER file, priority 100): dashboard http://127.0.0.1:" + dash1.port() + "/");
            say("balancer02 (BACKUP file, priority  90): dashboard http://127.0.0.1:" + dash2.port() + "/");
            say("  (inside the namespaces: ip netns exec " + d.node(1).namespace() + " curl -s http://"
                    + d.node(1).admin().getAddress().getHostAddress() + ":9180/api/v1/status)");
            say("VIP " + SeedConfig.VIP + ":443, Exchange servers " + SeedConfig.EXCHANGE_ADDRESSES
                    + ", mail to " + SeedConfig.SMTP_ADDRESS + ":25, logs and files in " + d.dir());
            menu(d, load);
        } finally {
            if (load != null) load.stop();
            d.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private static void menu(SeedDeployment d, ClientLoad load) throws Exception {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long seen = System.nanoTime();
        int mailsSeen = 0;
        while (true) {
            say("");
            say("[s] status   [f N SERVICE] fail a service on server N (e.g. f 2 owa)   [m N] maintenance   "
                    + "[r N] recover   [k] kill -9 the master   [b] bring the killed node back   [q] quit");
            System.out.print("> ");
            System.out.flush();
            String line = in.readLine();
            if (line == null) return;
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0].toLowerCase(Locale.ROOT)) {
                    case "", "s" -> { }
                    case "f" -> {
                        ExchangeService s = ExchangeService.fromKeyword(w.length > 2 ? w[2] : "owa").orElseThrow(
                                () -> new IllegalArgumentException("services: rpc mapi owa ecp ews oab eas autodiscover"));
                        d.fleet().set(server(w), s, Mode.UNHEALTHY);
                        say("server " + server(w) + ": " + s.healthPath() + " now answers 503; watch it leave within delay_loop");
                    }
                    case "m" -> {
                        d.fleet().maintenance(server(w));
                        say("server " + server(w) + ": every health page answers 503 (maintenance)");
                    }
                    case "r" -> {
                        d.fleet().recover(server(w));
                        say("server " + server(w) + ": healthy again");
                    }
                    case "k" -> {
                        Optional<Integer> m = masterNow(d);
                        if (m.isEmpty()) {
                            say("no master right now");
                        } else {
                            d.node(m.get()).kill9();
                            say("balancer0" + m.get() + " killed with SIGKILL; the other takes the VIP after the master-down interval (~3.6 s)");
                        }
                    }
                    case "b" -> {
                        for (int n = 1; n <= 2; n++) {
                            if (!d.node(n).isAlive()) {
                                d.node(n).start();
                                say("balancer0" + n + " starting" + (n == 1 ? "; it has the higher priority and preempts" : ""));
                            }
                        }
                    }
                    case "q" -> {
                        return;
                    }
                    default -> say("?");
                }
            } catch (RuntimeException e) {
                say("error: " + e.getMessage());
            }
            Thread.sleep(300);
            seen = summary(d, load, seen);
            List<MailCatcher.Mail> mails = d.mail().mails();
            for (int i = mailsSeen; i < mails.size(); i++) say("mail: " + mails.get(i).subject());
            mailsSeen = mails.size();
        }
    }

    private static int server(String[] w) {
        int n = w.length > 1 ? Integer.parseInt(w[1]) : 0;
        if (n < 1 || n > 4) throw new IllegalArgumentException("server 1..4");
        return n;
    }

    private static Optional<Integer> masterNow(SeedDeployment d) {
        for (int n = 1; n <= 2; n++) if (d.state(n).equals(Optional.of(VrrpState.MASTER))) return Optional.of(n);
        return Optional.empty();
    }

    private static long summary(SeedDeployment d, ClientLoad load, long since) {
        long now = System.nanoTime();
        List<ClientLoad.Request> recent = load.since(since);
        long failed = recent.stream().filter(r -> !r.ok()).count();
        say(String.format(Locale.ROOT, "client: %d requests in the last %.0f s, %d failed, answered by %s",
                recent.size(), (now - since) / 1e9, failed, ClientLoad.byServer(recent)));
        for (int n = 1; n <= 2; n++) {
            Optional<StatusSnapshot> s = d.node(n).tryStatus();
            if (s.isEmpty()) {
                say("balancer0" + n + ": not answering");
                continue;
            }
            StringBuilder b = new StringBuilder("balancer0" + n + ": ");
            s.get().vrrp().forEach(v -> b.append(v.state()).append(' '));
            for (var vs : s.get().virtualServers()) {
                for (var r : vs.realServers()) {
                    b.append(" ").append(r.address().substring(r.address().lastIndexOf('.') + 1)).append('=').append(r.state())
                            .append('(').append(r.activeConnections()).append(')');
                }
            }
            say(b.toString());
        }
        return now;
    }

    private static void say(String s) {
        System.out.println(s);
    }
}

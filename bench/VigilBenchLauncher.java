import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.VirtualServer;
import dev.vigil.forward.ProxyEngine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * The proxy engine alone, without the daemon around it, for tuning the data path (bench/run.sh, bench/cps.sh):
 * {@code java -cp target/vigil.jar bench/VigilBenchLauncher.java PORT LOOPS HOST:PORT...}, a virtual server on
 * 127.0.0.1:PORT over the real servers, built from a configuration text so it follows the parser, not the records.
 * {@code -Dvigil.scheduler=wlc} picks the scheduler (rr by default); the -Dvigil.* tuning properties apply.
 */
public class VigilBenchLauncher {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        StringBuilder text = new StringBuilder("virtual_server 127.0.0.1 " + port + " {\n  lb_algo "
                + System.getProperty("vigil.scheduler", "rr").toLowerCase(Locale.ROOT) + "\n");
        for (int i = 2; i < args.length; i++) {
            String[] hp = args[i].split(":", 2);
            text.append("  real_server ").append(hp[0]).append(' ').append(hp[1]).append(" {\n  }\n");
        }
        ParseResult parsed = ConfigParser.parse(text.append("}\n").toString(), "bench", ParseOptions.defaults());
        if (parsed.config().isEmpty()) {
            parsed.diagnostics().forEach(System.err::println);
            System.exit(2);
        }
        VirtualServer vs = parsed.config().get().virtualServers().getFirst();
        ProxyEngine.Options defaults = ProxyEngine.Options.fromSystemProperties();
        ProxyEngine engine = new ProxyEngine(new ProxyEngine.Options(loops, defaults.transport(), defaults.dataPath(),
                defaults.waterMark(), defaults.maxReadSize()));
        var listener = engine.open(new VirtualService(vs), new InetSocketAddress("127.0.0.1", port));
        if (!listener.listening()) System.exit(1);
        System.out.println("ready " + listener.localAddress());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> engine.close(Duration.ZERO)));
        while (System.in.read() >= 0) {
            // run until stdin closes
        }
        engine.close(Duration.ZERO);
    }
}

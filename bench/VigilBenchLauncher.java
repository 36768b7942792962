// Bench-only launcher: runs Vigil's proxy engine in front of real servers given on the command line,
// before `vigil run` exists. Run as a single-file source program against the shaded jar:
//   java -cp target/vigil.jar bench/VigilBenchLauncher.java LISTEN_PORT EVENT_LOOPS HOST:PORT [HOST:PORT...]
// Transport: -Dvigil.transport=epoll|io_uring|nio. Stops on stdin EOF or SIGTERM.

import dev.vigil.balance.VirtualService;
import dev.vigil.config.CheckTiming;
import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.Protocol;
import dev.vigil.config.RealServer;
import dev.vigil.config.Scheduler;
import dev.vigil.config.Source;
import dev.vigil.config.VirtualServer;
import dev.vigil.forward.ProxyEngine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

public class VigilBenchLauncher {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        List<RealServer> reals = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] hp = args[i].split(":");
            reals.add(new RealServer(InetAddress.getByName(hp[0]), Integer.parseInt(hp[1]), 1, Optional.empty(),
                    Optional.empty(), Optional.empty(), 0, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                    CheckTiming.INHERIT, List.of(), Source.BUILT_IN));
        }
        VirtualServer vs = new VirtualServer(new VirtualServer.ByAddress(InetAddress.getByName("127.0.0.1"), port),
                Scheduler.valueOf(System.getProperty("vigil.scheduler", "RR")), Set.of(), ForwardingMethod.NAT,
                Protocol.TCP, Optional.empty(), Optional.empty(), Optional.empty(), false, 1, 0, Optional.empty(),
                Optional.empty(), false, false, false, Optional.empty(), Optional.empty(), CheckTiming.INHERIT,
                VirtualServer.ProxySettings.DEFAULTS, reals, Source.BUILT_IN);
        ProxyEngine engine = new ProxyEngine(new ProxyEngine.Options(loops, null,
                ProxyEngine.Options.DEFAULTS.waterMark()));
        var listener = engine.open(new VirtualService(vs));
        if (!listener.listening()) System.exit(1);
        System.out.println("ready " + listener.localAddress());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> engine.close(Duration.ZERO)));
        while (System.in.read() >= 0) {
            // run until stdin closes
        }
        engine.close(Duration.ZERO);
    }
}

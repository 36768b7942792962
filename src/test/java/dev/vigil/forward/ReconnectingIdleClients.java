package dev.vigil.forward;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The idle clients of {@link ForwardingSoakTest}, in their own JVM so that their descriptors do not count
 * against the limit of the JVM running Vigil nor of the test's. Each of N slots holds one connection
 * through the proxy: it sends {@link KillableRealServer#IDLE}, waits for its echo (then it counts as
 * open), and sits in a read. A connection that ends (its real server was killed) is counted as a drop
 * and opened again, so N are held for the whole run. JDK only.
 *
 * <pre>
 *   args: HOST:PORT N
 *   prints "connected" once all N are open
 *   stdin "status": prints "open O drops D connects C failures F"
 *   stdin "probe":  writes 'P' on every open connection, waits for the echoes; prints "probed OK of TRIED"
 * </pre>
 */
public final class ReconnectingIdleClients {

    private static final int PROBE = 'P';

    private final InetSocketAddress target;
    private final AtomicReferenceArray<Socket> sockets;
    private final Semaphore connecting = new Semaphore(200); // a burst of 10,000 SYNs overflows any backlog
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong drops = new AtomicLong();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong probed = new AtomicLong();

    private ReconnectingIdleClients(InetSocketAddress target, int n) {
        this.target = target;
        this.sockets = new AtomicReferenceArray<>(n);
    }

    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        int n = Integer.parseInt(args[1]);
        ReconnectingIdleClients clients = new ReconnectingIdleClients(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), n);
        for (int i = 0; i < n; i++) {
            int slot = i;
            Thread.ofVirtual().start(() -> clients.hold(slot));
        }
        while (clients.open.get() < n) Thread.sleep(100);
        System.out.println("connected");
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = stdin.readLine()) != null; ) {
            switch (line) {
                case "status" -> System.out.println("open " + clients.open.get() + " drops " + clients.drops.get()
                        + " connects " + clients.connects.get() + " failures " + clients.failures.get());
                case "probe" -> System.out.println(clients.probe());
                default -> System.out.println("unknown command " + line);
            }
            System.out.flush();
        }
        System.exit(0);
    }

    private void hold(int slot) {
        while (true) {
            Socket s = new Socket();
            boolean established = false;
            try (s) {
                connecting.acquireUninterruptibly();
                try {
                    s.connect(target, 10_000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(KillableRealServer.IDLE);
                    if (s.getInputStream().read() != KillableRealServer.IDLE) throw new IOException("no echo of the first byte");
                    s.setSoTimeout(0);
                } finally {
                    connecting.release();
                }
                InputStream in = s.getInputStream();
                established = true;
                sockets.set(slot, s);
                connects.incrementAndGet();
                open.incrementAndGet();
                for (int b; (b = in.read()) >= 0; ) {
                    if (b == PROBE) probed.incrementAndGet();
                }
            } catch (IOException e) {
                // a killed real server (reset) or a refused connect: counted below, then again
            }
            if (established) {
                sockets.set(slot, null);
                open.decrementAndGet();
                drops.incrementAndGet();
            } else {
                failures.incrementAndGet();
            }
            try {
                Thread.sleep(200 + (slot % 100) * 5); // spread the reconnects
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String probe() throws InterruptedException {
        long before = probed.get();
        int tried = 0;
        for (int i = 0; i < sockets.length(); i++) {
            Socket s = sockets.get(i);
            if (s == null) continue;
            tried++;
            try {
                s.getOutputStream().write(PROBE);
            } catch (IOException e) {
                // not answered, so not counted
            }
        }
        long end = System.nanoTime() + 30_000_000_000L;
        while (probed.get() - before < tried && System.nanoTime() < end) Thread.sleep(50);
        return "probed " + (probed.get() - before) + " of " + tried;
    }
}

package dev.vigil.forward;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The other end of {@link TenThousandIdleConnectionsTest}, run as its own JVM so that its sockets do
 * not count against the open-file limit of the JVM running Vigil. JDK only.
 *
 * <pre>
 *   backend           prints "port P", echoes every connection, exits when stdin closes
 *   clients HOST:PORT N  connects N sockets, prints "connected"; on stdin "echo" writes a byte on each
 *                     and reads it back, prints "echoed"; on stdin "close" closes all and exits
 * </pre>
 */
public final class IdleConnectionPeer {
    public static void main(String[] args) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        if (args[0].equals("backend")) {
            ServerSocket server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
            System.out.println("port " + server.getLocalPort());
            System.out.flush();
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                byte[] buf = new byte[512]; // small: 10,000 of them are alive at once
                                for (int n; (n = s.getInputStream().read(buf)) >= 0; ) s.getOutputStream().write(buf, 0, n);
                            } catch (IOException ignored) {
                                // the test judges by what arrives at the client
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            while (stdin.readLine() != null) {
                // wait for the test to finish
            }
            System.exit(0);
        }
        String[] hp = args[1].split(":");
        InetSocketAddress target = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        int n = Integer.parseInt(args[2]);
        List<Socket> sockets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(target, 10_000);
            s.setSoTimeout(30_000);
            sockets.add(s);
        }
        System.out.println("connected");
        System.out.flush();
        for (String line; (line = stdin.readLine()) != null; ) {
            if (line.equals("echo")) {
                for (Socket s : sockets) s.getOutputStream().write(7);
                int ok = 0;
                for (Socket s : sockets) if (s.getInputStream().read() == 7) ok++;
                System.out.println("echoed " + ok);
                System.out.flush();
            } else if (line.equals("close")) {
                for (Socket s : sockets) s.close();
                System.out.println("closed");
                System.out.flush();
                System.exit(0);
            }
        }
    }
}

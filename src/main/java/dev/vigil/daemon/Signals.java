package dev.vigil.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The daemon's signals as events for its main thread: SIGHUP asks for a reload, SIGTERM and SIGINT for
 * a graceful stop. Handlers only enqueue, so the work runs on the main thread, never in a handler.
 *
 * <p>Only {@code sun.misc.Signal} (module jdk.unsupported) can handle SIGHUP. It is reached by reflection
 * because javac's "internal proprietary API" warning on every use of it cannot be suppressed, and the
 * build treats warnings as errors.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    enum Event { RELOAD, STOP }

    /** What the events act on: the running node (with systemd told), or a test's stand-in. */
    interface Target {
        void reload();

        void stop();
    }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

    static Signals install() {
        Signals s = new Signals();
        s.on("HUP", Event.RELOAD);
        s.on("TERM", Event.STOP);
        s.on("INT", Event.STOP);
        return s;
    }

    /** {@code sun.misc.Signal.handle(new Signal(name), signal -> deliver(event))}. */
    private void on(String name, Event event) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            MethodHandle deliver = MethodHandles.lookup()
                    .findVirtual(Signals.class, "deliver", MethodType.methodType(void.class, Event.class))
                    .bindTo(this);
            MethodHandle handle = MethodHandles.dropArguments(MethodHandles.insertArguments(deliver, 0, event), 0, signal);
            Object handler = MethodHandleProxies.asInterfaceInstance(handlerType, handle);
            Object sig = signal.getConstructor(String.class).newInstance(name);
            signal.getMethod("handle", signal, handlerType).invoke(null, sig, handler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot handle SIG" + name + ": " + e, e);
        }
    }

    /** What a handler does when its signal arrives. */
    void deliver(Event event) {
        events.add(event);
    }

    /**
     * Acts on each signal in turn until a stop has been carried out; returns the exit code, 1 if the stop
     * itself failed. A reload that fails in any way, out of memory included, is logged and the loop goes on,
     * so the node keeps running what it ran and the next SIGHUP or SIGTERM is heard.
     */
    int dispatch(Target target) {
        while (true) {
            switch (next()) {
                case RELOAD -> {
                    try {
                        target.reload();
                    } catch (Throwable t) {
                        LOG.error("reload failed: {}; still running the previous configuration", t.toString(), t);
                    }
                }
                case STOP -> {
                    try {
                        target.stop();
                        return 0;
                    } catch (Throwable t) {
                        LOG.error("stop failed: {}", t.toString(), t);
                        return 1;
                    }
                }
            }
        }
    }

    /** Waits for the next signal. */
    Event next() {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Event.STOP;
        }
    }
}

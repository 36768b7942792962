package dev.vigil.daemon;

import sun.misc.Signal;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * The daemon's signals as events for its main thread: SIGHUP asks for a reload, SIGTERM and SIGINT for
 * a graceful stop. Handlers only enqueue, so the work runs on the main thread, never in a handler.
 */
final class Signals {
    enum Event { RELOAD, STOP }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

    static Signals install() {
        Signals s = new Signals();
        Signal.handle(new Signal("HUP"), sig -> s.events.add(Event.RELOAD));
        Signal.handle(new Signal("TERM"), sig -> s.events.add(Event.STOP));
        Signal.handle(new Signal("INT"), sig -> s.events.add(Event.STOP));
        return s;
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

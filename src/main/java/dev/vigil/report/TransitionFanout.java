package dev.vigil.report;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Hands each transition to several listeners (metrics, notify FIFOs, mail). A listener that throws is
 * logged and skipped; the others and the caller (a VRRP or checker thread) carry on.
 */
public final class TransitionFanout implements TransitionListener {

    private static final Logger LOG = LoggerFactory.getLogger(TransitionFanout.class);
    private final List<TransitionListener> listeners;

    public TransitionFanout(List<? extends TransitionListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void vrrpTransition(VrrpTransition t) {
        for (TransitionListener l : listeners) {
            try {
                l.vrrpTransition(t);
            } catch (RuntimeException e) {
                LOG.warn("{} failed on {}: {}", l.getClass().getSimpleName(), t, e.toString());
            }
        }
    }

    @Override
    public void realServerTransition(RealServerTransition t) {
        for (TransitionListener l : listeners) {
            try {
                l.realServerTransition(t);
            } catch (RuntimeException e) {
                LOG.warn("{} failed on {}: {}", l.getClass().getSimpleName(), t, e.toString());
            }
        }
    }

    @Override
    public void syncTransition(SyncTransition t) {
        for (TransitionListener l : listeners) {
            try {
                l.syncTransition(t);
            } catch (RuntimeException e) {
                LOG.warn("{} failed on {}: {}", l.getClass().getSimpleName(), t, e.toString());
            }
        }
    }

    @Override
    public void virtualServerTransition(VirtualServerTransition t) {
        for (TransitionListener l : listeners) {
            try {
                l.virtualServerTransition(t);
            } catch (RuntimeException e) {
                LOG.warn("{} failed on {}: {}", l.getClass().getSimpleName(), t, e.toString());
            }
        }
    }
}

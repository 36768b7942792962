package dev.vigil.health;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** A socket that is never connected: it reads back a canned answer and swallows what is written. */
final class ReplayedSocket extends Socket {
    private final InputStream in;

    ReplayedSocket(byte[] answer) {
        this.in = new ByteArrayInputStream(answer);
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public void setSoTimeout(int timeout) {
        // nothing to wait for: every byte is already there
    }

    /** A connection that answers with {@code answer}, under a deadline that never comes. */
    static CheckConnection answering(byte[] answer) {
        return new CheckConnection(new ReplayedSocket(answer), System.nanoTime() + Long.MAX_VALUE / 2);
    }
}

package dev.vigil.daemon;

import java.util.Objects;

/** A node could not start; the message is for the operator, with no stack trace. */
final class StartupException extends Exception {
    StartupException(String message) {
        super(message);
    }

    /** Never null: the constructor takes the message. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }
}

package dev.vigil.daemon;

/** A node could not start; the message is for the operator, with no stack trace. */
final class StartupException extends Exception {
    StartupException(String message) {
        super(message);
    }
}

package dev.vigil.report;

/**
 * Where a real server stands: {@code UP} and {@code DOWN} are the checkers' verdict; {@code MAINTENANCE}
 * means taken out by an operator or a tracked file; {@code DRAINED} means no new connections but the
 * established ones carry on.
 */
public enum RealServerState { UP, DOWN, MAINTENANCE, DRAINED }

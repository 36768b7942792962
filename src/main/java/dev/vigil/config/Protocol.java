package dev.vigil.config;

/** {@code protocol} of a virtual server. */
public enum Protocol { TCP, UDP, SCTP }

package dev.vigil.config;

/** {@code lb_kind}/{@code lvs_method}. The proxy engine gives NAT semantics whatever is chosen. */
public enum ForwardingMethod { NAT, DR, TUN }

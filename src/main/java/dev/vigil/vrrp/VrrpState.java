package dev.vigil.vrrp;

/** The states of a VRRP instance; FAULT and STOP are keepalived's, as its notify scripts name them. */
public enum VrrpState { INIT, BACKUP, MASTER, FAULT, STOP }

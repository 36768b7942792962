package dev.vigil.report;

/** The states a VRRP instance or sync group reports, named as keepalived's notify arguments name them. */
public enum VrrpState { INIT, BACKUP, MASTER, FAULT, STOP, DELETED }

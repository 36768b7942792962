/**
 * Arithmetic of wire formats that both the pure VRRP codec and the frame builders of
 * {@code dev.vigil.linux} need (the RFC 1071 checksum). Pure: no I/O, and nothing else of Vigil, so
 * the pure core can use it without depending on the package that makes native calls.
 */
package dev.vigil.wire;

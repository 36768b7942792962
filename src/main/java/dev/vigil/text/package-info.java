/**
 * Text handling shared by every part that writes outside text where people read it. Pure: no I/O, and
 * nothing else of Vigil, so the pure core may use it.
 */
package dev.vigil.text;

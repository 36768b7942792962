/**
 * Connection-state sync of the kernel engine (issue 13): one conntrackd per node, configured, started,
 * supervised and stopped by Vigil, and the takeover order "commit the synced connections, then the VIPs and
 * gratuitous ARPs". The pure parts ({@link dev.vigil.sync.SyncSettings}, {@link dev.vigil.sync.ConntrackdConfig},
 * {@link dev.vigil.sync.ConntrackdLog}, {@link dev.vigil.sync.ConntrackdStats}, {@link dev.vigil.sync.Takeover}) do
 * no I/O; {@link dev.vigil.sync.ConntrackdProcess} is the only class that runs conntrackd, behind {@link
 * dev.vigil.sync.Conntrackd}.
 * VRRP reaches the sync only through {@link dev.vigil.sync.SyncedVrrpNetwork}, the network the daemon hands to
 * VRRP: its first VIP of a takeover waits for the commit. What the sync shows goes out only as {@link
 * dev.vigil.sync.ConnectionSync.Status} and {@link dev.vigil.sync.ConntrackdProcess.Events}, which the daemon turns
 * into report's records: the sync knows nothing of status, metrics or mail.
 */
package dev.vigil.sync;

package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a keepalived configuration into a {@link NodeConfig}, the way keepalived reads it, and reports
 * every problem as a positioned {@link Diagnostic}. Never throws on bad input.
 */
public final class ConfigParser {
    private ConfigParser() {
    }

    /** Reads {@code file} and the files it includes; diagnostics name files as {@code file} names them. */
    public static ParseResult parse(Path file, ParseOptions options) {
        Diagnostics diagnostics = new Diagnostics();
        return guarded(diagnostics, new Source(String.valueOf(file), 1, 1), () -> {
            ConfigReader reader = new ConfigReader(options, diagnostics);
            reader.readMainFile(file);
            return reader.stoppedEarly() ? null : interpret(reader.lines(), options, diagnostics);
        });
    }

    /** Reads configuration text; {@code fileName} names it in diagnostics and anchors relative includes. */
    public static ParseResult parse(String text, String fileName, ParseOptions options) {
        Diagnostics diagnostics = new Diagnostics();
        return guarded(diagnostics, new Source(fileName, 1, 1), () -> {
            ConfigReader reader = new ConfigReader(options, diagnostics);
            reader.readMainText(text, fileName);
            return reader.stoppedEarly() ? null : interpret(reader.lines(), options, diagnostics);
        });
    }

    private interface Step {
        @Nullable NodeConfig run();
    }

    /**
     * The last line of defence: a bug in the reader becomes a diagnostic, never an exception. So does a
     * configuration too large for the heap: everything the parse allocated is garbage once it unwinds.
     */
    private static ParseResult guarded(Diagnostics diagnostics, Source at, Step step) {
        @Nullable NodeConfig config;
        try {
            config = step.run();
        } catch (RuntimeException | StackOverflowError e) {
            diagnostics.error(at, "internal error while reading the configuration: " + e);
            config = null;
        } catch (OutOfMemoryError e) {
            diagnostics.error(at, "the configuration does not fit in the " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB heap (-Xmx) while being read");
            config = null;
        }
        return new ParseResult(diagnostics.hasErrors() ? Optional.empty() : Optional.ofNullable(config),
                diagnostics.all());
    }

    private static NodeConfig interpret(List<List<Token>> lines, ParseOptions options, Diagnostics diagnostics) {
        List<ConfigNode> top = ConfigTree.build(lines, diagnostics);
        ParseContext ctx = new ParseContext(KeywordTable.standard(), diagnostics, options);
        Drafts.Config draft = new Drafts.Config();
        ctx.walk(Block.TOP, top, draft);
        return build(draft, diagnostics);
    }

    private static NodeConfig build(Drafts.Config d, Diagnostics diagnostics) {
        Drafts.Global globalDraft = d.global != null ? d.global : new Drafts.Global();
        GlobalDefs global = globalDraft.build();
        List<VrrpScript> scripts = new ArrayList<>();
        for (Drafts.VrrpScriptDraft s : d.scripts) {
            VrrpScript built = s.build(diagnostics);
            if (built != null) scripts.add(built);
        }
        List<VrrpInstance> instances = new ArrayList<>();
        for (Drafts.Instance i : d.instances) {
            VrrpInstance built = i.build(global, globalDraft.v3ChecksumAsV2, globalDraft.checkUnicastSrc, diagnostics);
            if (built != null) instances.add(built);
        }
        List<VrrpSyncGroup> groups = d.syncGroups.stream().map(Drafts.SyncGroup::build).toList();
        List<VirtualServer> servers = new ArrayList<>();
        for (Drafts.VirtualServerDraft v : d.virtualServers) servers.add(v.build(diagnostics));
        crossCheck(d, globalDraft, diagnostics);
        return new NodeConfig(global, scripts, instances, groups, d.virtualServerGroups, servers);
    }

    /** Checks that need the whole configuration: names that refer to other blocks, VRID clashes. */
    private static void crossCheck(Drafts.Config d, Drafts.Global global, Diagnostics diagnostics) {
        Set<String> scriptNames = new HashSet<>();
        d.scripts.forEach(s -> scriptNames.add(s.name));
        for (Drafts.Instance i : d.instances) {
            unknownScripts(i.trackScripts, i.trackScriptSources, scriptNames, diagnostics);
        }
        Map<String, Drafts.Instance> instancesByName = new HashMap<>();
        d.instances.forEach(i -> instancesByName.put(i.name, i));
        Map<String, String> memberOf = new HashMap<>();
        for (Drafts.SyncGroup g : d.syncGroups) {
            unknownScripts(g.trackScripts, g.trackScriptSources, scriptNames, diagnostics);
            for (int k = 0; k < g.instances.size(); k++) {
                String name = g.instances.get(k);
                Source at = g.instanceSources.get(k);
                if (!instancesByName.containsKey(name)) {
                    diagnostics.error(at, "vrrp_sync_group '" + g.name + "' names unknown vrrp_instance '" + name + "'");
                } else if (memberOf.containsKey(name)) {
                    diagnostics.error(at, "vrrp_instance '" + name + "' is already in vrrp_sync_group '"
                            + memberOf.get(name) + "'");
                } else {
                    memberOf.put(name, g.name);
                }
            }
        }
        Map<String, Drafts.Instance> byVrid = new HashMap<>();
        for (Drafts.Instance i : d.instances) {
            if (i.interfaceName == null || i.vrid == null || !i.unicastPeers.isEmpty()) continue;
            boolean v6 = !i.vips.isEmpty() && i.vips.getFirst().address().getAddress().length == 16;
            String key = i.interfaceName + "/" + i.vrid + "/" + (v6 ? 6 : 4);
            Drafts.Instance other = byVrid.putIfAbsent(key, i);
            if (other != null) {
                diagnostics.error(i.source, "virtual_router_id " + i.vrid + " is already used on " + i.interfaceName
                        + " by vrrp_instance '" + other.name + "'");
            }
        }
        Set<String> groupNames = new HashSet<>();
        d.virtualServerGroups.forEach(g -> groupNames.add(g.name()));
        for (Drafts.VirtualServerDraft v : d.virtualServers) {
            if (v.key instanceof VirtualServer.ByGroup(String name) && !groupNames.contains(name)) {
                diagnostics.error(v.source, "virtual_server names unknown virtual_server_group '" + name + "'");
            }
        }
        Set<java.net.InetAddress> floating = new HashSet<>();
        for (Drafts.Instance i : d.instances) {
            i.vips.forEach(v -> floating.add(v.address()));
            i.excluded.forEach(v -> floating.add(v.address()));
        }
        boolean synced = global.lvsSyncDaemon != null
                || d.instances.stream().anyMatch(i -> i.lvsSyncDaemonInterface != null);
        for (Drafts.VirtualServerDraft v : d.virtualServers) {
            if (v.snat == null || v.snatSource == null) continue;
            boolean own = v.key instanceof VirtualServer.ByAddress(var address, int port) && address.equals(v.snat);
            if (synced && own && !floating.contains(v.snat)) {
                // Without VRRP the virtual server's address stays on this node; with the sync, surviving a
                // failover is the point, and the replies to a fixed address never reach the new master.
                diagnostics.error(v.snatSource, "vigil_snat " + v.snat.getHostAddress() + " is this virtual "
                        + "server's address, but no vrrp_instance's virtual_ipaddress holds it: with connection sync "
                        + "(lvs_sync_daemon) SNAT must go to a floating address, one that moves to the new master "
                        + "with the connections; to this node's own address the real servers' replies to synced "
                        + "connections would go to the dead node after a failover");
            } else if (!own && !floating.contains(v.snat)) {
                diagnostics.error(v.snatSource, "vigil_snat " + v.snat.getHostAddress() + " is neither this virtual "
                        + "server's address nor a virtual_ipaddress of any vrrp_instance: SNAT must go to an address "
                        + "that moves with the VIP, never to a node's own (after a failover the real servers' "
                        + "replies would go to the dead node)");
            }
        }
        if (global.lvsSyncDaemon != null && global.lvsSyncDaemon.instance().isPresent()
                && !instancesByName.containsKey(global.lvsSyncDaemon.instance().get())) {
            diagnostics.error(global.lvsSyncDaemon.source(), "lvs_sync_daemon names unknown vrrp_instance '"
                    + global.lvsSyncDaemon.instance().get() + "'");
        }
    }

    private static void unknownScripts(List<VrrpInstance.TrackScript> tracks, List<Source> sources,
                                       Set<String> known, Diagnostics diagnostics) {
        for (int k = 0; k < tracks.size(); k++) {
            String name = tracks.get(k).name();
            if (!known.contains(name)) {
                diagnostics.error(sources.get(k), "track_script names unknown vrrp_script '" + name + "'");
            }
        }
    }
}

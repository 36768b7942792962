package dev.vigil.config;

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
            return interpret(reader.lines(), options, diagnostics);
        });
    }

    /** Reads configuration text; {@code fileName} names it in diagnostics and anchors relative includes. */
    public static ParseResult parse(String text, String fileName, ParseOptions options) {
        Diagnostics diagnostics = new Diagnostics();
        return guarded(diagnostics, new Source(fileName, 1, 1), () -> {
            ConfigReader reader = new ConfigReader(options, diagnostics);
            reader.readMainText(text, fileName);
            return interpret(reader.lines(), options, diagnostics);
        });
    }

    private interface Step {
        NodeConfig run();
    }

    /** The last line of defence: a bug in the reader becomes a diagnostic, never an exception. */
    private static ParseResult guarded(Diagnostics diagnostics, Source at, Step step) {
        NodeConfig config;
        try {
            config = step.run();
        } catch (RuntimeException | StackOverflowError e) {
            diagnostics.error(at, "internal error while reading the configuration: " + e);
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
            VrrpInstance built = i.build(global, globalDraft.v3ChecksumAsV2, diagnostics);
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

package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.VirtualIp;
import dev.vigil.config.VrrpInstance;
import dev.vigil.vrrp.LinuxVrrpNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code vigil release-vips -f FILE}: removes every VIP of the configuration's VRRP instances from
 * this host. For systemd's {@code ExecStopPost}: a node that crashed or was killed cannot remove its
 * VIPs itself, and left in place they make its kernel refuse (and answer ARP for) connections that
 * now belong to the new master. After a clean stop there is nothing left to remove.
 */
@Command(name = "release-vips", mixinStandardHelpOptions = true,
        description = "Remove this node's VRRP virtual addresses (after a crash; systemd ExecStopPost).")
final class ReleaseVipsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFileOptions configFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ParseResult parsed = ConfigParser.parse(configFile.file, configFile.apply(ParseOptions.defaults()
                .withUnknownKeywordsAreErrors(false).withCheckScriptPaths(false)));
        if (parsed.config().isEmpty()) {
            parsed.errors().forEach(err::println);
            err.println("vigil release-vips: " + configFile.file + " has errors");
            err.flush();
            return 1;
        }
        NodeConfig config = parsed.config().get();
        int tried = 0;
        try (LinuxVrrpNetwork network = LinuxVrrpNetwork.open()) {
            for (VrrpInstance instance : config.vrrpInstances()) {
                for (VirtualIp vip : instance.virtualIps()) {
                    network.removeVirtualIp(instance.interfaceName(), vip);
                    tried++;
                }
                for (VirtualIp vip : instance.excludedVirtualIps()) {
                    network.removeVirtualIp(instance.interfaceName(), vip);
                    tried++;
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("vigil release-vips: " + e.getMessage());
            err.flush();
            return 1;
        }
        out.println("vigil release-vips: " + tried + " virtual address(es) of " + config.vrrpInstances().size()
                + " VRRP instance(s) are not on this host");
        out.flush();
        return 0;
    }
}

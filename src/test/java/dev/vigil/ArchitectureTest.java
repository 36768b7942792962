package dev.vigil;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.vigil.report.RealServerState;
import dev.vigil.report.VrrpState;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arrows of DESIGN.md, checked on the compiled main classes: a change that bends one fails the build
 * with the class, the dependency and the line that bent it.
 *
 * <p>The pure core is {@code balance}, the VRRP protocol and state machine, the health policy and the wire
 * arithmetic they share with {@code linux}. In {@code vrrp} and {@code health} the classes allowed to do I/O are
 * named below ({@link #VRRP_RUNTIME}, {@link #HEALTH_CHECKERS}); every other class of those packages is pure, so
 * a new class is pure until someone decides, here, that it is an edge.
 */
@AnalyzeClasses(packages = "dev.vigil",
        importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {

    /** The VRRP runtime: threads, raw sockets and netlink around the pure state machines. */
    static final Set<String> VRRP_RUNTIME = Set.of("dev.vigil.vrrp.VrrpNode", "dev.vigil.vrrp.VrrpInstanceRunner",
            "dev.vigil.vrrp.VrrpNetwork", "dev.vigil.vrrp.LinuxVrrpNetwork");

    /** The checkers and the monitor that runs them: they do the network and process I/O of {@code health}. */
    static final Set<String> HEALTH_CHECKERS = Set.of("dev.vigil.health.HealthMonitor", "dev.vigil.health.HealthCheck",
            "dev.vigil.health.TcpChecker", "dev.vigil.health.HttpChecker", "dev.vigil.health.HttpProbe",
            "dev.vigil.health.SmtpChecker", "dev.vigil.health.MiscChecker", "dev.vigil.health.ExchangeChecker",
            "dev.vigil.health.CheckConnection", "dev.vigil.health.TlsTrust");

    private static final String PURE_BECAUSE = "DESIGN.md: \"balance, vrrp (protocol and state machine) and the"
            + " health policy (rise/fall/retry) are pure: no sockets, no threads, no wall clock. They take a"
            + " Clock/time argument and return decisions or call a narrow interface (VrrpActions, HealthListener)."
            + " That is what lets a test drive a whole failover in microseconds with a virtual clock.\"";

    static final DescribedPredicate<JavaClass> PURE_CORE = describe(
            "are in the pure core (balance, the VRRP protocol and state machine, the health policy, wire)",
            c -> resideInAnyPackage("dev.vigil.balance..", "dev.vigil.wire..").test(c)
                    || c.getPackageName().equals("dev.vigil.vrrp") && !VRRP_RUNTIME.contains(topLevel(c))
                    || c.getPackageName().equals("dev.vigil.health") && !HEALTH_CHECKERS.contains(topLevel(c)));

    /** The parts of Vigil that do I/O, and the runtime classes of the pure core's own packages. */
    static final DescribedPredicate<JavaClass> VIGIL_EDGES = describe(
            "are Vigil's I/O (linux, forward, report, script, exchange, daemon, the VRRP runtime, the checkers)",
            c -> resideInAnyPackage("dev.vigil.linux..", "dev.vigil.forward..", "dev.vigil.report..",
                    "dev.vigil.script..", "dev.vigil.exchange..", "dev.vigil.daemon..").test(c)
                    || VRRP_RUNTIME.contains(topLevel(c)) || HEALTH_CHECKERS.contains(topLevel(c)));

    static final DescribedPredicate<JavaClass> IO = describe(
            "do I/O (sockets, channels, files, processes, HTTP, mail, native memory, Netty)",
            c -> resideInAnyPackage("java.nio.channels..", "java.net.http..", "javax.net..", "java.lang.foreign..",
                    "io.netty..", "com.sun.net.httpserver..", "jakarta.mail..").test(c)
                    // By name, not class literal: a unit test that names socket classes would look to
                    // TierTagsTest like one that opens sockets.
                    || Stream.of("java.net.Socket", "java.net.ServerSocket", "java.net.DatagramSocket",
                            "java.net.URLConnection", "java.net.NetworkInterface", "java.nio.file.Files",
                            "java.nio.file.FileSystem", "java.nio.file.FileSystems", "java.nio.file.WatchService",
                            "java.io.File", "java.io.FileDescriptor", "java.io.FileInputStream",
                            "java.io.FileOutputStream", "java.io.FileReader", "java.io.FileWriter",
                            "java.io.RandomAccessFile", "java.io.Console", "java.lang.ProcessBuilder",
                            "java.lang.Process", "java.lang.ProcessHandle")
                    .anyMatch(c::isAssignableTo));

    static final DescribedPredicate<JavaClass> THREADS = describe(
            "start or wait for threads (Thread, executors, timers, futures, latches, blocking queues)",
            c -> Stream.of(Thread.class, java.util.concurrent.ThreadFactory.class, java.util.concurrent.Executor.class,
                            java.util.concurrent.Executors.class, java.util.Timer.class, java.util.TimerTask.class,
                            java.util.concurrent.Future.class, java.util.concurrent.CompletionStage.class,
                            java.util.concurrent.CountDownLatch.class, java.util.concurrent.CyclicBarrier.class,
                            java.util.concurrent.Phaser.class, java.util.concurrent.Semaphore.class,
                            java.util.concurrent.BlockingQueue.class)
                    .anyMatch(c::isAssignableTo));

    /** Reading the system's clocks: a pure class is handed the time (nanoseconds, an Instant or a Clock) instead. */
    static final DescribedPredicate<JavaAccess<?>> READS_THE_CLOCK = describe(
            "read the system clock (System.currentTimeMillis/nanoTime, now() without a Clock, Clock.system*, new Date())",
            access -> readsTheClock(access.getTarget()));

    @ArchTest
    static final ArchRule config_knows_nothing_else = classes().that().resideInAPackage("dev.vigil.config..")
            .should().onlyDependOnClassesThat(resideInAnyPackage("dev.vigil.config..", "java.."))
            .because("DESIGN.md: \"Arrows point one way: config knows nothing else\"; it turns keepalived.conf into"
                    + " immutable records that every other part reads");

    @ArchTest
    static final ArchRule wire_knows_nothing_else = classes().that().resideInAPackage("dev.vigil.wire..")
            .should().onlyDependOnClassesThat(resideInAnyPackage("dev.vigil.wire..", "java.."))
            .because("the pure VRRP codec and linux's frame builders share it: were it to know either, the pure"
                    + " core would reach the native code through it");

    @ArchTest
    static final ArchRule pure_core_does_no_io = noClasses().that(PURE_CORE)
            .should().dependOnClassesThat(IO).orShould(ACCESS_STANDARD_STREAMS)
            .because(PURE_BECAUSE);

    @ArchTest
    static final ArchRule pure_core_knows_no_edge = noClasses().that(PURE_CORE)
            .should().dependOnClassesThat(VIGIL_EDGES)
            .because(PURE_BECAUSE + " I/O lives at the edges and calls the core, not the other way round");

    @ArchTest
    static final ArchRule pure_core_starts_no_threads = noClasses().that(PURE_CORE)
            .should().dependOnClassesThat(THREADS)
            .because(PURE_BECAUSE + " Each VRRP state machine is driven from one thread and never needs locks");

    @ArchTest
    static final ArchRule pure_core_reads_no_clock = noClasses().that(PURE_CORE)
            .should().accessTargetWhere(READS_THE_CLOCK)
            .because(PURE_BECAUSE);

    @ArchTest
    static final ArchRule only_linux_calls_native_code = noClasses().that().resideOutsideOfPackage("dev.vigil.linux..")
            .should().dependOnClassesThat().resideInAPackage("java.lang.foreign..")
            .because("DESIGN.md: \"linux is the only place that calls native code (the Java Foreign Function &"
                    + " Memory API, no JNI, no compiled C)\"");

    @ArchTest
    static final ArchRule processes_start_through_child_processes = noClasses()
            .that().doNotHaveFullyQualifiedName("dev.vigil.linux.ChildProcesses")
            .should().callMethod(ProcessBuilder.class, "start")
            .orShould().callMethod(ProcessBuilder.class, "startPipeline", List.class)
            .orShould().callMethodWhere(describe("Runtime.exec",
                    call -> call.getTarget().getOwner().isEquivalentTo(Runtime.class)
                            && call.getTarget().getName().equals("exec")))
            .because("ChildProcesses reaps the orphans Vigil adopts as a subreaper and must know every pid the JDK"
                    + " waits for: a child started elsewhere could have its exit status taken by the reaper, and"
                    + " the JDK would then report exit 0 for it");

    @ArchTest
    static final ArchRule no_jni = noMethods().should().haveModifier(JavaModifier.NATIVE)
            .because("DESIGN.md: native code goes through \"the Java Foreign Function & Memory API, no JNI, no"
                    + " compiled C\"");

    @ArchTest
    static final ArchRule nothing_imports_the_daemon = noClasses().that().resideOutsideOfPackage("dev.vigil.daemon..")
            .should().dependOnClassesThat().resideInAPackage("dev.vigil.daemon..")
            .because("DESIGN.md: \"daemon is the one place that knows every part. Nothing else imports it.\"");

    @ArchTest
    static final ArchRule sync_reacts_to_vrrp_only_through_its_network = noClasses()
            .that().resideInAPackage("dev.vigil.sync..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.vigil.forward..", "dev.vigil.report..",
                    "dev.vigil.health..", "dev.vigil.balance..", "dev.vigil.script..")
            .orShould().dependOnClassesThat(describe("are VRRP's runtime or state machine, not its network contract",
                    c -> c.getPackageName().equals("dev.vigil.vrrp")
                            && !Set.of("dev.vigil.vrrp.VrrpNetwork", "dev.vigil.vrrp.VrrpParameters",
                            "dev.vigil.vrrp.ReceivedPacket").contains(topLevel(c))))
            .because("DESIGN.md: state sync \"reacts to VRRP transitions through a narrow listener\"; the order"
                    + " \"commit, then VIPs, then GARP\" is decided in one place (the VrrpNetwork it wraps)");

    /**
     * What of {@code forward} the daemon may know: the engine contract (with what the kernel engine forwards,
     * judged from configuration alone, for check-config's warnings), and the engines the node constructs.
     */
    static final Set<String> ENGINE_CONTRACT = Set.of("dev.vigil.forward.ForwardingEngine",
            "dev.vigil.forward.ForwardedService", "dev.vigil.forward.ForwardedConnection",
            "dev.vigil.forward.ForwardCounters", "dev.vigil.forward.KernelSupport");

    /** The concrete engines: the proxy, the kernel engine, and the split of a node's set between them. */
    static final Set<String> ENGINES = Set.of("dev.vigil.forward.ProxyEngine", "dev.vigil.forward.KernelEngine",
            "dev.vigil.forward.SplitEngine");

    @ArchTest
    static final ArchRule the_daemon_talks_to_engines_through_their_interface = noClasses()
            .that().resideInAPackage("dev.vigil.daemon..")
            .should().dependOnClassesThat(describe("are in forward but not its engine contract",
                    c -> c.getPackageName().equals("dev.vigil.forward") && !ENGINE_CONTRACT.contains(topLevel(c))
                            && !ENGINES.contains(topLevel(c))))
            .because("DESIGN.md: \"The daemon talks to a forwarding-engine interface, never to a concrete engine\"");

    @ArchTest
    static final ArchRule only_the_node_builds_engines = noClasses()
            .that().resideInAPackage("dev.vigil.daemon..").and().doNotHaveFullyQualifiedName("dev.vigil.daemon.Node")
            .should().dependOnClassesThat(describe("are concrete engines (ProxyEngine, KernelEngine, SplitEngine) "
                    + "or their nested types", c -> ENGINES.contains(topLevel(c))))
            .because("DESIGN.md: \"The daemon talks to a forwarding-engine interface, never to a concrete engine\";"
                    + " the node chooses and builds the engine, everything else holds a ForwardingEngine");

    @ArchTest
    static final ArchRule packages_form_no_cycles = slices().matching("dev.vigil.(*)..").namingSlices("$1")
            .should().beFreeOfCycles()
            .because("DESIGN.md: \"Arrows point one way\"");

    @ArchTest
    static final ArchRule report_states_are_not_mapped_by_name = noClasses()
            .that().resideOutsideOfPackage("dev.vigil.report..")
            .should().callMethod(VrrpState.class, "valueOf", String.class)
            .orShould().callMethod(RealServerState.class, "valueOf", String.class)
            .because("report mirrors the states of vrrp and health (adding DELETED and DRAINED); a mirror mapped by"
                    + " name() breaks at run time when a state is added, daemon's ReportedState maps them by"
                    + " exhaustive switch, which breaks the build instead");

    /** Each class named as an I/O edge exists: a stale name would hide a typo or a rename. */
    @ArchTest
    static void namedEdgesExist(JavaClasses classes) {
        for (String name : Stream.concat(VRRP_RUNTIME.stream(), HEALTH_CHECKERS.stream()).sorted().toList()) {
            assertThat(classes.contain(name)).as("%s (named as an I/O edge in ArchitectureTest) exists", name).isTrue();
        }
    }

    private static String topLevel(JavaClass c) {
        JavaClass outer = c;
        while (outer.getEnclosingClass().isPresent()) outer = outer.getEnclosingClass().get();
        return outer.getName();
    }

    private static boolean readsTheClock(AccessTarget target) {
        String owner = target.getOwner().getName();
        String name = target.getName();
        if (owner.equals("java.lang.System")) return name.equals("currentTimeMillis") || name.equals("nanoTime");
        if (owner.equals("java.util.Date")) return name.equals("<init>") && parameters(target).isEmpty();
        if (owner.equals("java.time.Clock") || owner.equals("java.time.InstantSource")) {
            return name.startsWith("system") || name.startsWith("tick") && !parameters(target).contains("java.time.Clock");
        }
        return owner.startsWith("java.time.") && name.equals("now") && !parameters(target).contains("java.time.Clock");
    }

    private static List<String> parameters(AccessTarget target) {
        return target instanceof AccessTarget.CodeUnitAccessTarget unit
                ? unit.getRawParameterTypes().stream().map(JavaClass::getName).toList() : List.of();
    }
}

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Package time (build-runtime.sh): rewrites the class files of a jar that are older than Java 6 (version 49,
 * picocli's) as current ones, so that the AOT cache can hold them.
 * <pre>java CurrentClassFiles.java IN.jar OUT.jar</pre>
 * Why: the JVM archives only classes it verified with the split verifier, which needs the stack maps that
 * class files before version 50 do not have; such classes are read from the jar and verified by the old
 * inferring verifier at every start (picocli's ~200 are most of {@code vigil --version}'s time). The JDK's
 * class-file API re-emits each method's code unchanged but with its stack maps computed, under the version
 * of the JVM that runs this; nothing else in the class changes. Other entries are copied as they are.
 */
public final class CurrentClassFiles {
    private static final int OLDEST_WITH_STACK_MAPS = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java CurrentClassFiles.java IN.jar OUT.jar");
            System.exit(2);
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rewritten = 0;
        // Computing stack maps merges types, so it must know every class's superclass: the JDK's, and the jar's.
        try (URLClassLoader jarClasses = new URLClassLoader(new URL[] {in.toUri().toURL()}, null);
             JarFile jar = new JarFile(in.toFile());
             JarOutputStream target = new JarOutputStream(Files.newOutputStream(out))) {
            ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(jarClasses))));
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                byte[] bytes = jar.getInputStream(entry).readAllBytes();
                if (entry.getName().endsWith(".class") && !entry.getName().endsWith("module-info.class")) {
                    ClassModel model = classFile.parse(bytes);
                    if (model.majorVersion() < OLDEST_WITH_STACK_MAPS) {
                        bytes = classFile.transformClass(model, current());
                        rewritten++;
                    }
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                target.putNextEntry(copy);
                target.write(bytes);
                target.closeEntry();
            }
        }
        System.out.println("class files made current: " + rewritten);
    }

    /** The current version, and every method body rebuilt (a body copied as it is would get no stack maps). */
    private static ClassTransform current() {
        ClassTransform version = (builder, element) -> {
            if (!(element instanceof ClassFileVersion)) builder.with(element);
        };
        return version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL))
                .andThen(ClassTransform.endHandler(b -> b.withVersion(ClassFile.latestMajorVersion(), 0)));
    }
}

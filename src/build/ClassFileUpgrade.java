import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.JSRInlinerAdapter;

/**
 * Build step (run by the pom after the shade plugin, as a single-file source program with the
 * shaded jar on its class path): rewrites the jar's classes whose class-file format is older
 * than Java 6 (picocli, ASM and jnr-x86asm are compiled for Java 5) into the Java 8 format, with
 * the stack map frames that format requires, computed by ASM. Why: HotSpot's class-data archive
 * (the installer's rewind.jsa) cannot hold pre-Java-6 classes, so every run read them from the
 * jar and checked them with the old, slow verifier; they are the command-line parser and the
 * code that binds libc, both on the start-up path of every run. The bytecode itself is
 * unchanged except that jsr/ret subroutines (not allowed from Java 7 on) are inlined.
 *
 * <p>Usage: {@code java -cp JAR ClassFileUpgrade.java JAR}; the jar is replaced atomically. A
 * class whose frames cannot be computed (a type it names cannot be loaded) is left as it was,
 * with a line on stderr; otherwise the step is silent (InstallerIT checks the result).
 */
public final class ClassFileUpgrade {
  private static final int JAVA_6 = 50;

  public static void main(String[] args) throws IOException {
    Path jar = Path.of(args[0]);
    Path temp = jar.resolveSibling(jar.getFileName() + ".upgrading");
    try (URLClassLoader types = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        ZipFile in = new ZipFile(jar.toFile());
        OutputStream raw = Files.newOutputStream(temp);
        ZipOutputStream out = new ZipOutputStream(raw)) {
      for (Enumeration<? extends ZipEntry> entries = in.entries(); entries.hasMoreElements();) {
        ZipEntry entry = entries.nextElement();
        byte[] data = in.getInputStream(entry).readAllBytes();
        if (isOldClass(entry, data)) {
          try {
            data = upgrade(data, types);
          } catch (RuntimeException | LinkageError e) {
            System.err.println("ClassFileUpgrade: kept " + entry.getName() + " as it was: " + e);
          }
        }
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        out.putNextEntry(copy);
        out.write(data);
        out.closeEntry();
      }
    }
    Files.move(temp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean isOldClass(ZipEntry entry, byte[] data) {
    return entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")
        && data.length > 8 && ((data[6] & 0xff) << 8 | (data[7] & 0xff)) < JAVA_6;
  }

  private static byte[] upgrade(byte[] classFile, ClassLoader types) {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
      @Override
      protected ClassLoader getClassLoader() {
        return types; // the frames' common supertypes are looked up among the jar's classes
      }
    };
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
        super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
      }

      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodVisitor target = super.visitMethod(access, name, descriptor, signature, exceptions);
        return new JSRInlinerAdapter(target, access, name, descriptor, signature, exceptions);
      }
    }, ClassReader.SKIP_FRAMES);
    return writer.toByteArray();
  }
}

package dev.rewind.repo;

/**
 * A file in a repository whose name is increment-style: its parsed (unquoted) name and its
 * absolute on-disk path.
 */
public record RepoFile(IncrementName name, byte[] path) {
  public String display() {
    return dev.rewind.posix.Posix.display(path);
  }
}

package dev.rewind.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rewind.core.RepositoryException;
import dev.rewind.core.SessionTime;
import dev.rewind.repo.IncrementName;
import dev.rewind.repo.IncrementType;
import dev.rewind.repo.RepoFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SessionFilesTest {
  private static final String A = "File .\n  Type dir\n  Permissions 493\n";
  private static final String B = "File a\n  Type sym\n  SymData File x\n";
  private static final String C = "File b\n  Type reg\n  Size 0\n";
  private static final RepoFile SOURCE = new RepoFile(new IncrementName(
      "mirror_metadata".getBytes(StandardCharsets.US_ASCII), new SessionTime(1, "1970-01-01T00:00:01Z"),
      IncrementType.SNAPSHOT, true), "/repo/x".getBytes(StandardCharsets.US_ASCII));

  private static String copy(long records) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SessionFiles.copyRecords(new ByteArrayInputStream((A + B + C).getBytes(StandardCharsets.US_ASCII)), records, out,
        SOURCE);
    return out.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void copyRecords_copiesWholeRecordsByteForByte_andOnlyLineStartsBeginOne() throws IOException {
    assertEquals("", copy(0));
    assertEquals(A, copy(1));
    assertEquals(A + B, copy(2)); // "File x" inside a field is not a record
    assertEquals(A + B + C, copy(3));
  }

  @Test
  void copyRecords_fewerRecordsThanAskedFor_failsNamingTheFile() {
    RepositoryException e = assertThrows(RepositoryException.class, () -> copy(4));
    assertTrue(e.getMessage().contains("'/repo/x' has 3 records"), e.getMessage());
  }
}

package dev.rewind.repo;

/** One extended attribute of an entry: raw name and value bytes. */
public record Xattr(byte[] name, byte[] value) {}

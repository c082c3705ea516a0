/**
 * The configuration of {@code rewind pull}: {@code DIR/rewind.conf} (global settings) and {@code
 * DIR/hosts.d/<host>.conf} (one file per host), read into immutable records with every default
 * resolved. The format is {@code key = value} lines, {@code #} comment lines and blank lines; a
 * list key repeats. Every error names the file, the line and the key. Files are UTF-8.
 */
package dev.rewind.config;

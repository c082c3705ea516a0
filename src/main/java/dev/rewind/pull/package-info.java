/**
 * Many hosts: {@link dev.rewind.pull.PullRunner} backs up the hosts of a {@link
 * dev.rewind.config.RewindConfig} with bounded parallelism, each into its own repository (whose
 * lock is the per-host lock), applies retention after a successful session, and records each
 * attempt in {@code <state_dir>/<host>.state}. One host's failure never stops the others.
 */
package dev.rewind.pull;

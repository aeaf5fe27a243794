/* The durable image of one directory: what a power cut would leave of it.
 *
 * The image lives in a snapshot directory beside (never inside) the watched
 * directory:
 *   SNAP/listing        one "INODE<TAB>NAME" line per name that is durable
 *   SNAP/inode-INODE    the content that inode had at its last fsync
 * The fsync shim (fsync_shim.c) updates the image at every durability point
 * inside the server; the bs-powercut tool resets it (baseline) and rebuilds
 * the watched directory from it after a simulated cut (restore). The model
 * itself is documented in tools/powercut/README.md. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* All functions return 0 on success and -1 with errno set on failure. */

/* fsync/fdatasync of a regular file: its content (read through
 * `source_path`, e.g. /proc/self/fd/N) becomes the durable content of
 * `inode`. Pages equal to the image are not rewritten, so a kill during the
 * update leaves a mix of old and new pages, which is what a power cut
 * during an fsync may leave on a disk too.
 * If `name` is not NULL and not in the listing yet, the fsync also makes
 * the name durable: ext4, xfs and btrfs commit the directory entry that
 * created a file together with the file (POSIX alone would need an fsync
 * of the directory). An existing name is left alone: a rename or unlink
 * becomes durable only with the directory. */
int pc_save_file(const char* snap_dir, const char* source_path, ino_t inode, const char* name);

/* fsync of the watched directory: its current names, and the inodes they
 * point to, become the durable listing. Renames and unlinks become durable
 * only here. */
int pc_save_listing(const char* snap_dir, const char* dir);

/* Makes everything now in `dir` durable: the image is rebuilt from scratch.
 * Used at start and right after a restore. */
int pc_baseline(const char* dir, const char* snap_dir);

/* Replaces the content of `dir` with what the power cut left. With
 * torn_seed == 0 that is the durable image alone: every byte not fsync'd is
 * lost. Otherwise each unsynced change (a page, a file's size, a name)
 * independently did or did not reach the disk, chosen by a PRNG seeded with
 * torn_seed: a disk that wrote back part of its cache in any order. */
int pc_restore(const char* dir, const char* snap_dir, uint64_t torn_seed);

#ifdef __cplusplus
}
#endif

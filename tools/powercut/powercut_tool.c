/* bs-powercut: the harness's side of the simulated power cut. While the
 * server is dead it resets the durable image (baseline) or turns the watched
 * directory into what the cut left of it (restore, which then makes that the
 * new baseline, as the restarted server's disk). See snapshot.h.
 *
 * Usage: bs-powercut baseline DIR SNAPSHOT_DIR
 *        bs-powercut restore DIR SNAPSHOT_DIR [TORN_SEED]
 * TORN_SEED 0 (the default) loses every byte not fsync'd; any other value
 * keeps a seeded random part of the unsynced changes (torn writes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static int usage(void) {
  fprintf(stderr,
          "usage: bs-powercut baseline DIR SNAPSHOT_DIR\n"
          "       bs-powercut restore DIR SNAPSHOT_DIR [TORN_SEED]\n");
  return 2;
}

static int failed(const char* what, const char* dir) {
  fprintf(stderr, "bs-powercut: %s %s: %s\n", what, dir, strerror(errno));
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  const char* dir = argv[2];
  const char* snap = argv[3];
  if (strcmp(argv[1], "baseline") == 0 && argc == 4) {
    return pc_baseline(dir, snap) == 0 ? 0 : failed("cannot take baseline of", dir);
  }
  if (strcmp(argv[1], "restore") == 0 && argc <= 5) {
    char* end = NULL;
    const uint64_t seed = argc == 5 ? strtoull(argv[4], &end, 10) : 0;
    if (argc == 5 && (end == argv[4] || *end != '\0')) return usage();
    if (pc_restore(dir, snap, seed) != 0) return failed("cannot restore", dir);
    return pc_baseline(dir, snap) == 0 ? 0 : failed("cannot take baseline of", dir);
  }
  return usage();
}

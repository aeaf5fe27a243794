/* The durable image of one directory (see snapshot.h): saving it at each
 * durability point, and rebuilding the directory from it after a simulated
 * power cut. Shared by the LD_PRELOAD shim, which runs inside the server
 * under test, and the bs-powercut tool, which runs while the server is dead.
 * Every update takes an flock on SNAP/lock, so threads and processes of one
 * server never interleave their updates of the listing. */
#define _GNU_SOURCE
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

enum { kPageBytes = 4096, kChunkBytes = 16 * kPageBytes };

typedef struct {
  unsigned long long inode;
  char name[NAME_MAX + 1];
} Entry;

typedef struct {
  Entry* items;
  size_t count;
  size_t capacity;
} Listing;

typedef struct {
  unsigned char* bytes;
  size_t size;
  int exists;
  mode_t mode;
} Blob;

/* --- small helpers --------------------------------------------------- */

static int path_in(char* out, const char* dir, const char* name) {
  const int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
  if (n < 0 || n >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

static int inode_path(char* out, const char* snap_dir, unsigned long long inode) {
  char name[64];
  snprintf(name, sizeof name, "inode-%llu", inode);
  return path_in(out, snap_dir, name);
}

static int lock_snapshot(const char* snap_dir) {
  char path[PATH_MAX];
  if (path_in(path, snap_dir, "lock") != 0) return -1;
  const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* Closes the lock fd without losing the errno of a failed operation. */
static int unlock_snapshot(int lock_fd, int rc) {
  const int saved = errno;
  close(lock_fd);
  errno = saved;
  return rc;
}

static int write_all(int fd, const unsigned char* data, size_t size, off_t offset) {
  while (size > 0) {
    const ssize_t n = pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    size -= (size_t)n;
    offset += n;
  }
  return 0;
}

/* --- listing ------------------------------------------------------------ */

static int listing_add(Listing* listing, unsigned long long inode, const char* name) {
  if (strlen(name) > NAME_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (listing->count == listing->capacity) {
    const size_t capacity = listing->capacity == 0 ? 16 : listing->capacity * 2;
    Entry* items = realloc(listing->items, capacity * sizeof(Entry));
    if (items == NULL) return -1;
    listing->items = items;
    listing->capacity = capacity;
  }
  Entry* entry = &listing->items[listing->count++];
  entry->inode = inode;
  strcpy(entry->name, name);
  return 0;
}

static const Entry* listing_find(const Listing* listing, const char* name) {
  for (size_t i = 0; i < listing->count; ++i) {
    if (strcmp(listing->items[i].name, name) == 0) return &listing->items[i];
  }
  return NULL;
}

static void listing_free(Listing* listing) {
  free(listing->items);
  listing->items = NULL;
  listing->count = listing->capacity = 0;
}

/* A missing listing is an empty one: nothing in the directory is durable. */
static int read_listing(const char* snap_dir, Listing* listing) {
  char path[PATH_MAX];
  if (path_in(path, snap_dir, "listing") != 0) return -1;
  FILE* file = fopen(path, "re");
  if (file == NULL) return errno == ENOENT ? 0 : -1;
  unsigned long long inode = 0;
  char name[NAME_MAX + 1];
  int rc = 0;
  while (rc == 0 && fscanf(file, "%llu\t%255[^\n]\n", &inode, name) == 2) {
    rc = listing_add(listing, inode, name);
  }
  fclose(file);
  return rc;
}

/* Written to a temporary name and renamed, so a kill mid-update leaves the
 * old listing or the new one, never half of one. */
static int write_listing(const char* snap_dir, const Listing* listing) {
  char path[PATH_MAX], temp[PATH_MAX];
  if (path_in(path, snap_dir, "listing") != 0 || path_in(temp, snap_dir, "listing.tmp") != 0) {
    return -1;
  }
  FILE* file = fopen(temp, "we");
  if (file == NULL) return -1;
  for (size_t i = 0; i < listing->count; ++i) {
    fprintf(file, "%llu\t%s\n", listing->items[i].inode, listing->items[i].name);
  }
  if (fclose(file) != 0) return -1;
  return rename(temp, path);
}

/* The regular files directly in `dir`. A subdirectory is refused: the model
 * covers one flat directory, which is what all three servers use. */
static int scan_dir(const char* dir, Listing* listing) {
  DIR* handle = opendir(dir);
  if (handle == NULL) return -1;
  int rc = 0;
  const struct dirent* entry;
  while (rc == 0 && (entry = readdir(handle)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    char path[PATH_MAX];
    struct stat st;
    if (path_in(path, dir, entry->d_name) != 0 || lstat(path, &st) != 0) {
      rc = -1;
    } else if (!S_ISREG(st.st_mode)) {
      fprintf(stderr, "powercut: %s is not a regular file; not modelled\n", path);
      errno = ENOTSUP;
      rc = -1;
    } else {
      rc = listing_add(listing, (unsigned long long)st.st_ino, entry->d_name);
    }
  }
  closedir(handle);
  return rc;
}

/* --- content ------------------------------------------------------------ */

/* Makes `dst` equal to `src`, writing only the pages that differ. */
static int copy_changed_pages(int src, int dst) {
  unsigned char* fresh = malloc(kChunkBytes);
  unsigned char* stale = malloc(kChunkBytes);
  int rc = (fresh == NULL || stale == NULL) ? -1 : 0;
  off_t offset = 0;
  while (rc == 0) {
    const ssize_t got = pread(src, fresh, kChunkBytes, offset);
    if (got <= 0) {
      if (got < 0) rc = -1;
      break;
    }
    const ssize_t had = pread(dst, stale, (size_t)got, offset);
    if (had < 0) rc = -1;
    for (ssize_t page = 0; rc == 0 && page < got; page += kPageBytes) {
      const size_t len = (size_t)(got - page < kPageBytes ? got - page : kPageBytes);
      if (had >= page + (ssize_t)len && memcmp(fresh + page, stale + page, len) == 0) continue;
      rc = write_all(dst, fresh + page, len, offset + page);
    }
    offset += got;
  }
  if (rc == 0) rc = ftruncate(dst, offset);
  free(fresh);
  free(stale);
  return rc;
}

static int save_content_locked(const char* snap_dir, const char* source_path, ino_t inode) {
  char path[PATH_MAX];
  if (inode_path(path, snap_dir, (unsigned long long)inode) != 0) return -1;
  const int src = open(source_path, O_RDONLY | O_CLOEXEC);
  if (src < 0) return -1;
  const int dst = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int rc = dst < 0 ? -1 : copy_changed_pages(src, dst);
  const int saved = errno;
  close(src);
  if (dst >= 0) close(dst);
  errno = saved;
  return rc;
}

static int add_name_locked(const char* snap_dir, const char* name, ino_t inode) {
  Listing listing = {0};
  int rc = read_listing(snap_dir, &listing);
  if (rc == 0 && listing_find(&listing, name) == NULL) {
    rc = listing_add(&listing, (unsigned long long)inode, name);
    if (rc == 0) rc = write_listing(snap_dir, &listing);
  }
  listing_free(&listing);
  return rc;
}

int pc_save_file(const char* snap_dir, const char* source_path, ino_t inode, const char* name) {
  const int lock = lock_snapshot(snap_dir);
  if (lock < 0) return -1;
  int rc = save_content_locked(snap_dir, source_path, inode);
  if (rc == 0 && name != NULL) rc = add_name_locked(snap_dir, name, inode);
  return unlock_snapshot(lock, rc);
}

/* Drops the saved content of inodes no durable name points to any more,
 * so a recycled inode number cannot inherit a dead file's content. */
static int drop_unlisted_inodes(const char* snap_dir, const Listing* listing) {
  DIR* handle = opendir(snap_dir);
  if (handle == NULL) return -1;
  const struct dirent* entry;
  while ((entry = readdir(handle)) != NULL) {
    unsigned long long inode = 0;
    if (sscanf(entry->d_name, "inode-%llu", &inode) != 1) continue;
    int listed = 0;
    for (size_t i = 0; i < listing->count && !listed; ++i)
      listed = listing->items[i].inode == inode;
    char path[PATH_MAX];
    if (!listed && path_in(path, snap_dir, entry->d_name) == 0) unlink(path);
  }
  closedir(handle);
  return 0;
}

static int save_listing_locked(const char* snap_dir, const char* dir) {
  Listing listing = {0};
  int rc = scan_dir(dir, &listing);
  if (rc == 0) rc = write_listing(snap_dir, &listing);
  if (rc == 0) rc = drop_unlisted_inodes(snap_dir, &listing);
  listing_free(&listing);
  return rc;
}

int pc_save_listing(const char* snap_dir, const char* dir) {
  const int lock = lock_snapshot(snap_dir);
  if (lock < 0) return -1;
  return unlock_snapshot(lock, save_listing_locked(snap_dir, dir));
}

static int baseline_locked(const char* dir, const char* snap_dir) {
  Listing listing = {0};
  int rc = scan_dir(dir, &listing);
  for (size_t i = 0; rc == 0 && i < listing.count; ++i) {
    char path[PATH_MAX];
    rc = path_in(path, dir, listing.items[i].name);
    if (rc == 0) rc = save_content_locked(snap_dir, path, (ino_t)listing.items[i].inode);
  }
  if (rc == 0) rc = write_listing(snap_dir, &listing);
  if (rc == 0) rc = drop_unlisted_inodes(snap_dir, &listing);
  listing_free(&listing);
  return rc;
}

int pc_baseline(const char* dir, const char* snap_dir) {
  const int lock = lock_snapshot(snap_dir);
  if (lock < 0) return -1;
  return unlock_snapshot(lock, baseline_locked(dir, snap_dir));
}

/* --- restore --------------------------------------------------------------- */

/* xorshift64*: small, seedable, and good enough for coin flips. */
static int coin(uint64_t* state) {
  if (*state == 0) return 0; /* lose mode: the unsynced change never landed */
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (int)(((*state * 0x2545F4914F6CDD1DULL) >> 63) & 1U);
}

/* A missing file reads as exists == 0 and no bytes. */
static int read_blob(const char* path, Blob* blob) {
  memset(blob, 0, sizeof *blob);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int rc = fstat(fd, &st);
  if (rc == 0) {
    blob->exists = 1;
    blob->mode = st.st_mode & 07777;
    blob->size = (size_t)st.st_size;
    blob->bytes = malloc(blob->size > 0 ? blob->size : 1);
    if (blob->bytes == NULL) rc = -1;
  }
  size_t done = 0;
  while (rc == 0 && done < blob->size) {
    const ssize_t n = pread(fd, blob->bytes + done, blob->size - done, (off_t)done);
    if (n <= 0) {
      blob->size = done; /* shrank while we read: keep what is there */
      break;
    }
    done += (size_t)n;
  }
  close(fd);
  return rc;
}

static unsigned char byte_at(const Blob* blob, size_t offset) {
  return offset < blob->size ? blob->bytes[offset] : 0;
}

/* The file as the disk holds it after the cut: the durable image, plus in
 * torn mode each differing page of the current content with probability
 * one half, and the old or the new size. */
static int mix(const Blob* durable, const Blob* current_or_none, uint64_t* rng, Blob* out) {
  /* An unlinked file that survives has no newer content we could know of. */
  const Blob* current = current_or_none->exists ? current_or_none : durable;
  memset(out, 0, sizeof *out);
  out->exists = 1;
  out->mode = current->exists ? current->mode : 0644;
  out->size = durable->size;
  if (current->size != durable->size && coin(rng)) out->size = current->size;
  out->bytes = calloc(out->size > 0 ? out->size : 1, 1);
  if (out->bytes == NULL) return -1;
  for (size_t page = 0; page < out->size; page += kPageBytes) {
    const size_t end = page + kPageBytes < out->size ? page + kPageBytes : out->size;
    int differs = 0;
    for (size_t i = page; i < end && !differs; ++i)
      differs = byte_at(durable, i) != byte_at(current, i);
    const Blob* source = differs && coin(rng) ? current : durable;
    for (size_t i = page; i < end; ++i) out->bytes[i] = byte_at(source, i);
  }
  return 0;
}

static int write_blob(const char* path, const Blob* blob) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, blob->mode);
  if (fd < 0) return -1;
  const int rc = write_all(fd, blob->bytes, blob->size, 0);
  const int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* The post-cut version of one name; out->exists == 0 means it is gone. */
static int settle_name(const char* dir, const char* snap_dir, const char* name,
                       const Entry* durable_entry, uint64_t* rng, Blob* out) {
  char path[PATH_MAX];
  Blob durable = {0}, current = {0};
  int rc = path_in(path, dir, name);
  if (rc == 0) rc = read_blob(path, &current);
  if (rc == 0 && durable_entry != NULL) {
    rc = inode_path(path, snap_dir, durable_entry->inode);
    if (rc == 0) rc = read_blob(path, &durable);
    durable.exists = 1; /* a durable name whose content never was is empty */
  }
  memset(out, 0, sizeof *out);
  if (rc == 0) {
    /* A name only one side has: created or unlinked since the last
     * directory sync. Lose mode keeps the durable side. */
    const int keep = durable.exists && current.exists ? 1
                     : coin(rng)                      ? current.exists
                                                      : durable.exists;
    if (keep) rc = mix(&durable, &current, rng, out);
  }
  free(durable.bytes);
  free(current.bytes);
  return rc;
}

static int restore_locked(const char* dir, const char* snap_dir, uint64_t torn_seed) {
  Listing durable = {0}, current = {0};
  uint64_t rng = torn_seed;
  int rc = read_listing(snap_dir, &durable);
  if (rc == 0) rc = scan_dir(dir, &current);
  const size_t total = durable.count + current.count;
  Blob* settled = calloc(total > 0 ? total : 1, sizeof(Blob));
  const char** names = calloc(total > 0 ? total : 1, sizeof(char*));
  if (settled == NULL || names == NULL) rc = -1;
  size_t count = 0;
  for (size_t i = 0; rc == 0 && i < total; ++i) {
    const Entry* entry = i < durable.count ? &durable.items[i] : &current.items[i - durable.count];
    if (i >= durable.count && listing_find(&durable, entry->name) != NULL) continue;
    names[count] = entry->name;
    rc = settle_name(dir, snap_dir, entry->name, listing_find(&durable, entry->name), &rng,
                     &settled[count]);
    ++count;
  }
  /* Everything is computed before anything is removed. */
  for (size_t i = 0; rc == 0 && i < current.count; ++i) {
    char path[PATH_MAX];
    rc = path_in(path, dir, current.items[i].name);
    if (rc == 0) rc = unlink(path);
  }
  for (size_t i = 0; rc == 0 && i < count; ++i) {
    char path[PATH_MAX];
    if (!settled[i].exists) continue;
    rc = path_in(path, dir, names[i]);
    if (rc == 0) rc = write_blob(path, &settled[i]);
  }
  for (size_t i = 0; settled != NULL && i < count; ++i) free(settled[i].bytes);
  free(settled);
  free(names);
  listing_free(&durable);
  listing_free(&current);
  return rc;
}

int pc_restore(const char* dir, const char* snap_dir, uint64_t torn_seed) {
  const int lock = lock_snapshot(snap_dir);
  if (lock < 0) return -1;
  return unlock_snapshot(lock, restore_locked(dir, snap_dir, torn_seed));
}

/* The drill's device-side probe (docs/DRILL.md, "What counts"). A device's
 * DHCP hook (drill/device-hook.sh) runs it when the client has put an
 * address on the interface; it appends "bound <t> <address>" to the
 * device's stamp file, where <t> is CLOCK_MONOTONIC in seconds, the clock
 * of the drill's own time.monotonic(), and then leaves a background child
 * that tries the mail host's SMTP banner from the device's own network
 * stack until it reads "220 ..." ("mail <t> <local address>") and, for a
 * phone, a second one that runs sipp's REGISTER until it is answered 200 OK
 * ("sip <t> <address>"). So a device's times are taken when the device
 * itself got there, not at the drill's next check round. Both children give
 * up after LIFETIME_S; the drill also kills everything in the device's
 * namespace at the power cut and at the end.
 *
 * Usage: devprobe bound FILE ADDRESS MAIL_IP [SIP_IP SCENARIO NAME]
 *        devprobe mail FILE MAIL_IP      (a laptop's mail check at power back)
 * The drill compiles it with cc into its temp directory. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The timeouts of a mail client, not of an impatient checker: the kernel's
 * own SYN retransmissions (after 1 s, then 2 s more) run inside CONNECT_MS,
 * and RFC 5321 (4.5.3.2.1) gives a server five minutes for its 220
 * greeting; a probe that gave up sooner would lose its place in Postfix's
 * accept queue and start again at the back. Until 2026-12-04 the probe
 * gave up after 1 s and 3 s. */
enum { LIFETIME_S = 600, CONNECT_MS = 10000, BANNER_MS = 60000, RETRY_MS = 200 };

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stamp(const char* file, const char* word, const char* address) {
  char line[128];
  int n = snprintf(line, sizeof line, "%s %.6f %s\n", word, mono_s(), address);
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || n <= 0) return;
  /* One write of a short line with O_APPEND: lines of concurrent writers
   * (the hook, the mail and the sip child) never interleave. */
  if (write(fd, line, (size_t)n) != n) perror("devprobe: write");
  close(fd);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* One attempt: 1 if the banner was read, its local address in LOCAL. */
static int banner_once(const char* mail_ip, char* local, size_t local_len) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(25)};
  if (inet_pton(AF_INET, mail_ip, &to.sin_addr) != 1) return 0;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return 0;
  int ok = 0;
  struct pollfd p = {.fd = s, .events = POLLOUT};
  if (connect(s, (struct sockaddr*)&to, sizeof to) != 0 && errno != EINPROGRESS) goto out;
  if (poll(&p, 1, CONNECT_MS) != 1) goto out;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) goto out;
  char buf[512];
  size_t got = 0;
  double deadline = mono_s() + BANNER_MS / 1000.0;
  p.events = POLLIN;
  while (got < sizeof buf - 1 && memchr(buf, '\n', got) == NULL) {
    int left_ms = (int)((deadline - mono_s()) * 1000);
    if (left_ms <= 0 || poll(&p, 1, left_ms) != 1) goto out;
    ssize_t n = read(s, buf + got, sizeof buf - 1 - got);
    if (n <= 0) goto out;
    got += (size_t)n;
  }
  if (got < 4 || memcmp(buf, "220", 3) != 0) goto out;
  struct sockaddr_in me;
  socklen_t me_len = sizeof me;
  if (getsockname(s, (struct sockaddr*)&me, &me_len) != 0) goto out;
  inet_ntop(AF_INET, &me.sin_addr, local, (socklen_t)local_len);
  ok = 1;
out:
  close(s);
  return ok;
}

static void mail_loop(const char* file, const char* mail_ip) {
  double until = mono_s() + LIFETIME_S;
  char local[INET_ADDRSTRLEN] = "";
  while (mono_s() < until) {
    if (banner_once(mail_ip, local, sizeof local)) {
      stamp(file, "mail", local);
      return;
    }
    sleep_ms(RETRY_MS);
  }
}

static void sip_loop(const char* file, const char* address, char* const sipp_argv[]) {
  double until = mono_s() + LIFETIME_S;
  while (mono_s() < until) {
    pid_t pid = fork();
    if (pid == 0) {
      execvp(sipp_argv[0], sipp_argv);
      _exit(127);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
      stamp(file, "sip", address);
      return;
    }
    sleep_ms(500);
  }
}

/* A child that outlives the hook: its own session, no terminal, stdio on
 * /dev/null, so the DHCP client never waits for it. */
static int detach(void) {
  pid_t pid = fork();
  if (pid != 0) return pid < 0 ? -1 : 1;
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  return 0;
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 4 && strcmp(argv[1], "mail") == 0) {
    if (detach() == 0) mail_loop(argv[2], argv[3]);
    return 0;
  }
  if (argc != 5 && argc != 8) {
    fprintf(stderr,
            "usage: devprobe bound FILE ADDRESS MAIL_IP [SIP_IP SCENARIO NAME]\n"
            "       devprobe mail FILE MAIL_IP\n");
    return 2;
  }
  if (strcmp(argv[1], "bound") != 0) return 2;
  const char *file = argv[2], *address = argv[3];
  stamp(file, "bound", address);
  if (detach() == 0) {
    mail_loop(file, argv[4]);
    _exit(0);
  }
  if (argc == 8 && detach() == 0) {
    char target[64];
    snprintf(target, sizeof target, "%s:5060", argv[5]);
    char* sipp[] = {"sipp",           target,     "-sf", argv[6], "-s", argv[7],    "-i",
                    (char*)address,   "-p",       "0",   "-m",    "1",  "-timeout", "3s",
                    "-timeout_error", "-nostdin", NULL};
    sip_loop(file, address, sipp);
    _exit(0);
  }
  return 0;
}

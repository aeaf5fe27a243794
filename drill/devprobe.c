/* The drill's device-side probe and DHCP hook (docs/DRILL.md, "What
 * counts"). Run as "devhook" it is every device's DHCP client script
 * (hook_main below); when the client has put an address on the interface
 * it appends "bound <t> <address>" to the
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
 * Usage: devhook                  (as a DHCP client's script)
 *        devprobe bound FILE ADDRESS MAIL_IP [SIP_IP SCENARIO NAME]
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


/* ---- Hook mode: the DHCP client's script (run as "devhook") ------------
 * What tests/integration/client-hook.sh does for the integration tests (and
 * drill/device-hook.sh did for the drill until 2026-12-04), in one process
 * and one `ip` child instead of a bash process or two: record the
 * event in $BST_EVENTS (the same line format the drill's NAK and renewal
 * counts read), put the leased address and default route on the interface
 * (udhcpc, dhclient; dhcpcd configures itself), and when the client has
 * just bound an address, stamp it and start the mail (and REGISTER) child.
 * At 200 devices booting at once on two cores, the bash hooks were most of
 * the 0.6 to 1.0 s between the server's ACK and the device's stamp. */

static const char* env_or(const char* name, const char* fallback) {
  const char* value = getenv(name);
  return value != NULL ? value : fallback;
}

/* "a b c" -> "a,b,c" (one word per recorded field), bounded. */
static void join_words(char* out, size_t out_len, const char* words) {
  size_t n = 0;
  int pending_comma = 0;
  for (const char* p = words; *p != '\0' && n + 2 < out_len; ++p) {
    if (*p == ' ' || *p == '\t') {
      pending_comma = n > 0;
      continue;
    }
    if (pending_comma) out[n++] = ',';
    pending_comma = 0;
    out[n++] = *p;
  }
  out[n] = '\0';
}

static void record(const char* client, const char* event, const char* ip, const char* mask,
                   const char* routers, const char* dns, const char* lease, const char* server,
                   const char* host) {
  char lower[32], r[256], d[256], h[256], line[1400];
  size_t i = 0;
  for (; event[i] != '\0' && i + 1 < sizeof lower; ++i)
    lower[i] = (char)((event[i] >= 'A' && event[i] <= 'Z') ? event[i] + 32 : event[i]);
  lower[i] = '\0';
  join_words(r, sizeof r, routers);
  join_words(d, sizeof d, dns);
  join_words(h, sizeof h, host);
  int n = snprintf(line, sizeof line,
                   "client=%s event=%s if=%s ip=%s mask=%s routers=%s dns=%s lease=%s server=%s "
                   "hostname=%s\n",
                   client, lower, env_or("interface", ""), ip, mask, r, d, lease, server, h);
  int fd = open(env_or("BST_EVENTS", "/dev/null"), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                0644);
  if (fd < 0 || n <= 0) return;
  if (write(fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0)
    perror("devhook: write");
  close(fd);
}

/* `ip -4 -batch -` with BATCH on its standard input. */
static int run_ip(const char* batch) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[0], 0);
    close(fds[0]);
    close(fds[1]);
    execlp("ip", "ip", "-4", "-batch", "-", (char*)NULL);
    _exit(127);
  }
  close(fds[0]);
  size_t len = strlen(batch);
  if (pid > 0 && write(fds[1], batch, len) != (ssize_t)len) perror("devhook: ip batch");
  close(fds[1]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int set_address(const char* ifname, const char* ip, const char* mask, const char* routers,
                       int fresh) {
  char router[64] = "", batch[512];
  sscanf(routers, "%63s", router);
  size_t n = 0;
  if (fresh) n += (size_t)snprintf(batch, sizeof batch, "addr flush dev %s\n", ifname);
  n += (size_t)snprintf(batch + n, sizeof batch - n, "addr replace %s/%s dev %s\n", ip, mask,
                        ifname);
  if (router[0] != '\0' && n < sizeof batch)
    snprintf(batch + n, sizeof batch - n, "route replace default via %s dev %s\n", router, ifname);
  return run_ip(batch);
}

static int is(const char* a, const char* b) { return strcmp(a, b) == 0; }

static void start_probes(const char* address);
static void bound_probes(const char* file, const char* address, const char* mail_ip,
                         char* const* sip);

static int hook_main(int argc, char** argv) {
  const char* client = env_or("BST_CLIENT", "unknown");
  const char* ifname = env_or("interface", "");
  const char* bound = NULL;
  int rc = 0;
  char batch[256];
  if (is(client, "udhcpc")) {
    const char* event = argc > 1 ? argv[1] : "unknown";
    const char* ip = env_or("ip", "");
    if (is(event, "deconfig")) {
      snprintf(batch, sizeof batch, "addr flush dev %s\nlink set dev %s up\n", ifname, ifname);
      rc = run_ip(batch);
    } else if (is(event, "bound") || is(event, "renew")) {
      rc = set_address(ifname, ip, env_or("subnet", ""), env_or("router", ""), is(event, "bound"));
      if (is(event, "bound")) bound = ip;
    }
    record(client, event, ip, env_or("subnet", ""), env_or("router", ""), env_or("dns", ""),
           env_or("lease", ""), env_or("serverid", ""), env_or("hostname", ""));
  } else {
    const char* reason = env_or("reason", "");
    const char* ip = env_or("new_ip_address", "");
    int fresh = is(reason, "BOUND") || is(reason, "REBOOT");
    int renewed = is(reason, "RENEW") || is(reason, "REBIND");
    if (is(client, "dhclient")) {  /* dhcpcd configures the interface itself */
      if (is(reason, "PREINIT")) {
        snprintf(batch, sizeof batch, "link set dev %s up\n", ifname);
        rc = run_ip(batch);
      } else if (fresh || renewed) {
        rc = set_address(ifname, ip, env_or("new_subnet_mask", ""), env_or("new_routers", ""),
                         fresh);
      } else if (is(reason, "EXPIRE") || is(reason, "FAIL") || is(reason, "RELEASE") ||
                 is(reason, "STOP")) {
        snprintf(batch, sizeof batch, "addr flush dev %s\n", ifname);
        rc = run_ip(batch);
      }
    }
    record(client, reason, ip, env_or("new_subnet_mask", ""), env_or("new_routers", ""),
           env_or("new_domain_name_servers", ""), env_or("new_dhcp_lease_time", ""),
           env_or("new_dhcp_server_identifier", ""), env_or("new_host_name", ""));
    /* An address that changed at a renewal is a new address too. */
    if (fresh || (renewed && !is(ip, env_or("old_ip_address", "")))) bound = ip;
  }
  if (bound != NULL && bound[0] != '\0') start_probes(bound);
  return rc < 0 ? 1 : rc;
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const char* name = strrchr(argv[0], '/');
  if (strcmp(name != NULL ? name + 1 : argv[0], "devhook") == 0) return hook_main(argc, argv);
  if (argc == 4 && strcmp(argv[1], "mail") == 0) {
    if (detach() == 0) mail_loop(argv[2], argv[3]);
    return 0;
  }
  if (argc != 5 && argc != 8) {
    fprintf(stderr,
            "usage: devprobe bound FILE ADDRESS MAIL_IP [SIP_IP SCENARIO NAME]\n"
            "       devprobe mail FILE MAIL_IP\n"
            "       devhook (as a DHCP client's script; see hook_main)\n");
    return 2;
  }
  if (strcmp(argv[1], "bound") != 0) return 2;
  bound_probes(argv[2], argv[3], argv[4], argc == 8 ? argv + 5 : NULL);
  return 0;
}

/* The stamp, then the mail child and, for a phone (sip: SIP_IP SCENARIO
 * NAME), the REGISTER child. */
static void bound_probes(const char* file, const char* address, const char* mail_ip,
                         char* const* sip) {
  stamp(file, "bound", address);
  if (detach() == 0) {
    mail_loop(file, mail_ip);
    _exit(0);
  }
  if (sip != NULL && detach() == 0) {
    char target[64];
    snprintf(target, sizeof target, "%s:5060", sip[0]);
    char* sipp[] = {"sipp",           target,     "-sf", sip[1], "-s", sip[2],     "-i",
                    (char*)address,   "-p",       "0",   "-m",   "1",  "-timeout", "3s",
                    "-timeout_error", "-nostdin", NULL};
    sip_loop(file, address, sipp);
    _exit(0);
  }
}

/* Hook mode's probes, from the device's environment (drill/drilllib/office.py). */
static void start_probes(const char* address) {
  const char* file = getenv("BST_DRILL_STAMPS");
  const char* mail_ip = getenv("BST_DRILL_MAIL");
  if (file == NULL || mail_ip == NULL) return;
  char sip_words[3][128];
  char* sip[3] = {sip_words[0], sip_words[1], sip_words[2]};
  const char* sip_env = getenv("BST_DRILL_SIP");
  int have_sip = sip_env != NULL &&
                 sscanf(sip_env, "%127s %127s %127s", sip_words[0], sip_words[1], sip_words[2]) == 3;
  bound_probes(file, address, mail_ip, have_sip ? sip : NULL);
}

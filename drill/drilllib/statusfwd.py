# The drill's server's status page, live from the host while the drill
# runs: a small TCP forwarder listening on the host's loopback that opens
# each connection inside the server's namespace (setns on the forwarding
# thread) to blackstart's control listener (127.0.0.1:8004 there). No
# interface is added to the host. blackstart refuses requests whose Host
# header names another socket (DNS rebinding), so the forwarder rewrites
# the header to the address it connects to, as a reverse proxy would.
import selectors
import socket
import threading

from . import netns

TARGET = ("127.0.0.1", 8004)
MAX_CONNECTIONS = 16


class StatusForward:
    def __init__(self, port):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.ns = None          # the namespace of the server running now
        self.stopping = False
        self.active = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def point_at(self, ns):
        self.ns = ns

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                full = self.active >= MAX_CONNECTIONS
                if not full:
                    self.active += 1
            if full or self.ns is None:
                conn.close()
                if not full:
                    with self.lock:
                        self.active -= 1
                continue
            threading.Thread(target=self._relay, args=(conn, self.ns), daemon=True).start()

    def _relay(self, conn, ns):
        try:
            with netns.inside(ns):
                upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            upstream.settimeout(5)
            upstream.connect(TARGET)
            _pump(conn, upstream, self._host_rewrite())
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.active -= 1

    def _host_rewrite(self):
        ours = f"127.0.0.1:{self.port}".encode()
        theirs = f"{TARGET[0]}:{TARGET[1]}".encode()
        local = f"localhost:{self.port}".encode()
        return lambda data: data.replace(b"Host: " + ours, b"Host: " + theirs).replace(
            b"Host: " + local, b"Host: " + theirs)

    def close(self):
        self.stopping = True
        self.listener.close()


def _pump(client, upstream, rewrite, idle_s=30):
    """Copies both ways until either side closes or nothing moves for idle_s
    (the status page's event stream keeps a connection busy)."""
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ, upstream)
    sel.register(upstream, selectors.EVENT_READ, client)
    try:
        while True:
            ready = sel.select(idle_s)
            if not ready:
                return
            for key, _ in ready:
                data = key.fileobj.recv(65536)
                if not data:
                    return
                if key.fileobj is client:
                    data = rewrite(data)
                key.data.sendall(data)
    finally:
        sel.close()
        upstream.close()

"""A TCP proxy on loopback that a test can switch to refuse connections and reset live ones.

Put in front of the real PostgreSQL, it plays the database's outages as the hub meets them on the
wire: ``refuse()`` stops listening (new connections get ECONNREFUSED, as while PostgreSQL
restarts) and resets every live connection; ``reset_live()`` resets the live connections only
(a crashed backend, a firewall's idle cut); ``restore()`` listens again on the same port.

One thread moves the bytes of every connection (a selector), and the switches run on that thread
between two reads, so a reset never races a half-forwarded chunk.
"""

from __future__ import annotations

import contextlib
import queue
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType

from hub.sim.kit.server import listening_socket

CHUNK = 65536
COMMAND_TIMEOUT_SECONDS = 10.0


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self._listener: socket.socket | None = listening_socket(host, 0, backlog=128)
        self.port: int = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._commands: queue.Queue[tuple[Callable[[], None], threading.Event]] = queue.Queue()
        self._peers: dict[socket.socket, socket.socket] = {}
        self._stopped = False
        self.accepted = 0
        self._selector.register(self._wake_read, selectors.EVENT_READ)
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, name=f"tcp-proxy-{self.port}", daemon=True)
        self._thread.start()

    # -- switches (each returns once done) ----------------------------------------------------

    def refuse(self) -> None:
        """Stop listening and reset every live connection: the database is gone."""
        self._call(self._do_refuse)

    def reset_live(self) -> None:
        """Reset (RST) every live connection; new ones are still forwarded."""
        self._call(self._do_reset_live)

    def restore(self) -> None:
        """Listen again on the same port: the database is back."""
        self._call(self._do_restore)

    def live_connections(self) -> int:
        count: list[int] = []
        self._call(lambda: count.append(len(self._peers) // 2))
        return count[0]

    def close(self) -> None:
        if not self._stopped:
            self._call(self._do_stop)
            self._thread.join(COMMAND_TIMEOUT_SECONDS)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None) -> None:
        self.close()

    # -- the loop -----------------------------------------------------------------------------

    def _call(self, command: Callable[[], None]) -> None:
        done = threading.Event()
        self._commands.put((command, done))
        self._wake_write.send(b"x")
        if not done.wait(COMMAND_TIMEOUT_SECONDS):
            raise RuntimeError("the proxy's loop did not run the command")

    def _run(self) -> None:
        while not self._stopped:
            for key, _ in self._selector.select():
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._wake_read:
                    self._run_commands()
                elif sock is self._listener:
                    self._accept()
                elif sock in self._peers:
                    self._forward(sock)
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()

    def _run_commands(self) -> None:
        self._wake_read.recv(CHUNK)
        while True:
            try:
                command, done = self._commands.get_nowait()
            except queue.Empty:
                return
            command()
            done.set()

    def _accept(self) -> None:
        assert self._listener is not None
        client, _ = self._listener.accept()
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peers[client] = upstream
        self._peers[upstream] = client
        self._selector.register(client, selectors.EVENT_READ)
        self._selector.register(upstream, selectors.EVENT_READ)
        self.accepted += 1

    def _forward(self, sock: socket.socket) -> None:
        peer = self._peers[sock]
        try:
            data = sock.recv(CHUNK)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        self._drop(sock, reset=False)

    def _drop(self, sock: socket.socket, *, reset: bool) -> None:
        peer = self._peers.pop(sock)
        del self._peers[peer]
        for end in (sock, peer):
            self._selector.unregister(end)
            if reset:
                _reset(end)
            else:
                end.close()

    def _do_reset_live(self) -> None:
        for sock in list(self._peers):
            if sock in self._peers:
                self._drop(sock, reset=True)

    def _do_refuse(self) -> None:
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None
        self._do_reset_live()

    def _do_restore(self) -> None:
        if self._listener is None:
            self._listener = listening_socket(self.host, self.port, backlog=128)
            self._selector.register(self._listener, selectors.EVENT_READ)

    def _do_stop(self) -> None:
        self._do_refuse()
        self._stopped = True


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN: the peer sees 'connection reset', as when a host dies."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()

"""Asking outside services (the Census API, boundary files, geocoders) with bounded answers.

Every answer is limited in size and in **total** time, not only per read: a server that
drips one byte every few seconds (in its headers or its body), or sends a 300 MB page, is
refused with a message that says which service and what to do, and the memory held is at
most the limit. The total time is kept by a watchdog that shuts the connection's socket at
the deadline, which ends any read blocked on it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapping.infra.errors import DataError

USER_AGENT = "newcomer-asset-map (public library asset mapping)"
CHUNK = 64 * 1024


class AnswerTooLarge(DataError):
    """The answer is larger than the limit set for that kind of request."""


class AnswerTooSlow(DataError):
    """The answer did not arrive in full within the total time allowed."""


@dataclass(frozen=True)
class Answer:
    """A complete answer: status, headers and body (whatever the status)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    charset: str = "utf-8"

    @property
    def text(self) -> str:
        """The body as text, undecodable bytes replaced."""
        return self.body.decode(self.charset or "utf-8", "replace")


def host(url: str) -> str:
    """The host part of a URL, for messages (never the query, which may hold a key)."""
    return urllib.parse.urlsplit(url).netloc


def ask(url: str, *, max_bytes: int, total_seconds: float, data: bytes | None = None,
        headers: Mapping[str, str] | None = None, method: str | None = None,
        handlers: tuple[urllib.request.BaseHandler, ...] = ()) -> Answer:
    """Send one request and return the whole answer, bounded in size and total time.

    An HTTP error status is returned as an :class:`Answer` like any other (its body bounded
    too), so callers decide what it means. Raises :class:`AnswerTooLarge`,
    :class:`AnswerTooSlow`, or ``urllib.error.URLError`` / ``OSError`` when the service
    cannot be reached.
    """
    if not url.startswith(("https://", "http://")):
        raise DataError(f"refusing to open {url!r}: only http(s) addresses are used")
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310 (http(s) only)
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
    watchdog = _Watchdog(total_seconds)
    opener = urllib.request.build_opener(*_connection_handlers(watchdog), *handlers)
    slow = AnswerTooSlow(f"{host(url)} did not finish answering within {total_seconds:g} s; "
                         "try again later")
    try:
        try:
            response = opener.open(request, timeout=max(total_seconds, 0.001))
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            status = int(getattr(response, "status", None) or response.getcode() or 0)
            body = _read(response, url, max_bytes=max_bytes)
            if watchdog.fired:
                raise slow
            charset = response.headers.get_content_charset() or "utf-8"
            return Answer(status, dict(response.headers.items()), body, charset)
    except (OSError, http.client.HTTPException) as exc:
        # The socket's own time-out and the watchdog both end at the total time; whichever
        # comes first, the answer was too slow (a read time-out raises TimeoutError itself).
        if watchdog.fired or isinstance(exc, TimeoutError) or isinstance(
                getattr(exc, "reason", None), TimeoutError):
            raise slow from None
        if isinstance(exc, http.client.HTTPException):
            raise urllib.error.URLError(f"broken answer ({type(exc).__name__})") from None
        raise
    finally:
        watchdog.cancel()


def _read(response: Any, url: str, *, max_bytes: int) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise AnswerTooLarge(_too_large(url, max_bytes))
    read = getattr(response, "read1", None) or response.read
    chunks: list[bytes] = []
    size = 0
    while chunk := read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise AnswerTooLarge(_too_large(url, max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


class _Watchdog:
    """Shuts every socket it was given when the time is up (reads on them then end)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _connection_handlers(watchdog: _Watchdog) -> tuple[urllib.request.BaseHandler, ...]:
    """urllib's HTTP and HTTPS handlers, with connections that report their socket."""

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.add(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.add(self.sock)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=self._context)

    return Handler(), SecureHandler()


def _too_large(url: str, max_bytes: int) -> str:
    limit = f"{round(max_bytes / 1_000_000, 1):g} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,} bytes"
    return f"the answer from {host(url)} is larger than {limit}; refusing it"

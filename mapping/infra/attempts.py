"""Slowing down guesses: a limit on failed sign-in attempts, then a lockout.

Kept per key (today the one staff passcode; per account once people have accounts), in
the process, shared by every session: opening a new browser tab does not reset it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class AttemptLimiter:
    """At most ``limit`` failed attempts within ``window`` seconds; then every attempt, even
    the right one, is refused for ``lockout`` seconds.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = AttemptLimiter(limit=2, window=60, lockout=300, clock=lambda: now[0])
    >>> limiter.failed("staff"); limiter.failed("staff"); limiter.locked_for("staff")
    300.0
    >>> now[0] = 301.0; limiter.locked_for("staff")
    0.0
    """

    def __init__(self, *, limit: int = 5, window: float = 600.0, lockout: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.lockout, self._clock = limit, window, lockout, clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        with self._lock:
            return max(0.0, self._locked_until.get(key, 0.0) - self._clock())

    def failed(self, key: str) -> None:
        """Record a wrong attempt; the ``limit``-th within the window locks ``key``."""
        with self._lock:
            now = self._clock()
            recent = [t for t in self._failures.get(key, []) if now - t < self.window]
            recent.append(now)
            self._failures[key] = recent
            if len(recent) >= self.limit:
                self._locked_until[key] = now + self.lockout
                self._failures[key] = []

    def succeeded(self, key: str) -> None:
        """A right attempt (while not locked) clears the count."""
        with self._lock:
            self._failures.pop(key, None)

"""Fault injection: a seeded fraction of calls answered with 429 or 500, never answered, or cut off, without taking effect."""
from __future__ import annotations

import random
import socket
from http.server import BaseHTTPRequestHandler
from typing import Iterable

__all__ = ["FaultsMixin", "FAULT_KINDS"]

FAULT_KINDS = ("429", "500", "timeout", "drop")


class FaultsMixin:
    def _init_faults(self) -> None:
        self.faults: list[tuple[str, dict, str]] = []  # (method, params, kind) of injected faults
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_methods: frozenset[str] | None = None
        self._fault_rng = random.Random(0)
        self._fault_retry_after = 1
        self._fault_timeout_seconds = 6.0

    def set_faults(self, rate: float, kinds: Iterable[str] = FAULT_KINDS, seed: int = 0,
                   methods: Iterable[str] | None = None, retry_after: int = 1,
                   timeout_seconds: float = 6.0) -> None:
        """Make a fraction `rate` of calls fail without taking effect.

        Kinds: "429" (Too Many Requests with parameters.retry_after), "500", "timeout" (no
        response for timeout_seconds -- longer than PTB's default 5 s read timeout -- then the
        connection is closed), "drop" (connection closed without a response). `methods` defaults
        to every method except getUpdates and getMe. set_faults(0) turns faults off.
        """
        kinds = tuple(kinds)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        with self._lock:
            self._fault_rate = float(rate)
            self._fault_kinds = kinds
            self._fault_methods = None if methods is None else frozenset(m.lower() for m in methods)
            self._fault_rng = random.Random(seed)
            self._fault_retry_after = int(retry_after)
            self._fault_timeout_seconds = float(timeout_seconds)

    def _pick_fault(self, method: str) -> str | None:
        with self._lock:
            if self._fault_rate <= 0 or not self._fault_kinds:
                return None
            key = method.lower()
            if self._fault_methods is None:
                if key in ("getupdates", "getme"):
                    return None
            elif key not in self._fault_methods:
                return None
            if self._fault_rng.random() >= self._fault_rate:
                return None
            return self._fault_rng.choice(self._fault_kinds)

    def _inject_fault(self, handler: BaseHTTPRequestHandler, method: str, params: dict) -> bool:
        """Answer the call with a fault instead of running it; False when this call is not faulted."""
        fault = self._pick_fault(method)
        if fault is None:
            return False
        with self._cond:
            self.faults.append((method, params, fault))
            self._cond.notify_all()
        if fault == "429":
            retry = self._fault_retry_after
            self._respond(handler, 429, {"ok": False, "error_code": 429,
                                         "description": f"Too Many Requests: retry after {retry}",
                                         "parameters": {"retry_after": retry}})
        elif fault == "500":
            self._respond(handler, 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
        else:
            if fault == "timeout":
                self._stop_event.wait(self._fault_timeout_seconds)
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return True

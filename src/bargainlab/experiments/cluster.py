"""Dask for the executors: checking a scheduler's address, connecting to it, and starting a
local cluster, each failing at once with one clear message.

:mod:`bargainlab.experiments.executors` imports this module only when a run asks for Dask
(``distributed`` takes a while to import). An address that is not one
(``--scheduler 'not a url'``) is refused before anything is started; a scheduler that
refuses the connection is refused at once (the client itself would retry until its
timeout); a server that answers but is not a Dask scheduler, or one that does not answer in
time, is refused after the timeout. A client that fails to connect is closed on the spot,
so nothing waits for it at exit.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from distributed import Client, LocalCluster
from distributed.comm.addressing import get_address_host_port

from ..config.errors import ConfigError
from ..support.lifetime import quiet_resource_tracker

__all__ = ["check_scheduler_address", "connect", "local_cluster"]

EXAMPLE = "tcp://10.0.0.5:8786"
"""The form of a scheduler address, for messages."""


def check_scheduler_address(address: str) -> tuple[str, int]:
    """The host and port of a scheduler address (``tcp://host:port``, or ``tls://``,
    ``ws://``, ...); :class:`ConfigError` naming ``--scheduler`` when it is not one."""
    try:
        host, port = get_address_host_port(address)
    except ValueError as exc:
        raise ConfigError(
            None, "--scheduler", f"{address!r} is not a scheduler address ({exc}); e.g. {EXAMPLE}"
        ) from None
    if not host or any(ch.isspace() for ch in host) or not 0 < int(port) < 65536:
        raise ConfigError(
            None,
            "--scheduler",
            f"{address!r} is not a scheduler address (host {host!r}, port {port}); e.g. {EXAMPLE}",
        )
    return host, int(port)


class _Client(Client):
    """A client that, when it cannot connect, closes at once: the standard one would be
    closed by the garbage collector, which waits twice its timeout for a scheduler it never
    reached and prints an ignored ``TimeoutError``."""

    def start(self, **kwargs: Any) -> None:
        """Connect; on failure, mark the client closed and stop its event loop, then raise."""
        try:
            super().start(**kwargs)
        except BaseException:
            self.status = "closed"
            self._loop_runner.stop()
            raise


def connect(address: str, timeout: float) -> Client:
    """A client of the scheduler at ``address`` (waiting at most ``timeout`` seconds);
    :class:`ConfigError` naming ``--scheduler`` when there is none to reach there."""
    host, port = check_scheduler_address(address)
    scheme = address.split("://")[0] if "://" in address else "tcp"
    if scheme in ("tcp", "tls", "ws", "wss"):  # a plain TCP connection first: refused at once
        try:
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as exc:
            raise _unreachable(address, exc.strerror or str(exc)) from None
    quiet_resource_tracker()
    try:
        return _Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:
        raise _unreachable(address, f"{type(exc).__name__}: {exc}"[:300]) from None


def _unreachable(address: str, cause: str) -> ConfigError:
    """The error for a scheduler that cannot be reached or is not a Dask scheduler."""
    return ConfigError(
        None,
        "--scheduler",
        f"cannot reach a Dask scheduler at {address!r}: {cause}; is a scheduler running "
        f"there (`dask scheduler`), and is it the address it prints?",
    )


def local_cluster(workers: int | None) -> tuple[LocalCluster, Client]:
    """A local cluster of ``workers`` single-threaded worker processes (default: every
    core) and its client. Its workers end with this process (Dask's nanny watches it)."""
    quiet_resource_tracker()
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,  # the parent reports what goes wrong, once
    )
    return cluster, Client(cluster, set_as_default=False)

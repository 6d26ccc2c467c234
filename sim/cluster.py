"""Dask schedulers: an address is checked, probed and connected to within a bounded time, so that a
wrong address is one clear error before any folder is made, whatever listens on the port.

``distributed`` itself trusts its peer: it reads an 8-byte frame length from whatever answers and
allocates that much (a service sending text makes it ask for exabytes), and it waits for the peer's
handshake with no time limit (an HTTP server never sends one). So the first bytes are read here,
on a plain socket with a deadline, and only a peer that sends a small Dask handshake is then asked,
through ``distributed``, who it is.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import socket
import struct
import time

from sim.errors import SimError

ADDRESS = re.compile(r"^tcp://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):"
                     r"(?P<port>[0-9]{1,5})$")
TIMEOUT_ENV = "SIM_DASK_CONNECT_TIMEOUT"
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 600.0
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(ms|s|min)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "min": 60.0, None: 1.0}
# A Dask handshake (compression, Python version, pickle protocol) is about 60 bytes; a first frame
# of more than this is not one.
_MAX_HANDSHAKE = 64 * 1024
_RETRY_S = 0.1


class SchedulerError(SimError):
    """No usable Dask scheduler at the address given."""


def connect_timeout(text: str | None, where: str = TIMEOUT_ENV) -> float:
    """Seconds to wait for a scheduler, from ``text`` (``10s``, ``500ms``, ``1min`` or plain
    seconds; None or blank: the default 10 s; at most 600 s); ``where`` names the setting in the
    SchedulerError raised on anything else."""
    if text is None or not text.strip():
        return DEFAULT_TIMEOUT_S
    m = _DURATION.match(text)
    seconds = float(m.group(1)) * _UNIT_S[m.group(2)] if m else 0.0
    if not 0 < seconds <= MAX_TIMEOUT_S:
        raise SchedulerError(f"{where}={text!r}: give a duration above 0 and up to {MAX_TIMEOUT_S:g} s, "
                             "e.g. 10s or 500ms")
    return seconds


def parse_address(address: str) -> tuple[str, int]:
    """(host, port) of ``tcp://host:port``; raises SchedulerError naming the expected form."""
    m = ADDRESS.match(address.strip())
    port = int(m.group("port")) if m else 0
    if not m or not 0 < port < 65536:
        raise SchedulerError(f"{address!r} is not a Dask scheduler address (--scheduler or SIM_DASK_SCHEDULER): "
                             "give one as tcp://host:port, e.g. tcp://127.0.0.1:8786")
    return m.group("host").strip("[]"), port


def check_scheduler(address: str, timeout: float | None = None) -> str:
    """Make sure a Dask scheduler answers at ``address`` within ``timeout`` seconds (default
    :data:`DEFAULT_TIMEOUT_S`); returns the address. Raises SchedulerError ("no Dask scheduler at
    ADDRESS (why)") otherwise; nothing else is left open."""
    timeout = DEFAULT_TIMEOUT_S if timeout is None else timeout
    host, port = parse_address(address)
    address = address.strip()
    deadline = time.monotonic() + timeout
    try:
        _read_handshake(host, port, deadline, f"{timeout:g} s")
        kind = _identity(address, max(0.1, deadline - time.monotonic()))
    except _NotDask as exc:
        raise SchedulerError(f"no Dask scheduler at {address} ({exc})") from None
    if kind != "Scheduler":
        raise SchedulerError(f"no Dask scheduler at {address} (a Dask {kind or 'service'} answered; give the "
                             "scheduler's address)")
    return address


def client(address: str, timeout: float | None = None):
    """A ``dask.distributed.Client`` on a checked scheduler. Raises SchedulerError when
    ``distributed`` is missing or the scheduler does not answer."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise SchedulerError("--scheduler needs dask.distributed: pip install -e \".[dask]\"") from None
    timeout = DEFAULT_TIMEOUT_S if timeout is None else timeout
    check_scheduler(address, timeout)
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"no Dask scheduler at {address} ({exc})") from None


class _NotDask(Exception):
    """Why the peer is not a Dask scheduler, in a few words."""


def _read_handshake(host: str, port: int, deadline: float, within: str) -> None:
    """Connect and read the handshake a Dask server sends first: an 8-byte length, then that many
    bytes. Raises _NotDask when nothing listens, nothing arrives in time, or the length is absurd."""
    with _connect(host, port, deadline, within) as sock:
        header = _read_exactly(sock, 8, deadline, within)
        (length,) = struct.unpack("Q", header)
        if not 0 < length <= _MAX_HANDSHAKE:
            raise _NotDask("something else listens on that port: it does not speak the Dask protocol")
        _read_exactly(sock, length, deadline, within)


def _connect(host: str, port: int, deadline: float, within: str) -> socket.socket:
    """A connected socket. A refused connection is tried again until the deadline, as distributed
    does: a scheduler started a moment ago may not listen yet."""
    while True:
        try:
            return socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
        except socket.gaierror:
            raise _NotDask(f"cannot resolve the host {host!r}") from None
        except TimeoutError:
            raise _NotDask(f"no connection within {within}") from None
        except ConnectionRefusedError:
            if time.monotonic() + _RETRY_S >= deadline:
                raise _NotDask(f"connection refused for {within}") from None
            time.sleep(_RETRY_S)
        except OSError as exc:
            raise _NotDask(exc.strerror or str(exc)) from None


def _read_exactly(sock: socket.socket, n: int, deadline: float, within: str) -> bytes:
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = sock.recv(n - len(data))
        except TimeoutError:
            raise _NotDask(f"something listens on that port but sent no Dask handshake within {within}") from None
        except OSError as exc:
            raise _NotDask(exc.strerror or str(exc)) from None
        if not chunk:
            raise _NotDask("the connection was closed before a Dask handshake")
        data += chunk
    return data


def _identity(address: str, timeout: float) -> str | None:
    """The ``type`` a Dask server reports (``Scheduler``, ``Worker``, ...), asked within ``timeout``
    seconds on a thread of its own (the caller may already run an event loop, e.g. a notebook)."""
    try:
        from distributed.core import rpc
    except ImportError:
        raise SchedulerError("--scheduler needs dask.distributed: pip install -e \".[dask]\"") from None

    async def ask() -> dict:
        remote = rpc(address, timeout=timeout)
        try:
            return await asyncio.wait_for(remote.identity(), timeout)
        finally:
            await remote.close_rpc()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        try:
            reply = pool.submit(asyncio.run, ask()).result()
        except (asyncio.TimeoutError, TimeoutError):
            raise _NotDask(f"no answer to a Dask identity request within {timeout:.1f} s") from None
        except Exception as exc:  # whatever distributed raises for a broken peer: a message, not a traceback
            raise _NotDask(f"its answer was not a Dask scheduler's: {type(exc).__name__}") from None
    return reply.get("type") if isinstance(reply, dict) else None

"""Background processes with pid files: start detached, find again later, stop by process group.

The local stack outlives the command that started it (`python -m infra.local up` returns), so a component is
found again through its pid file, not through a Popen handle. Each process runs in its own session, hence its
own process group, so stopping it also stops whatever it spawned (the Temporal dev server forks helpers).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STOP_TIMEOUT = 20.0


def venv_bin(name: str) -> Path:
    """Path of an executable installed next to the running interpreter (the virtualenv's bin)."""
    return Path(sys.executable).parent / name


_HANDED_OUT: set[int] = set()


def _outside_ephemeral_range() -> range:
    """Ports the kernel never hands to outgoing connections (below or above ip_local_port_range)."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(10_000, low) if low - 10_000 >= 2_000 else range(high + 1, 65_536)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now, for a server started a moment later.

    Chosen outside the kernel's ephemeral range: a port the OS picked (bind to 0) is free only until the
    kernel gives it to some outgoing connection as its local port, and then the server fails with "address
    in use". Ports handed out by this process are not handed out again.
    """
    candidates = _outside_ephemeral_range()
    rng = random.Random()
    for _ in range(200):
        port = rng.choice(candidates)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True when ``pid`` is a live (not zombie) process.

    A child of this interpreter that exited stays a zombie until reaped and would still answer kill(pid, 0),
    so reap it first when it is ours.
    """
    with contextlib.suppress(ChildProcessError, OSError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@dataclass
class ManagedProcess:
    """One background component: its command, environment, log file and pid file."""

    name: str
    argv: Sequence[str]
    log_path: Path
    pid_path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def read_pid(self) -> int | None:
        """The pid recorded in the pid file when that process still runs our command; None otherwise.

        A pid file left by a crash may name a pid the OS has since given to an unrelated process, so the
        recorded pid only counts when its command line still names our executable.
        """
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        if not pid_alive(pid):
            return None
        cmdline = _cmdline(pid)
        if cmdline and Path(self.argv[0]).name not in " ".join(cmdline):
            return None
        return pid

    def is_running(self) -> bool:
        """True when the recorded process is alive."""
        return self.read_pid() is not None

    def start(self) -> int:
        """Starts the process unless it already runs; returns its pid. Stale pid files are replaced."""
        pid = self.read_pid()
        if pid is not None:
            return pid
        self.pid_path.unlink(missing_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        with self.log_path.open("ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - argv is built by this package, never from user input
                list(self.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
            )
        self.pid_path.write_text(f"{proc.pid}\n")
        return proc.pid

    def exited_early(self) -> str | None:
        """When the process died, the tail of its log to explain why; None while it runs."""
        if self.is_running():
            return None
        return f"{self.name} exited; last log lines:\n{tail(self.log_path, 20)}"

    def signal(self, sig: int) -> bool:
        """Sends ``sig`` to the process group; False when there was nothing to signal."""
        pid = self.read_pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        return True

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """SIGTERM to the group, wait up to ``timeout`` seconds, then SIGKILL. Returns True if it was running."""
        pid = self.read_pid()
        if pid is None:
            self.pid_path.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while pid_alive(pid):
                time.sleep(0.05)
        # Helpers forked into the group may outlive the leader; the group is ours, so clear it out.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        self.pid_path.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """SIGKILL the group at once, as a crash would; the pid file stays behind like after a real crash."""
        pid = self.read_pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.02)


def tail(path: Path, lines: int = 50) -> str:
    """The last ``lines`` lines of a text file ('' when it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])

"""nginx on 127.0.0.1 serving canned chat-completions bodies: a near-zero-cost server.

nginx runs in the foreground (``daemon off``) with a generated config in a temporary directory:
a random free loopback port, one worker, no access log, pid and temp paths in that directory.
Static files answer POST through ``error_page 405 =200 $uri`` (the static handler refuses POST
with 405; the internal redirect serves the file as a GET). It is always stopped on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import canned
from procstat import children

_CONFIG = """\
worker_processes 1;
worker_rlimit_nofile 8192;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_max_body_size 64m;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    types {{ }}
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {root}/www;
        location ~ /v1/models$ {{ default_type application/json; }}
        location /json/ {{ default_type application/json; error_page 405 =200 $uri; }}
        location /sse/ {{ default_type text/event-stream; error_page 405 =200 $uri; }}
        location /emb/ {{ default_type application/json; error_page 405 =200 $uri; }}
    }}
}}
"""


def find_nginx() -> str:
    """The nginx binary (Debian installs it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/sbin")
    if not found:
        raise RuntimeError("nginx is not installed: `apt-get install -y nginx` (make bench does this).")
    return found


def nginx_version() -> str:
    out = subprocess.run([find_nginx(), "-v"], capture_output=True, text=True, timeout=10, check=False)
    return out.stderr.strip().removeprefix("nginx version: ")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class CannedServer:
    """``with CannedServer(model, chunks) as server:`` nginx up on ``server.port``, down after.

    ``extra`` maps more paths under the root to their bodies (``emb/...``: JSON answers to POST).
    """

    def __init__(self, model: str, chunks: int, extra: dict[str, bytes] | None = None) -> None:
        self.model = model
        self.chunks = chunks
        self.extra = extra or {}
        self.port = 0
        self.worker_pid = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def url(self, kind: str) -> str:
        """The base URL a client gets: ``kind`` is ``json`` or ``sse``."""
        return f"http://127.0.0.1:{self.port}/{kind}/v1"

    def __enter__(self) -> CannedServer:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-nginx-")
        root = Path(self._dir.name)
        try:
            self._write_files(root)
            for _attempt in range(3):  # a port taken between free_port() and nginx's bind: try another
                if self._start(root):
                    return self
            raise RuntimeError(f"nginx did not start: {(root / 'error.log').read_text()[-2000:]}")
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _write_files(self, root: Path) -> None:
        root.chmod(0o755)  # nginx's worker may run as an unprivileged user
        (root / "tmp").mkdir()
        models = json.dumps(canned.models_list(self.model)).encode()
        bodies = {
            "json": json.dumps(canned.completion(self.model)).encode(),
            "sse": canned.sse_stream(self.model, self.chunks),
        }
        for kind, body in bodies.items():
            base = root / "www" / kind / "v1"
            (base / "chat").mkdir(parents=True)
            (base / "chat" / "completions").write_bytes(body)
            (base / "models").write_bytes(models)
        for name, body in self.extra.items():
            (root / "www" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "www" / name).write_bytes(body)
        for path in root.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)

    def _start(self, root: Path) -> bool:
        self.port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(_CONFIG.format(root=root, port=self.port))
        self._proc = subprocess.Popen(
            [find_nginx(), "-p", str(root), "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                return False
            workers = children(self._proc.pid)
            if workers and self._answers():
                self.worker_pid = workers[0]
                return True
            time.sleep(0.05)
        self.stop()
        return False

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop nginx (TERM, then KILL after 5 s) and remove the temporary directory."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                workers = children(proc.pid)
                proc.kill()
                proc.wait(timeout=5)
                for pid in workers:  # an orphaned worker would keep the port
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

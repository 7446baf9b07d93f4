"""A stand-in for llama.cpp's server (stdlib only), to test how a local server's failures are reported."""

from __future__ import annotations

import sys
from pathlib import Path

from hostedllm.local import LocalServer


class ScriptedServer(LocalServer):
    """A stand-in for llama.cpp's server (stdlib only) that answers /v1/models, then behaves as ``mode`` says."""

    def __init__(self, tmp_path: Path, mode: str) -> None:
        super().__init__(tmp_path / "m.gguf", startup_timeout=30, log_path=tmp_path / "server.log")
        self.script = tmp_path / "server.py"
        self.script.write_text(SCRIPTED_SERVER)
        self.mode = mode

    def command(self) -> list[str]:
        return [sys.executable, str(self.script), str(self.port), self.mode]


SCRIPTED_SERVER = """
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE = sys.argv[2]

class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {"object": "list", "data": [{"id": "smollm2-135m-instruct"}]})

    def do_POST(self):
        if MODE == "segfault":
            print("ggml: about to run the first completion", flush=True)
            os.kill(os.getpid(), signal.SIGSEGV)
        if MODE == "error":
            self.reply(500, {"error": {"message": "no kernel for this op"}})
            return
        self.reply(200, {"choices": [{"message": {"role": "assistant", "content": "H"}, "finish_reason": "length"}]})

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

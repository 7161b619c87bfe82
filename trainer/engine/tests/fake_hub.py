"""A small local stand-in for the Hugging Face Hub, for offline tests of `models pull`.

It serves one folder as one model repository the way the Hub does:
- `GET /api/models/<repo>/revision/<rev>[?blobs=true]`: `{"id", "sha", "siblings": [{"rfilename", "size",
  "blobId", "lfs": {"sha256", "size", "pointerSize"}}]}` (lfs only for weight files, as on the Hub);
- `GET /<repo>/resolve/<rev>/<path>`: small files directly, LFS files by a 302 redirect to
  `/cdn/<sha256>` (the Hub sends them to its CDN), both with `Range` support (206 + Content-Range).

Faults for tests: `cut_after[path] = n` sends the full Content-Length but closes the connection after
n bytes (once); `corrupt.add(path)` serves that file with one byte flipped.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".ckpt")


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


class FakeHub:
    def __init__(self, repo: str, folder: Path, commit: str = "c0ffee" * 6 + "abcd") -> None:
        self.repo = repo
        self.commit = commit
        self.files: dict[str, bytes] = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}
        self.cut_after: dict[str, int] = {}
        self.corrupt: set[str] = set()
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = unquote(urlsplit(self.path).path)
                hub.requests.append((path, self.headers.get("Range")))
                api = f"/api/models/{hub.repo}/revision/"
                resolve = f"/{hub.repo}/resolve/"
                if path.startswith(api):
                    return self._json(hub.info())
                if path.startswith(resolve):
                    rev, _, name = path[len(resolve) :].partition("/")
                    if rev not in (hub.commit, "main") or name not in hub.files:
                        return self._status(404)
                    if name.endswith(LFS_SUFFIXES):
                        self.send_response(302)
                        self.send_header("Location", f"/cdn/{hashlib.sha256(hub.files[name]).hexdigest()}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    return self._file(name)
                if path.startswith("/cdn/"):
                    sha = path[len("/cdn/") :]
                    for name, data in hub.files.items():
                        if hashlib.sha256(data).hexdigest() == sha:
                            return self._file(name)
                return self._status(404)

            def _status(self, code: int) -> None:
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _json(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _file(self, name: str) -> None:
                data = hub.files[name]
                if name in hub.corrupt:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                start = 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[len("bytes=") : -1])
                body = data[start:]
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("X-Repo-Commit", hub.commit)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                cut = hub.cut_after.pop(name, None)
                if cut is not None:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def info(self) -> dict:
        siblings = []
        for name, data in self.files.items():
            s = {"rfilename": name, "size": len(data), "blobId": git_blob_id(data)}
            if name.endswith(LFS_SUFFIXES):
                s["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                s["blobId"] = git_blob_id(f"version https://git-lfs.github.com/spec/v1\noid sha256:{s['lfs']['sha256']}\n".encode())
            siblings.append(s)
        return {"id": self.repo, "modelId": self.repo, "sha": self.commit, "private": False, "siblings": siblings}

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":  # python fake_hub.py REPO FOLDER: serves until stdin closes, prints its URL
    import sys

    with FakeHub(sys.argv[1], Path(sys.argv[2])) as hub:
        print(hub.url, flush=True)
        sys.stdin.read()

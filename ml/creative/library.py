"""The creative library on disk: content-addressed files and one JSON record per produced item.

Files live at ``<root>/blobs/<aa>/<sha256>.<ext>``: identical renders share one file. Item records are written
atomically (temp file then rename) after every blob is on disk, so a crash never leaves a record pointing at a
missing file, and a record's presence is what makes producing an item idempotent.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ml.creative.pipeline import Produced

EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class CreativeLibrary:
    """Content-addressed assets with metadata, lineage and state (draft → approved → published)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def blob_path(self, content_hash: str, mime: str) -> Path:
        """Where the bytes of a hash live."""
        return self.root / "blobs" / content_hash[:2] / f"{content_hash}.{EXT.get(mime, 'bin')}"

    def _write_atomic(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def put_blob(self, data: bytes, mime: str) -> tuple[str, Path]:
        """Stores bytes under their SHA-256 (once); returns the hash and the path."""
        content_hash = hashlib.sha256(data).hexdigest()
        path = self.blob_path(content_hash, mime)
        if not path.exists():
            self._write_atomic(path, data)
        return content_hash, path

    def item_path(self, run_id: str, item_id: str) -> Path:
        """Record of one produced item."""
        return self.root / "runs" / run_id / f"{item_id}.json"

    def get_item(self, run_id: str, item_id: str) -> dict[str, Any] | None:
        """The item's record, if it was produced."""
        path = self.item_path(run_id, item_id)
        return json.loads(path.read_text()) if path.exists() else None

    def put_item(self, run_id: str, item_id: str, meta: dict[str, Any], produced: list[Produced]) -> dict[str, Any]:
        """Stores every asset's bytes, then the record; returns the record."""
        assets = []
        for p in produced:
            path = self.blob_path(p.content_hash, p.mime)
            if not path.exists():
                self._write_atomic(path, p.data)
            verdict = (p.assessment or {}).get("verdict", "")
            state = {"pass": "approved", "needs_review": "needs_review", "reject": "rejected"}.get(verdict, "draft")
            assets.append({
                "asset_id": f"{run_id}-{item_id}-{p.touchpoint}-{p.language or 'none'}", "kind": p.kind, "state": state,
                "touchpoint": p.touchpoint, "language": p.language, "content_hash": p.content_hash,
                "uri": str(path), "mime_type": p.mime, "width": p.width, "height": p.height,
                "copy": asdict(p.copy) if p.copy else None, "assessment": p.assessment, "lineage": p.lineage,
            })
        record = {**meta, "item_id": item_id, "run_id": run_id, "assets": assets}
        self._write_atomic(self.item_path(run_id, item_id), json.dumps(record, ensure_ascii=False).encode())
        return record

    def items(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every record of a run, by item id."""
        folder = self.root / "runs" / run_id
        for path in sorted(folder.glob("*.json")) if folder.exists() else ():
            yield json.loads(path.read_text())

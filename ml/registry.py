"""The model registry: versioned artifacts with a model card each, and which version of a name serves.

Layout under the registry root (a volume or bucket mount shared by trainers, the Serve replicas and the
prediction service)::

    <name>/<version>/model.pt     torch artifact (kind, config, state dicts)
    <name>/<version>/card.json    the model card (fields of loom.prediction.v1.ModelCard)
    <name>/active.json            {"version": ...}: the version that serves

Every write goes to a temporary file first and is renamed into place, so a reader sees the old or the new
file, never half of one; promotion holds a per-name file lock so two promotions cannot interleave.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

STATUSES = ("training", "candidate", "active", "retired", "failed", "rejected")
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class RegistryError(Exception):
    """A registry operation that cannot proceed; ``kind`` is not_found, invalid or precondition."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def valid_name(name: str) -> bool:
    """Model names are lower-case identifiers (they become directory names)."""
    return bool(_NAME.match(name))


def new_version(now: datetime | None = None) -> str:
    """A sortable version from the training time, e.g. 2025-06-01T02-00-00-123456."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H-%M-%S-%f")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class ModelRegistry:
    """Reads and writes the registry under ``root``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def register(self, card: dict[str, Any], artifact: dict[str, Any]) -> dict[str, Any]:
        """Stores a trained version (artifact first, card last: a card always points at a complete artifact)."""
        name, version = card["name"], card["version"]
        if not valid_name(name):
            raise RegistryError("invalid", f"model name {name!r} must match {_NAME.pattern}")
        if card.get("status") not in STATUSES:
            raise RegistryError("invalid", f"status must be one of {STATUSES}")
        folder = self.root / name / version
        if (folder / "card.json").exists():
            raise RegistryError("precondition", f"{name} version {version} exists already")
        buffer = _bytes_of(artifact)
        _write_atomic(folder / "model.pt", buffer)
        card = {**card, "artifact_uri": (folder / "model.pt").resolve().as_uri()}
        _write_atomic(folder / "card.json", json.dumps(card, indent=2, sort_keys=True).encode())
        return card

    def cards(self, name: str = "", kind: str = "", status: str = "") -> list[dict[str, Any]]:
        """Cards, newest version first, optionally filtered."""
        names = [name] if name else sorted(p.name for p in self.root.glob("*") if p.is_dir())
        out = []
        for model in names:
            for path in (self.root / model).glob("*/card.json"):
                card = json.loads(path.read_text())
                if (not kind or card["kind"] == kind) and (not status or card["status"] == status):
                    out.append(card)
        return sorted(out, key=lambda c: (c["version"], c["name"]), reverse=True)

    def active_version(self, name: str) -> str:
        """The version that serves ``name``; empty when none was promoted."""
        path = self.root / name / "active.json"
        return json.loads(path.read_text())["version"] if path.exists() else ""

    def card(self, name: str, version: str = "") -> dict[str, Any]:
        """One version's card (the active version when ``version`` is empty)."""
        version = version or self.active_version(name)
        path = self.root / name / version / "card.json"
        if not version or not path.exists():
            what = f"version {version} of model {name}" if version else f"an active version of model {name}"
            raise RegistryError("not_found", f"there is no {what}")
        return json.loads(path.read_text())

    def load(self, name: str, version: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        """(card, artifact) of a version, the artifact's tensors on the CPU."""
        card = self.card(name, version)
        artifact = torch.load(self.root / name / card["version"] / "model.pt", map_location="cpu", weights_only=True)
        return card, artifact

    def promote(self, name: str, version: str, *, force: bool = False, reason: str = "") -> tuple[dict, str]:
        """Makes ``version`` serve; the one before is retired. Returns (card, previous version)."""
        with self._lock(name):
            card = self.card(name, version)
            if card["status"] == "rejected" and not force:
                raise RegistryError("precondition",
                                    f"{name} {version} did not beat its baseline; promote with force and a reason")
            if force and not reason:
                raise RegistryError("invalid", "a forced promotion needs a reason")
            if card["status"] in ("training", "failed"):
                raise RegistryError("precondition", f"{name} {version} is {card['status']} and cannot serve")
            previous = self.active_version(name)
            if previous == version:
                return card, previous
            now = datetime.now(UTC).isoformat()
            card.update(status="active", promoted_at=now, promotion_reason=reason)
            self._save_card(card)
            _write_atomic(self.root / name / "active.json", json.dumps({"version": version}).encode())
            if previous:
                old = self.card(name, previous)
                old["status"] = "retired"
                self._save_card(old)
            return card, previous

    def _save_card(self, card: dict[str, Any]) -> None:
        path = self.root / card["name"] / card["version"] / "card.json"
        _write_atomic(path, json.dumps(card, indent=2, sort_keys=True).encode())

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        path = self.root / name / ".lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _bytes_of(artifact: dict[str, Any]) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(artifact, buffer)
    return buffer.getvalue()


# Files of the registry that may hold text about people (cards, evaluation reports); artifacts are tensors.
_TEXT_SUFFIXES = (".json", ".csv", ".txt", ".jsonl")


def files_mentioning(root: Path | str, needles: list[str]) -> list[Path]:
    """Text files under a registry root that contain any of ``needles`` (case-insensitive); for erasure."""
    wanted = [n.lower() for n in needles if n]
    found = []
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and path.suffix in _TEXT_SUFFIXES and not path.name.startswith("."):
            text = path.read_text(errors="replace").lower()
            if any(n in text for n in wanted):
                found.append(path)
    return found


def redact_file(path: Path, needles: list[str], replacement: str = "[erased]") -> None:
    """Replaces every occurrence of ``needles`` (case-insensitive) in a text file, atomically."""
    text = path.read_text(errors="replace")
    for needle in sorted((n for n in needles if n), key=len, reverse=True):
        text = re.sub(re.escape(needle), replacement, text, flags=re.IGNORECASE)
    _write_atomic(path, text.encode())

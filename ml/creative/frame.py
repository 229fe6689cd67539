"""The one interface every image step implements: a `Step` takes a `Frame` and returns the next `Frame`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from PIL import Image


@dataclass(frozen=True)
class Frame:
    """Work in progress of one master image, with the lineage of the steps that made it."""

    category: str
    product_id: str
    theme: str
    palette: dict[str, str]
    image: Image.Image | None = None        # RGB photo or composite
    mask: Image.Image | None = None         # L, 255 = subject
    cutout: Image.Image | None = None       # RGBA subject cropped to its mask
    source_uri: str = ""
    prompt: str = ""
    seed: int = 0
    steps: tuple[str, ...] = ()
    models: dict[str, str] = field(default_factory=dict)

    def then(self, step: str, model: str, **changes: object) -> Frame:
        """A copy with ``changes`` applied and the step recorded in the lineage."""
        return replace(self, steps=(*self.steps, step), models={**self.models, step.split(":")[0]: model},
                       **changes)  # type: ignore[arg-type]  # changes are Frame fields by construction


class Step(Protocol):
    """A replaceable pipeline step: a model or algorithm behind a name and version."""

    name: str

    def run(self, frame: Frame) -> Frame:
        """Applies the step."""
        ...


class StepUnavailable(RuntimeError):
    """A configured step cannot run here (missing package or weights); the message says what is missing."""

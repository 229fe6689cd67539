"""Product photos for the pipeline's "object" step.

`FakeCatalogPhotos` stands in for the retailer's product-image store, which cannot run here: it renders a
deterministic studio photo per product (a shaded product on a mottled grey sweep with a floor shadow), so the
mask step faces the same problem as with real photos: a subject that is not cleanly separated from its backdrop.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 512
Draw = Callable[[ImageDraw.ImageDraw, tuple[int, int, int], tuple[int, int, int]], None]


def _sneaker(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.polygon([(90, 330), (120, 230), (200, 215), (260, 250), (330, 265), (410, 300), (430, 340), (90, 345)], fill=c)
    d.rectangle((85, 340, 435, 365), fill=(245, 245, 245))
    d.line([(200, 240), (250, 300)], fill=c2, width=6)
    d.line([(220, 232), (275, 295)], fill=c2, width=6)


def _dress(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.polygon([(215, 110), (297, 110), (310, 220), (380, 420), (132, 420), (202, 220)], fill=c)
    d.rectangle((205, 215, 307, 232), fill=c2)


def _handbag(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.arc((175, 120, 337, 290), 180, 360, fill=c2, width=14)
    d.rounded_rectangle((130, 200, 382, 400), radius=28, fill=c)
    d.rectangle((240, 230, 272, 262), fill=c2)


def _watch(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.rounded_rectangle((220, 80, 292, 432), radius=16, fill=c2)
    d.ellipse((166, 166, 346, 346), fill=c)
    d.ellipse((184, 184, 328, 328), fill=(28, 38, 66))
    d.line([(256, 256), (256, 200)], fill=(240, 240, 240), width=6)
    d.line([(256, 256), (296, 270)], fill=(240, 240, 240), width=5)


def _headphones(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.arc((140, 110, 372, 380), 180, 360, fill=c2, width=22)
    d.rounded_rectangle((120, 240, 190, 370), radius=26, fill=c)
    d.rounded_rectangle((322, 240, 392, 370), radius=26, fill=c)


def _sunglasses(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.ellipse((95, 210, 245, 320), fill=c)
    d.ellipse((267, 210, 417, 320), fill=c)
    d.arc((228, 215, 284, 260), 200, 340, fill=c2, width=10)
    d.line([(95, 240), (60, 225)], fill=c2, width=10)
    d.line([(417, 240), (452, 225)], fill=c2, width=10)


def _jacket(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.polygon([(190, 110), (322, 110), (400, 170), (430, 380), (380, 385), (360, 240), (360, 420), (152, 420),
               (152, 240), (132, 385), (82, 380), (112, 170)], fill=c)
    d.line([(256, 130), (256, 420)], fill=c2, width=6)


def _skincare(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.rounded_rectangle((196, 170, 316, 420), radius=22, fill=c)
    d.rectangle((226, 110, 286, 172), fill=c2)
    d.rectangle((206, 260, 306, 320), fill=(232, 176, 75))


def _plush(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.ellipse((170, 90, 230, 150), fill=c)
    d.ellipse((282, 90, 342, 150), fill=c)
    d.ellipse((180, 110, 332, 250), fill=c)
    d.ellipse((160, 220, 352, 420), fill=c)
    d.ellipse((236, 190, 276, 215), fill=c2)


def _lamp(d: ImageDraw.ImageDraw, c: tuple[int, int, int], c2: tuple[int, int, int]) -> None:
    d.polygon([(196, 100), (316, 100), (366, 220), (146, 220)], fill=c)
    d.rectangle((250, 220, 262, 390), fill=c2)
    d.ellipse((186, 380, 326, 420), fill=c2)


SHAPES: dict[str, Draw] = {
    "shoes/sneakers": _sneaker, "fashion/dresses": _dress, "bags/handbags": _handbag,
    "accessories/watches": _watch, "electronics/headphones": _headphones, "accessories/sunglasses": _sunglasses,
    "fashion/jackets": _jacket, "beauty/skincare": _skincare, "toys/plush": _plush, "home/lamps": _lamp,
}
COLOURS = [((196, 62, 88), (40, 40, 48)), ((38, 92, 160), (230, 190, 80)), ((24, 120, 92), (35, 35, 35)),
           ((214, 130, 40), (70, 40, 30)), ((60, 60, 70), (200, 60, 60)), ((150, 80, 170), (245, 220, 120))]


class FakeCatalogPhotos:
    """A stand-in product-image store: one deterministic studio photo per (category, product id)."""

    name = "fake-catalog@1"

    def photo(self, category: str, product_id: str) -> Image.Image:
        """The product's studio photo, 512x512 RGB."""
        seed = int.from_bytes(hashlib.sha256(f"{category}/{product_id}".encode()).digest()[:8], "big")
        rng = random.Random(seed)
        backdrop = np.linspace(238, 200, SIZE, dtype=np.float32)[:, None].repeat(SIZE, 1)
        noise = np.random.default_rng(seed).normal(0, 3.0, (SIZE, SIZE)).astype(np.float32)
        grey = np.clip(backdrop + noise, 0, 255).astype(np.uint8)
        image = Image.fromarray(np.stack([grey, grey, grey - 4], axis=-1), "RGB")
        shadow = Image.new("L", (SIZE, SIZE), 0)
        ImageDraw.Draw(shadow).ellipse((110, 400, 402, 450), fill=90)
        image.paste((120, 120, 120), mask=shadow.filter(ImageFilter.GaussianBlur(14)))
        layer = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
        main, second = COLOURS[rng.randrange(len(COLOURS))]
        SHAPES.get(category, _skincare)(ImageDraw.Draw(layer), main, second)
        image.paste(_shade(layer), mask=layer.getchannel("A"))
        return image


def _shade(layer: Image.Image) -> Image.Image:
    """Soft top-left lighting so the product reads as an object, not a flat icon."""
    rgb = np.asarray(layer.convert("RGB"), dtype=np.float32)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    light = 1.12 - 0.28 * ((xs + ys) / (2 * SIZE))
    return Image.fromarray(np.clip(rgb * light[..., None], 0, 255).astype(np.uint8), "RGB")

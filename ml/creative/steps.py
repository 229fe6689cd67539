"""Image steps: get the object, mask it (GrabCut), upscale, themed background, composite with shadow."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ml.creative.backgrounds import render_background
from ml.creative.catalog import FakeCatalogPhotos
from ml.creative.frame import Frame


class CatalogObject:
    """Takes the product's catalog photo as the object."""

    name = "object:catalog"

    def __init__(self, catalog: FakeCatalogPhotos | None = None) -> None:
        self._catalog = catalog or FakeCatalogPhotos()

    def run(self, frame: Frame) -> Frame:
        """Loads the photo."""
        uri = f"catalog://{frame.category}/{frame.product_id}"
        return frame.then(self.name, self._catalog.name, image=self._catalog.photo(frame.category, frame.product_id),
                          source_uri=uri)


class GrabCutMask:
    """Background removal with OpenCV GrabCut (iterated graph cuts on colour models), seeded by a frame rectangle.

    Runs on a half-size copy (the cut is smooth, the mask is upsampled and feathered) to keep it under 100 ms.
    """

    name = "mask:grabcut"

    def __init__(self, iterations: int = 4, inset: float = 0.06, work_px: int = 256, tolerance: float = 70.0) -> None:
        self.iterations, self.inset, self.work_px, self.tolerance = iterations, inset, work_px, tolerance

    def mask(self, image: Image.Image) -> Image.Image:
        """An L mask, 255 on the subject."""
        small = image.convert("RGB").resize((self.work_px, self.work_px), Image.Resampling.BILINEAR)
        bgr = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2BGR)
        pad = int(self.work_px * self.inset)
        rect = (pad, pad, self.work_px - 2 * pad, self.work_px - 2 * pad)
        labels = self._seed(bgr, pad)
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.grabCut(bgr, labels, rect, bgd, fgd, self.iterations, cv2.GC_INIT_WITH_MASK)
        fg: np.ndarray = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        fg = keep_large_components(fg, min_share=0.08)
        out = Image.fromarray(fg, "L").resize(image.size, Image.Resampling.BILINEAR)
        return out.point(lambda v: 255 if v > 127 else 0).filter(ImageFilter.GaussianBlur(1.2))

    def _seed(self, bgr: np.ndarray, pad: int) -> np.ndarray:
        """Initial labels: outside the rectangle is background; inside, pixels close to the backdrop colour
        (sampled on the border) are probably background, which lets the cut drop soft floor shadows and holes
        (a bag's handle) that a plain rectangle start keeps."""
        h, w = bgr.shape[:2]
        labels = np.full((h, w), cv2.GC_BGD, np.uint8)
        labels[pad:h - pad, pad:w - pad] = cv2.GC_PR_FGD
        border = np.concatenate([bgr[:pad].reshape(-1, 3), bgr[-pad:].reshape(-1, 3),
                                 bgr[:, :pad].reshape(-1, 3), bgr[:, -pad:].reshape(-1, 3)]).astype(np.float32)
        backdrop = np.median(border, axis=0)
        spread = float(np.percentile(np.linalg.norm(border - backdrop, axis=1), 95))
        near = np.linalg.norm(bgr.astype(np.float32) - backdrop, axis=2) < max(self.tolerance, spread * 1.5)
        inside = labels == cv2.GC_PR_FGD
        labels[inside & near] = cv2.GC_PR_BGD
        return labels

    def run(self, frame: Frame) -> Frame:
        """Masks the frame's image and cuts the subject out, cropped to its bounding box."""
        assert frame.image is not None, "mask needs an image"
        mask = self.mask(frame.image)
        box = mask.getbbox()
        if box is None:
            raise ValueError(f"no subject found in {frame.source_uri or 'the image'}")
        cutout = frame.image.convert("RGBA")
        cutout.putalpha(mask)
        return frame.then(self.name, "opencv-grabcut@" + cv2.__version__, mask=mask, cutout=cutout.crop(box))


def keep_large_components(fg: np.ndarray, min_share: float) -> np.ndarray:
    """Drops specks: components smaller than ``min_share`` of the largest one."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return fg
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [i + 1 for i, a in enumerate(areas) if a >= areas.max() * min_share]
    return np.where(np.isin(labels, keep), 255, 0).astype(np.uint8)


class LanczosUpscale:
    """Upscales the cutout with Lanczos resampling and a light unsharp mask (no model configured)."""

    name = "upscale:lanczos"

    def __init__(self, factor: int = 2) -> None:
        self.factor = factor

    def upscale(self, image: Image.Image) -> Image.Image:
        """``image`` ``factor`` times larger, sharpened; alpha is resampled, not sharpened."""
        size = (image.width * self.factor, image.height * self.factor)
        big = image.resize(size, Image.Resampling.LANCZOS)
        if big.mode != "RGBA":
            return big.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2))
        rgb = big.convert("RGB").filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2))
        rgb.putalpha(big.getchannel("A"))
        return rgb

    def run(self, frame: Frame) -> Frame:
        """Upscales the cutout."""
        assert frame.cutout is not None, "upscale needs a cutout"
        return frame.then(f"upscale:{self.factor}x", "pillow-lanczos", cutout=self.upscale(frame.cutout))


class ThemedComposite:
    """Themed background for the occasion plus the subject with a soft drop and contact shadow: the master."""

    name = "composite"

    def __init__(self, size: int = 1024, subject_share: float = 0.72) -> None:
        self.size, self.subject_share = size, subject_share

    def run(self, frame: Frame) -> Frame:
        """Composes the square master image."""
        assert frame.cutout is not None, "composite needs a cutout"
        canvas = render_background(frame.theme, frame.palette, (self.size, self.size), seed=frame.seed)
        box = (0, 0, self.size, self.size)
        master = place_subject(canvas, frame.cutout, box, self.subject_share)
        return frame.then(f"background:{frame.theme}", "procedural-themes@1", image=master).then(
            self.name, "shadow-composite@1")


def place_subject(canvas: Image.Image, cutout: Image.Image, box: tuple[int, int, int, int],
                  share: float) -> Image.Image:
    """Scales the cutout to ``share`` of ``box``, centres it there and composites it with shadows."""
    left, top, right, bottom = box
    scale = min((right - left) * share / cutout.width, (bottom - top) * share / cutout.height)
    w, h = max(1, int(cutout.width * scale)), max(1, int(cutout.height * scale))
    subject = cutout.resize((w, h), Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    x, y = left + (right - left - w) // 2, top + (bottom - top - h) // 2
    return composite_with_shadow(canvas, subject, (x, y))


def composite_with_shadow(canvas: Image.Image, subject: Image.Image, at: tuple[int, int]) -> Image.Image:
    """Pastes an RGBA subject with a blurred drop shadow and a darker contact shadow under its base."""
    out = canvas.convert("RGB").copy()
    x, y = at
    alpha = subject.getchannel("A")
    blur = max(2, subject.height // 30)
    drop = alpha.point(lambda v: v * 0.35).filter(ImageFilter.GaussianBlur(blur))
    out.paste((0, 0, 0), (x + blur, y + blur * 2), drop)
    contact = Image.new("L", (subject.width, max(4, subject.height // 10)), 0)
    ImageDraw.Draw(contact).ellipse((subject.width * 0.12, 0, subject.width * 0.88, contact.height - 1), fill=110)
    contact = contact.filter(ImageFilter.GaussianBlur(max(2, contact.height // 3)))
    out.paste((0, 0, 0), (x, y + subject.height - contact.height // 2), contact)
    out.paste(subject.convert("RGB"), (x, y), alpha)
    return out

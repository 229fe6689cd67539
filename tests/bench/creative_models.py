"""Model-backed creative steps on CPU: U-Net masks and ESPCN upscales per second at production sizes (random
weights: the cost of a forward pass does not depend on what was learned), next to the classical steps they
replace (GrabCut, Lanczos) and a raw ceiling measured in the same run: the same convolutions' FLOPs as one
large matrix multiply, i.e. what the machine's BLAS can do at best."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

SECONDS = 6.0  # per measurement; four measurements and a ceiling stay well under two minutes


def _rate(fn: Any, *args: Any) -> float:
    """Calls per second of ``fn(*args)`` over about ``SECONDS`` (after one warm-up call)."""
    fn(*args)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        fn(*args)
        count += 1
    return count / (time.perf_counter() - start)


def _measure() -> dict[str, Any]:
    import torch

    from ml.creative import segmentation, super_resolution
    from ml.creative.catalog import FakeCatalogPhotos
    from ml.creative.steps import GrabCutMask, LanczosUpscale

    torch.set_num_threads(2)
    photo = FakeCatalogPhotos().photo("bags/handbags", "bench")
    cutout = photo.convert("RGBA").crop((100, 100, 420, 420))
    with tempfile.TemporaryDirectory() as tmp:
        seg_cfg = segmentation.SegmentationConfig(str(Path(tmp) / "unet.pt"), device="cpu")
        torch.save(segmentation.build_model(seg_cfg).state_dict(), seg_cfg.weights)
        sr_cfg = super_resolution.SuperResolutionConfig(str(Path(tmp) / "sr.pt"), device="cpu")
        torch.save(super_resolution.build_model(sr_cfg).state_dict(), sr_cfg.weights)
        unet, espcn = segmentation.ModelMask(seg_cfg), super_resolution.ModelUpscale(sr_cfg)
    out: dict[str, Any] = {
        "unet_masks_per_s": round(_rate(unet.mask, photo), 2),
        "grabcut_masks_per_s": round(_rate(GrabCutMask().mask, photo), 2),
        "espcn_upscales_per_s": round(_rate(espcn.upscale, cutout), 2),
        "lanczos_upscales_per_s": round(_rate(LanczosUpscale().upscale, cutout), 2),
    }
    # Ceiling: GFLOP/s of one big float32 matmul, and what the two networks need per call at these sizes.
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    gflops = 2 * 1024 ** 3 * _rate(torch.mm, a, b) / 1e9
    out["matmul_gflops_ceiling"] = round(gflops, 1)
    out["unet_gflop_per_mask"] = round(_conv_gflop(unet.model, (1, 3, seg_cfg.work_px, seg_cfg.work_px)), 2)
    out["espcn_gflop_per_upscale"] = round(_conv_gflop(espcn.model, (1, 3, 320, 320)), 2)
    out["unet_masks_per_s_ceiling"] = round(gflops / out["unet_gflop_per_mask"], 1)
    out["espcn_upscales_per_s_ceiling"] = round(gflops / out["espcn_gflop_per_upscale"], 1)
    return out


def _conv_gflop(model: Any, shape: tuple[int, ...]) -> float:
    """Multiply-add FLOPs of the model's convolutions for one input of ``shape`` (hooks count output sizes)."""
    import torch

    total = [0.0]

    def hook(module: Any, _inputs: Any, output: Any) -> None:
        taps = module.weight.shape[2] * module.weight.shape[3]
        if module.transposed:  # weight (in, out, kh, kw): each output sums in * taps / stride² products
            inputs = module.weight.shape[0] * taps / (module.stride[0] * module.stride[1])
        else:  # weight (out, in, kh, kw)
            inputs = module.weight.shape[1] * taps
        total[0] += 2.0 * output.numel() * inputs

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    with torch.inference_mode():
        model(torch.zeros(shape))
    for handle in handles:
        handle.remove()
    return total[0] / 1e9


async def run() -> dict[str, Any]:
    """Model and classical step rates with the BLAS ceiling, measured in a worker thread."""
    return await asyncio.to_thread(_measure)


if __name__ == "__main__":
    print(asyncio.run(run()))

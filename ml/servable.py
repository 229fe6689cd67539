"""A registered model ready to score: rebuilds the torch module from its artifact and turns feature rows into
outputs. Used the same way by Ray Serve replicas and by batch scoring, so both give identical answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ml.features import CATEGORIES
from ml.models.common import MLP
from ml.models.send_time import SendTimeModel
from ml.models.timing import TimingModel
from ml.models.value import ValueModel
from ml.timing_eval import TimingInputs, pair_rows, timing_inputs


class Servable:
    """One model version on one device."""

    def __init__(self, card: dict[str, Any], artifact: dict[str, Any], device: torch.device) -> None:
        self.card = card
        self.kind: str = artifact["kind"]
        self.config: dict[str, Any] = artifact["config"]
        self.device = device
        cfg = self.config
        module: torch.nn.Module
        if self.kind in ("propensity", "churn"):
            module = MLP(cfg["n_in"], 1, cfg["hidden"])
        elif self.kind == "expected_value":
            module = ValueModel(cfg["n_in"], cfg["hidden"])
        elif self.kind == "repeat_purchase_timing":
            module = TimingModel(cfg["n_in"], 1, cfg["hidden"])
        elif self.kind == "send_time":
            module = SendTimeModel()
        else:
            raise ValueError(f"model kind {self.kind!r} is not scored on profile features")
        module.load_state_dict(artifact["state"])
        self.module = module.to(device).eval()

    @torch.no_grad()
    def forward(self, features: np.ndarray) -> torch.Tensor:
        """The raw forward pass on a feature matrix (what the benchmark compares serving against)."""
        return self.module(torch.from_numpy(features).to(self.device))

    @torch.no_grad()
    def predict(self, features: np.ndarray, hours: np.ndarray | None = None) -> list[dict[str, Any]]:
        """One output dict per row: ``score`` always, kind-specific fields beside it."""
        if self.kind in ("propensity", "churn"):
            p = torch.sigmoid(self.forward(features).squeeze(-1)).cpu().numpy()
            return [{"score": float(v)} for v in p]
        if self.kind == "expected_value":
            value = self.forward(features).cpu().numpy()
            return [{"score": float(v), "horizon_days": self.config["horizon_days"]} for v in value]
        if self.kind == "send_time":
            if hours is None:
                raise ValueError("send-time scoring needs hour-of-week counts")
            probs = self.module(torch.from_numpy(hours).to(self.device)).cpu().numpy()
            return [{"score": float(p.argmax()), "best_hour_of_week": int(p.argmax()),
                     "hour_scores": [round(float(v), 6) for v in p]} for p in probs]
        return self._timing(features)

    def _timing(self, features: np.ndarray) -> list[dict[str, Any]]:
        rows = len(features)
        inputs = timing_inputs(features)
        out: list[dict[str, Any]] = [{"status": "insufficient_data"} for _ in range(rows)]
        if not inputs.mask.any():
            return out
        # The category bought most often is the one whose repeat purchase the customer is scored for.
        share = np.where(inputs.mask, inputs.rfm[..., 0] + 1, -1)
        main = share.argmax(axis=1)
        only_main = np.zeros_like(inputs.mask)
        only_main[np.arange(rows), main] = inputs.mask[np.arange(rows), main]
        pairs, index = pair_rows(TimingInputs(inputs.x, inputs.days, inputs.observed, only_main, inputs.rfm))
        timing: TimingModel = self.module  # type: ignore[assignment]  # the kind says which module this is
        dist = timing.distribution(torch.from_numpy(pairs).to(self.device))
        for j, (row, cat) in enumerate(index):
            values = {k: float(v[j, 0]) for k, v in dist.items()}
            out[row] = {"score": values["mode_days"], "category": CATEGORIES[cat], **values}
        return out

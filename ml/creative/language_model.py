"""Translation by a language model behind an OpenAI-compatible chat-completions endpoint (vLLM, TGI, a hosted API).

Used only for text the translation memory and glossary lack (`Copywriter.translate` asks memory first). The
glossary's fixed terms go into the prompt; when the answer still misses one, the model is asked once more with
the missing terms named, and `Copywriter` rejects an answer that misses them after that.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import Counter

from ml.creative.brand import LANGUAGES
from ml.creative.copywriter import glossary_misses

LM_REQUESTS = Counter("loom_creative_lm_requests_total", "Chat-completion requests for translation", ["outcome"])
LANGUAGE_NAMES = {"en": "English", "sv": "Swedish", "de": "German", "fr": "French", "es": "Spanish",
                  "it": "Italian", "nl": "Dutch", "da": "Danish", "nb": "Norwegian Bokmål", "fi": "Finnish",
                  "pl": "Polish", "ar": "Arabic", "ja": "Japanese"}


class LanguageModelUnavailable(RuntimeError):
    """The endpoint could not be reached or kept failing; retrying later may work."""


class LanguageModelRefused(RuntimeError):
    """The endpoint refused the request (4xx) or answered something that is not a translation."""


@dataclass(frozen=True)
class OpenAICompatibleConfig:
    """The ``translation`` section of the models config (``backend: openai``)."""

    base_url: str
    model: str
    api_key_env: str = ""
    timeout_s: float = 30.0
    attempts: int = 3
    max_tokens: int = 400

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"translation.base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.model:
            raise ValueError("translation.model is required (the served model's name)")
        if self.attempts < 1 or self.timeout_s <= 0:
            raise ValueError("translation.attempts must be at least 1 and translation.timeout_s positive")


class OpenAICompatibleTranslator:
    """A `LanguageModel` that asks ``POST {base_url}/chat/completions`` for one translation at a time."""

    def __init__(self, config: OpenAICompatibleConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self.name = f"openai:{config.model}"
        headers = {}
        if config.api_key_env:
            key = os.environ.get(config.api_key_env, "")
            if not key:
                raise ValueError(f"translation.api_key_env names {config.api_key_env}, which is not set")
            headers["Authorization"] = f"Bearer {key}"
        self._client = client or httpx.Client(base_url=config.base_url.rstrip("/"), headers=headers,
                                              timeout=config.timeout_s)

    def translate(self, text: str, source: str, target: str, glossary: dict[str, str]) -> str:
        """``text`` in ``target``; one retry naming the glossary terms the first answer missed."""
        for lang in (source, target):
            if lang not in LANGUAGES:
                raise ValueError(f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}")
        messages = [{"role": "system", "content": self._instructions(source, target, glossary)},
                    {"role": "user", "content": text}]
        answer = self._complete(messages)
        missing = glossary_misses(answer, glossary)
        if missing:
            messages += [{"role": "assistant", "content": answer},
                         {"role": "user", "content": "Use these exact terms and answer again: "
                                                     + ", ".join(missing)}]
            answer = self._complete(messages)
        return answer

    @staticmethod
    def _instructions(source: str, target: str, glossary: dict[str, str]) -> str:
        lines = [f"You translate marketing copy for a fashion and lifestyle retailer from {LANGUAGE_NAMES[source]} "
                 f"to {LANGUAGE_NAMES[target]}. Keep the tone warm, short and confident. Do not add claims, "
                 "prices or promises that are not in the source. Answer with the translation only."]
        if glossary:
            lines.append("Fixed terms (use exactly as given):")
            lines += [f"- {src} => {dst}" for src, dst in glossary.items()]
        return "\n".join(lines)

    def _complete(self, messages: list[dict[str, str]]) -> str:
        body = {"model": self.config.model, "messages": messages, "temperature": 0.0,
                "max_tokens": self.config.max_tokens}
        last = ""
        for attempt in range(self.config.attempts):
            if attempt:
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
            try:
                response = self._client.post("/chat/completions", json=body)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            # Overload and server errors are worth another try; other client errors will not change.
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                LM_REQUESTS.labels("refused").inc()
                raise LanguageModelRefused(f"{self.name} refused the request: HTTP {response.status_code} "
                                           f"{response.text[:200]}")
            LM_REQUESTS.labels("ok").inc()
            return self._content(response.json())
        LM_REQUESTS.labels("unavailable").inc()
        raise LanguageModelUnavailable(f"{self.name} at {self.config.base_url} failed "
                                       f"{self.config.attempts} times, last: {last}")

    def _content(self, payload: Any) -> str:
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LanguageModelRefused(f"{self.name} answered without choices[0].message.content") from exc
        text = str(content or "").strip().strip('"“”«»').strip()
        if not text:
            raise LanguageModelRefused(f"{self.name} answered an empty translation")
        return text

    def close(self) -> None:
        """Closes the HTTP connections."""
        self._client.close()

"""The OpenAI-compatible translation backend against a local chat-completions server, through `Copywriter`:
memory first, the model only for what memory lacks, and its output held to the glossary."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ml.creative.brand import load_brand_kit
from ml.creative.copywriter import Copywriter, GlossaryViolation
from ml.creative.language_model import (
    LanguageModelRefused,
    LanguageModelUnavailable,
    OpenAICompatibleConfig,
    OpenAICompatibleTranslator,
)
from ml.creative.models_config import ModelsConfig, build_language_model

SOURCE = "Discover our Handbags for the new season"


class FakeLanguageModelServer:
    """Stands in for vLLM (which cannot run here): ``POST /v1/chat/completions`` answering from a phrase book.

    The phrase book maps (target language name, source text) to an answer; ``failures`` answers that many
    requests with 503 first; ``drop_terms`` answers without glossary terms until the client names them again.
    Every request body is kept in ``requests``.
    """

    def __init__(self, phrases: dict[tuple[str, str], str]) -> None:
        self.phrases, self.failures, self.drop_terms = phrases, 0, False
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # the http.server hook's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                status, payload = server.answer(self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                """Quiet: tests read ``requests`` instead."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Status and JSON body for one request."""
        if path != "/v1/chat/completions":
            return 404, {"error": {"message": f"no route {path}"}}
        if body.get("model") != "tiny-translator":
            return 404, {"error": {"message": f"model {body.get('model')!r} does not exist"}}
        if self.failures:
            self.failures -= 1
            return 503, {"error": {"message": "overloaded"}}
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        target = system.split(" to ", 1)[1].split(".", 1)[0]
        text = self.phrases.get((target, user), f"[{target}] {user}")
        if self.drop_terms and len(body["messages"]) == 2:
            text = "Entdecken Sie unsere Taschen für die neue Saison"
        return 200, {"id": "cmpl-1", "object": "chat.completion", "model": body["model"],
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": f" {text}\n"}}]}

    def __enter__(self) -> FakeLanguageModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


PHRASES = {("German", SOURCE): "Entdecken Sie unsere Handtaschen für die neue Saison",
           ("Swedish", SOURCE): "Upptäck våra Handväskor för den nya säsongen"}


@pytest.fixture
def server() -> Iterator[FakeLanguageModelServer]:
    """A running stand-in endpoint."""
    with FakeLanguageModelServer(PHRASES) as running:
        yield running


def translator(server: FakeLanguageModelServer, **options: Any) -> OpenAICompatibleTranslator:
    """The backend as the models config builds it."""
    section = {"backend": "openai", "base_url": server.url, "model": "tiny-translator", "timeout_s": 5, **options}
    model = build_language_model(ModelsConfig.parse({"translation": section}))
    assert isinstance(model, OpenAICompatibleTranslator)
    return model


def test_model_translates_only_what_memory_lacks_and_gets_the_glossary(server: FakeLanguageModelServer) -> None:
    writer = Copywriter(load_brand_kit(), translator(server))
    remembered = writer.translate("Shop now", "en", ["de"])
    assert remembered[0].origin == "memory" and not server.requests
    out = writer.translate(SOURCE, "en", ["de", "sv"])
    assert [(t.language, t.text, t.origin) for t in out] == [
        ("de", "Entdecken Sie unsere Handtaschen für die neue Saison", "machine"),
        ("sv", "Upptäck våra Handväskor för den nya säsongen", "machine")]
    assert out[0].glossary_terms == ("Handbags",)
    system = server.requests[0]["messages"][0]["content"]
    assert "from English to German" in system and "- Handbags => Handtaschen" in system
    assert server.requests[0]["temperature"] == 0.0


def test_answer_without_a_glossary_term_is_asked_again_with_the_term(server: FakeLanguageModelServer) -> None:
    server.drop_terms = True
    out = Copywriter(load_brand_kit(), translator(server)).translate(SOURCE, "en", ["de"])
    assert out[0].text == PHRASES[("German", SOURCE)]
    assert len(server.requests) == 2
    assert server.requests[1]["messages"][-1]["content"].endswith("Handtaschen")


def test_translation_that_keeps_missing_the_glossary_is_rejected() -> None:
    class Stubborn:
        """A backend that never uses the glossary's term."""

        name = "stubborn"

        def translate(self, text: str, source: str, target: str, glossary: dict[str, str]) -> str:
            return "Entdecken Sie unsere Taschen"

    with pytest.raises(GlossaryViolation, match=r"without the glossary terms \['Handtaschen'\]"):
        Copywriter(load_brand_kit(), Stubborn()).translate(SOURCE, "en", ["de"])


def test_overload_is_retried_and_an_endpoint_away_is_unavailable(server: FakeLanguageModelServer) -> None:
    server.failures = 2
    assert translator(server).translate(SOURCE, "en", "sv", {}) == PHRASES[("Swedish", SOURCE)]
    assert len(server.requests) == 3
    server.failures = 5
    with pytest.raises(LanguageModelUnavailable, match="failed 3 times, last: HTTP 503"):
        translator(server).translate(SOURCE, "en", "sv", {})
    away = OpenAICompatibleTranslator(OpenAICompatibleConfig("http://127.0.0.1:9/v1", "m", attempts=1))
    with pytest.raises(LanguageModelUnavailable, match="ConnectError"):
        away.translate(SOURCE, "en", "sv", {})


def test_refusals_and_config_errors_are_clear(server: FakeLanguageModelServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LanguageModelRefused, match="HTTP 404 .*model 'other' does not exist"):
        translator(server, model="other").translate(SOURCE, "en", "de", {})
    monkeypatch.setenv("LM_KEY", "secret-token")
    translator(server, api_key_env="LM_KEY").translate(SOURCE, "en", "de", {})
    assert server.requests[-1]["auth"] == "Bearer secret-token"
    monkeypatch.delenv("LM_KEY")
    with pytest.raises(ValueError, match="names LM_KEY, which is not set"):
        translator(server, api_key_env="LM_KEY")
    with pytest.raises(ValueError, match="translation.base_url must be an http"):
        build_language_model(ModelsConfig.parse({"translation": {"backend": "openai", "base_url": "vllm:8000",
                                                                 "model": "m"}}))
    assert build_language_model(ModelsConfig()) is None

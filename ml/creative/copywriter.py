"""Copy in brand voice and its translations: translation memory and glossary first, a language model when
configured.

The embedded default only writes what it can write correctly: the copy prompts of the brand kit are filled
from approved translation-memory segments and glossary category names, so every supported language comes out
exactly as a translator approved it. Text outside the memory goes to the configured `LanguageModel`, or is
refused with a clear error rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ml.creative.brand import LANGUAGES, BrandKit, load_glossary, load_translation_memory


class Untranslatable(ValueError):
    """No approved translation exists and no language model is configured."""


class GlossaryViolation(Untranslatable):
    """The language model's translation leaves out a glossary term it was given; it is not used."""


@dataclass(frozen=True)
class Copy:
    """Headline, body and call to action in one language."""

    language: str
    headline: str
    body: str
    call_to_action: str

    @property
    def text(self) -> str:
        """All of it, for checks that read the whole copy."""
        return f"{self.headline}\n{self.body}\n{self.call_to_action}"


@dataclass(frozen=True)
class Translated:
    """One translation with where it came from."""

    language: str
    text: str
    origin: str  # "memory", "machine" or "identity"
    glossary_terms: tuple[str, ...] = ()


def glossary_misses(text: str, terms: dict[str, str]) -> list[str]:
    """The glossary's target terms that ``text`` does not contain (case-insensitive)."""
    folded = text.casefold()
    return [want for want in terms.values() if want.casefold() not in folded]


class LanguageModel(Protocol):
    """A configured translation backend (local transformers or an OpenAI-compatible endpoint)."""

    name: str

    def translate(self, text: str, source: str, target: str, glossary: dict[str, str]) -> str:
        """``text`` in ``target``, keeping the glossary's fixed terms."""
        ...


class Copywriter:
    """Writes and translates copy from translation memory and glossary, with an optional language model."""

    def __init__(self, kit: BrandKit, model: LanguageModel | None = None) -> None:
        self.kit = kit
        self.model = model
        self.memory = load_translation_memory()
        self.glossary = load_glossary()
        # Reverse index: source text -> segment key, for translating free text that is in memory.
        self._by_text = {seg["en"]: key for key, seg in self.memory.items()}

    def category_name(self, category: str, language: str) -> str:
        """The name of a category: the brand's own glossary first (by category id or English name), then
        the shared glossary."""
        names = self.glossary["categories"].get(category)
        for term in (category, (names or {}).get("en")):
            own = self.kit.glossary.get(term or "", {})
            if language in own:
                return str(own[language])
        if names is None or language not in names:
            raise Untranslatable(f"category {category!r} has no glossary name in {language!r}")
        return str(names[language])

    def segment(self, key: str, language: str) -> str:
        """An approved memory segment."""
        seg = self.memory.get(key)
        if seg is None or language not in seg:
            raise Untranslatable(f"translation memory has no {key!r} in {language!r}")
        return seg[language]

    def write(self, category: str, theme: str, language: str) -> Copy:
        """Copy for a category and occasion theme in one language, filled from the brand's copy prompts."""
        occasion_key = f"occasion.{theme}" if f"occasion.{theme}" in self.memory else "occasion.default"
        values = {
            "occasion_headline": self.segment(occasion_key, language),
            "category": self.category_name(category, language),
            "tagline": self.segment("tagline", language),
            "cta": self.segment("cta", language),
        }
        parts = {name: template.format(**values) for name, (template, _) in self.kit.copy_prompts.items()}
        # Japanese and Arabic use their own full stop; the body template joins two sentences.
        if language == "ja":
            parts["body"] = parts["body"].replace(". ", "。")
        elif language == "ar":
            parts["body"] = parts["body"].replace(". ", "، ", 1)
        return Copy(language, parts["headline"], parts["body"], parts["cta"])

    def translate(self, text: str, source: str, targets: list[str], max_chars: int = 0) -> list[Translated]:
        """Translations of ``text``: exact memory hits first, the language model for the rest."""
        unknown = [t for t in [source, *targets] if t not in LANGUAGES]
        if unknown:
            raise Untranslatable(f"unsupported languages {unknown}; supported: {list(LANGUAGES)}")
        out = []
        for target in targets:
            if target == source:
                out.append(Translated(target, text, "identity"))
                continue
            key = self._by_text.get(text) if source == "en" else self._key_in(text, source)
            if key is not None and target in self.memory[key]:
                out.append(Translated(target, self.memory[key][target], "memory"))
                continue
            category = self._category_of(text, source)
            if category is not None:
                out.append(Translated(target, self.category_name(category, target), "memory", (text,)))
                continue
            if self.model is None:
                raise Untranslatable(f"{text!r} is not in translation memory and no language model is configured")
            terms = self._glossary_terms(text, source, target)
            answer = self.model.translate(text, source, target, terms)
            # The same rule as approved memory: glossary terms appear exactly as the glossary says.
            missing = glossary_misses(answer, terms)
            if missing:
                raise GlossaryViolation(f"{self.model.name} translated {text!r} to {target} without the glossary "
                                        f"terms {missing}: {answer!r}")
            out.append(Translated(target, answer, "machine", tuple(terms)))
        return out

    def _key_in(self, text: str, language: str) -> str | None:
        return next((k for k, seg in self.memory.items() if seg.get(language) == text), None)

    def _category_of(self, text: str, language: str) -> str | None:
        return next((c for c, names in self.glossary["categories"].items() if names.get(language) == text), None)

    def _glossary_terms(self, text: str, source: str, target: str) -> dict[str, str]:
        terms = {t: t for t in self.glossary.get("do_not_translate", ()) if t.lower() in text.lower()}
        for names in self.glossary["categories"].values():
            if names.get(source) and names[source].lower() in text.lower():
                terms[names[source]] = names[target]
        return terms

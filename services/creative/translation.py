"""Translate: remembered translations, then the approved translation memory and glossary of the factory, then
the brand kit's glossary; text none of them knows is refused (FAILED_PRECONDITION) rather than guessed, unless
a language model is configured."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from ml.creative.brand import LANGUAGES, load_brand_kit
from ml.creative.copywriter import Copywriter, GlossaryViolation, LanguageModel, Translated, Untranslatable
from ml.creative.language_model import LanguageModelUnavailable
from services.common.errors import FailedPrecondition, Unavailable, Violations
from services.common.storage import Database, insert_ignore
from services.creative.brand_store import BrandStore
from services.creative.library_index import now_utc
from services.creative.tables import translation_memory


@dataclass(frozen=True)
class Translation:
    """One target language's translation."""

    language: str
    text: str
    origin: str  # memory, machine or identity
    glossary_terms: tuple[str, ...]
    too_long: bool


def memory_key(brand_id: str, source: str, target: str, text: str) -> str:
    """Key of a remembered translation."""
    return hashlib.sha256(f"{brand_id}\x00{source}\x00{target}\x00{text}".encode()).hexdigest()


class Translator:
    """Translations for the Translate RPC."""

    def __init__(self, db: Database, brands: BrandStore, model: LanguageModel | None = None) -> None:
        self.db, self.brands = db, brands
        self.copywriter = Copywriter(load_brand_kit(), model)

    async def translate(self, text: str, source: str, targets: list[str], brand_id: str, max_chars: int,
                        remember: bool) -> list[Translation]:
        """One translation per target, in request order."""
        v = Violations()
        v.require(text.strip(), "text")
        for path, lang in (("source_language", source), *((f"target_languages[{i}]", t)
                                                           for i, t in enumerate(targets))):
            if not lang:
                v.add(path, "is required")
            elif lang not in LANGUAGES:
                v.add(path, f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}")
        if not targets:
            v.add("target_languages", "name at least one language")
        if max_chars < 0:
            v.add("max_chars", "must not be negative (0 for no limit)")
        v.raise_if_any()
        brand_id = brand_id or "default"
        kit = await self.brands.get_kit(brand_id)
        remembered = await self._remembered(brand_id, source, targets, text)
        out: list[Translation] = []
        new_rows = []
        for target in targets:
            found = remembered.get(target) or self._brand_glossary(kit, text, source, target)
            if found is None:
                try:
                    found = self.copywriter.translate(text, source, [target])[0]
                except GlossaryViolation as exc:
                    raise FailedPrecondition(f"cannot translate {text!r} to {target}: {exc}") from exc
                except LanguageModelUnavailable as exc:
                    raise Unavailable(f"the language model did not answer: {exc}") from exc
                except Untranslatable as exc:
                    raise FailedPrecondition(
                        f"cannot translate {text!r} from {source} to {target}: it is not in translation memory "
                        "or the glossary, and no language model is configured") from exc
                if found.origin == "machine":
                    new_rows.append({"key": memory_key(brand_id, source, target, text), "brand_id": brand_id,
                                     "source_language": source, "target_language": target, "source_text": text,
                                     "text": found.text, "created_at": now_utc()})
            out.append(Translation(target, found.text, found.origin, found.glossary_terms,
                                   bool(max_chars) and len(found.text) > max_chars))
        if remember and new_rows:
            async with self.db.begin() as conn:
                await conn.execute(insert_ignore(translation_memory, new_rows, ["key"]))
        return out

    async def _remembered(self, brand_id: str, source: str, targets: list[str], text: str) -> dict[str, Translated]:
        keys = {memory_key(brand_id, source, t, text): t for t in targets}
        async with self.db.connect() as conn:
            rows = await conn.execute(select(translation_memory.c.key, translation_memory.c.text)
                                      .where(translation_memory.c.key.in_(list(keys))))
            return {keys[r.key]: Translated(keys[r.key], r.text, "memory") for r in rows}

    @staticmethod
    def _brand_glossary(kit: object, text: str, source: str, target: str) -> Translated | None:
        """A whole-text glossary hit of the brand kit (a stored kit may add terms the factory does not know)."""
        if source == target:
            return Translated(target, text, "identity")
        for entry in getattr(kit, "glossary", ()):
            if entry.term != text:
                continue
            if entry.do_not_translate:
                return Translated(target, text, "memory", (text,))
            if source == "en" and target in entry.translations:
                return Translated(target, entry.translations[target], "memory", (text,))
        return None

"""Copy and translations: all 13 languages from translation memory and glossary, exactly as approved."""

from __future__ import annotations

import pytest

from ml.creative.brand import LANGUAGES, load_brand_kit, load_glossary, load_translation_memory, occasion_on
from ml.creative.copywriter import Copywriter, Untranslatable

CW = Copywriter(load_brand_kit())


def test_translation_memory_and_glossary_cover_all_13_languages() -> None:
    assert len(LANGUAGES) == 13
    for key, seg in load_translation_memory().items():
        assert set(seg) == set(LANGUAGES), key
        assert all(v.strip() for v in seg.values()), key
    for category, names in load_glossary()["categories"].items():
        assert set(names) == set(LANGUAGES), category


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_gets_complete_copy_for_every_category_and_theme(language: str) -> None:
    for category in load_glossary()["categories"]:
        for theme in ("default", "black_friday", "mothers_day", "midsummer", "christmas", "summer_sale"):
            copy = CW.write(category, theme, language)
            assert copy.language == language and copy.headline and copy.body and copy.call_to_action
            assert CW.category_name(category, language) in copy.body


def test_known_translations_are_exact() -> None:
    assert CW.write("bags/handbags", "mothers_day", "sv").headline == "Presenter till Mors dag"
    assert CW.write("bags/handbags", "mothers_day", "de").body == "Handtaschen. Für dich ausgewählt"
    assert CW.write("bags/handbags", "mothers_day", "ja").body == "ハンドバッグ。あなたへのおすすめ"
    assert CW.write("bags/handbags", "mothers_day", "ar").call_to_action == "تسوّق الآن"


def test_translate_uses_memory_then_glossary_and_refuses_unknown_text() -> None:
    out = CW.translate("Shop now", "en", ["sv", "en", "ja"])
    assert [(t.language, t.text, t.origin) for t in out] == [
        ("sv", "Handla nu", "memory"), ("en", "Shop now", "identity"), ("ja", "今すぐ購入", "memory")]
    assert CW.translate("Handväskor", "sv", ["fr"])[0].text == "Sacs à main"
    with pytest.raises(Untranslatable, match="no language model"):
        CW.translate("Our softest knit yet", "en", ["de"])
    with pytest.raises(Untranslatable, match="unsupported"):
        CW.translate("Shop now", "en", ["xx"])


def test_occasion_dates_differ_by_market() -> None:
    import datetime as dt

    day = dt.date(2026, 5, 10)
    assert occasion_on("DE", day).theme == "mothers_day"  # type: ignore[union-attr]
    assert occasion_on("SE", day) is None
    assert occasion_on("SE", dt.date(2026, 5, 31)).theme == "mothers_day"  # type: ignore[union-attr]

"""Brand kits stored through the API become the factory's kit: conversion, validation and the copy they drive."""

from __future__ import annotations

import pytest

from loom.creative.v1 import creative_pb2 as pb
from ml.creative.brand import kit_from_document, load_brand_kit
from ml.creative.copywriter import Copywriter
from ml.creative.pipeline import Brief, Factory
from services.common.errors import InvalidArgument
from services.creative.brand_store import builtin_brand_kit, factory_kit, validate_brand_kit

KIT = load_brand_kit()


def acme() -> pb.BrandKit:
    return pb.BrandKit(
        brand_id="acme", logo_text="ACME", palette=[pb.BrandColor(name="primary", hex="#0055FF")],
        banned_phrases=["guaranteed"],
        copy_prompts=[pb.CopyPrompt(name="headline", template="{occasion_headline}", max_chars=40),
                      pb.CopyPrompt(name="body", template="{category} from Acme. {tagline}", max_chars=80),
                      pb.CopyPrompt(name="cta", template="{cta}", max_chars=24)],
        touchpoints=[pb.TouchpointSpec(touchpoint="push_thumbnail", dimensions=pb.Dimensions(width_px=256,
                                                                                              height_px=256),
                                       mime_type="image/png"),
                     pb.TouchpointSpec(touchpoint="wide", dimensions=pb.Dimensions(width_px=1500, height_px=500),
                                       mime_type="image/jpeg", max_headline_chars=30)],
        glossary=[pb.GlossaryEntry(term="Sneakers", translations={"sv": "Acme-skor"})],
    )


def test_the_builtin_kit_survives_the_round_trip_through_its_stored_form() -> None:
    kit = factory_kit(builtin_brand_kit())
    assert (kit.brand_id, kit.palette, kit.logo_text, kit.logo_color) == (KIT.brand_id, KIT.palette, KIT.logo_text,
                                                                          KIT.logo_color)
    assert (kit.touchpoints, kit.copy_prompts, kit.banned_phrases) == (KIT.touchpoints, KIT.copy_prompts,
                                                                       KIT.banned_phrases)
    for language in ("sv", "de", "ja"):
        assert Copywriter(kit).write("shoes/sneakers", "default", language) == \
            Copywriter(KIT).write("shoes/sneakers", "default", language)


def test_a_stored_kit_drives_palette_touchpoints_copy_and_claims() -> None:
    kit = factory_kit(acme())
    assert kit.palette["primary"] == "#0055FF" and kit.palette["ink"] == KIT.palette["ink"]  # the rest from default
    assert kit.logo_text == "ACME" and kit.banned_phrases == ("guaranteed",)
    assert kit.touchpoints["push_thumbnail"].safe == KIT.touchpoints["push_thumbnail"].safe
    assert (kit.touchpoints["wide"].width, kit.touchpoints["wide"].height) == (1500, 500)
    copy = Copywriter(kit).write("shoes/sneakers", "default", "sv")
    assert copy.body.startswith("Acme-skor from Acme. ")
    assert Copywriter(kit).write("shoes/sneakers", "default", "de").body.startswith("Sneaker from Acme. ")

    base = Factory()
    branded = base.for_kit(kit)
    assert all(a is b for a, b in zip(branded.steps, base.steps, strict=True))  # the loaded models, shared
    assert branded.director.engagement is base.director.engagement
    assert base.for_kit(base.kit) is base
    produced = branded.produce(Brief("SE", "shoes/sneakers", "p-acme", "default", "", ("sv",), ("wide",)))
    banner = next(p for p in produced if p.kind == "banner")
    assert (banner.width, banner.height) == (1500, 500) and banner.copy is not None
    assert banner.copy.body.startswith("Acme-skor")
    assert branded.director.claims.check("Guaranteed comfort", "SE", "en")  # the brand's own banned phrase


def test_kit_documents_fill_gaps_from_the_default_kit() -> None:
    kit = kit_from_document({"brand_id": "bare"})
    assert kit.touchpoints == KIT.touchpoints and kit.copy_prompts == KIT.copy_prompts and kit.logo_text == "loom"


def test_copy_prompts_must_be_complete_and_use_known_placeholders() -> None:
    bad = acme()
    del bad.copy_prompts[2]
    bad.copy_prompts[1].template = "{category} {price}"
    with pytest.raises(InvalidArgument) as err:
        validate_brand_kit(bad)
    fields = {v.field: v.description for v in err.value.violations}
    assert "cta" in fields["brand_kit.copy_prompts"]
    assert "price" in fields["brand_kit.copy_prompts[1].template"]
    validate_brand_kit(acme())
    validate_brand_kit(builtin_brand_kit())

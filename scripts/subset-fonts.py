"""Cut the Urdu font down to the one word English pages show: the language toggle's "اردو".

    .venv/bin/python scripts/subset-fonts.py

An English page would otherwise fetch the whole Noto Nastaliq Urdu (160 KB) to draw four letters; the subset
(static/fonts/NotoNastaliqUrdu-label.woff2, about 1 KB) keeps their shapes and joining rules. Run it again
when the word or the font changes.
"""
from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "shopledger" / "static" / "fonts"
WORD = "اردو"


def main() -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Nastaliq needs its contextual forms and mark positioning
    options.name_IDs = ["*"]  # keep the licence and the font's names (OFL)
    options.notdef_outline = True
    font = TTFont(FONTS / "NotoNastaliqUrdu-400.woff2")
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=WORD)
    subsetter.subset(font)
    font.flavor = "woff2"
    target = FONTS / "NotoNastaliqUrdu-label.woff2"
    font.save(target)
    print(f"{target.name}: {target.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs for {WORD}")


if __name__ == "__main__":
    main()

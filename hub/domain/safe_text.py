"""The one check of every free text a person types: names, labels, notes, reasons.

A text typed at the console or sent to the API ends up on the hall board, on a
printed ticket, in a letter, in a spreadsheet and in the audit log. Characters a
reader cannot see make two texts that look the same differ, or make a text look
like something else: ``scan\u202efdp.exe`` shows as ``scanexe.pdf``; a desk label
with a right-to-left override shows reversed on the board; a zero-width space
makes a duplicate name pass a uniqueness check. So a free text may hold only
characters that print as themselves:

* no control characters (category Cc) inside the text: NUL, escapes, tab, carriage
  return. A multi-line text (a textarea of the console: a summary, an answer, a
  defect list, a reason) keeps its line breaks: ``\\r\\n`` and ``\\n`` become
  ``\\n``; a lone ``\\r`` is refused. Whitespace *around* the text (a trailing
  Enter, a leading tab pasted from a spreadsheet) is removed before the check, as
  the checks this one replaced did: nobody sees it, and it is not kept;
* no format characters (Cf): the bidi embeddings, overrides and isolates
  (U+202A–U+202E, U+2066–U+2069), the marks LRM/RLM/ALM (U+200E, U+200F, U+061C),
  zero-width space, word joiner and BOM (U+200B, U+2060, U+FEFF), the Mongolian
  vowel separator U+180E, the soft hyphen, tag characters;
* the zero-width non-joiner and joiner (U+200C, U+200D) are refused too. Kazakh and
  Russian in Cyrillic, and Kazakh in the Latin alphabet, never need them; the scripts
  that do (Persian, the Indic scripts) and emoji sequences are not what a reception
  center of Kazakhstan writes on its board or in its register, and the board's and
  the ticket printer's fonts render neither. Allowing them would keep an invisible
  character that makes look-alike names differ;
* no other invisible characters (Unicode's default-ignorable code points that are
  not Cf: variation selectors, the Hangul fillers, the combining grapheme joiner);
* no line or paragraph separators (U+2028, U+2029): a line break is ``\\n`` or none;
* no unassigned code points (Cn, including the noncharacters), private-use ones (Co:
  each font draws them differently or not at all) and lone surrogates (Cs: not text,
  they cannot even be written as UTF-8).

What passes is normalised to NFC (a letter typed as a base and a combining mark is
stored as the one precomposed letter, so equal texts compare equal) and stripped
of surrounding whitespace (Python's ``str.strip``); its length is counted after
that, in code points, as the MQTT contract and the database count it. A refused
character's position is counted in the text as typed, surrounding whitespace
included, so it points where the person looks.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

__all__ = ["TextRefused", "refused_character", "safe_text"]

# What each refused category is, for the detail in logs and the API's answers.
_REFUSED_CATEGORIES = MappingProxyType({
    "Cc": "control character",
    "Cf": "format character (invisible or bidi control)",
    "Cn": "unassigned code point",
    "Co": "private-use character",
    "Cs": "surrogate",
    "Zl": "line separator",
    "Zp": "paragraph separator",
})

# Default-ignorable code points (Unicode's DerivedCoreProperties) whose category is
# not one of the above: nothing shows, whatever the font.
_INVISIBLE = frozenset({
    0x034F,  # combining grapheme joiner
    0x115F, 0x1160, 0x3164, 0xFFA0,  # Hangul fillers
    0x17B4, 0x17B5,  # Khmer inherent vowels
    *range(0x180B, 0x1810),  # Mongolian free variation selectors
    *range(0xFE00, 0xFE10),  # variation selectors
    *range(0xE0100, 0xE01F0),  # variation selectors supplement
})


class TextRefused(ValidationFailed):
    """A free text holds a character that does not print as itself, is blank
    where it is required, or is too long. ``code_point`` (``U+202E``) and
    ``position`` (1-based, in the text as given) name the character at fault."""

    def __init__(self, detail: str, text: Bilingual, *, field: str,
                 code_point: str | None = None, position: int | None = None) -> None:
        super().__init__(detail, text, field=field, code_point=code_point, position=position)
        self.code_point = code_point
        self.position = position


def refused_character(char: str) -> str | None:
    """What ``char`` is if no free text may hold it (``"control character"``), else None."""
    if ord(char) in _INVISIBLE:
        return "invisible character"
    return _REFUSED_CATEGORIES.get(unicodedata.category(char))


def _required(what: Bilingual | None) -> Bilingual:
    if what is None:
        return Bilingual(kk="Бұл өріс толтырылуы керек.", ru="Это поле нужно заполнить.")
    return Bilingual(kk=f"Толтырылмаған: {what.kk}.", ru=f"Не заполнено: {what.ru}.")


def _too_long(what: Bilingual | None, limit: int) -> Bilingual:
    if what is None:
        return Bilingual(kk=f"Мәтін {limit} таңбадан аспауы керек.",
                         ru=f"Текст не длиннее {limit} символов.")
    return Bilingual(kk=f"«{what.kk}» {limit} таңбадан аспауы керек.",
                     ru=f"«{what.ru}» — не длиннее {limit} символов.")


def safe_text(value: str | None, *, field: str, max_length: int | None,
              multiline: bool = False, required: bool = False,
              what: Bilingual | None = None) -> str:
    """``value`` checked as described in this module, normalised to NFC and
    stripped; ``None`` is the empty text. ``max_length`` is the field's limit
    (``None`` where the caller's own schema bounds it); ``what`` names the field in
    the messages a person reads. Raises ``TextRefused``."""
    typed = value or ""
    # The surrounding whitespace goes first, as every check before this one did: a
    # trailing Enter (CR LF) or a leading tab is not a character a person can see,
    # and it is not kept. Positions still count in the text as typed.
    given = typed.lstrip()
    offset = len(typed) - len(given)
    given = given.rstrip()
    for index, char in enumerate(given):
        line_break = char == "\n" or (char == "\r" and given[index + 1:index + 2] == "\n")
        kind = None if multiline and line_break else refused_character(char)
        if kind is None:
            continue
        code_point = f"U+{ord(char):04X}"
        position = offset + index + 1
        raise TextRefused(
            f"{field}: {kind} {code_point} at position {position} is not allowed",
            Bilingual(kk=f"Мәтінде рұқсат етілмеген таңба бар: {code_point}, "
                         f"{position}-орында. Оны өшіріп, мәтінді қайта теріңіз.",
                      ru=f"Текст содержит недопустимый символ {code_point} в позиции "
                         f"{position}. Удалите его и наберите текст заново."),
            field=field, code_point=code_point, position=position)
    if multiline:
        given = given.replace("\r\n", "\n")
    cleaned = unicodedata.normalize("NFC", given).strip()
    if required and not cleaned:
        raise TextRefused(f"{field} is required", _required(what), field=field)
    if max_length is not None and len(cleaned) > max_length:
        raise TextRefused(f"{field} is longer than {max_length} characters",
                          _too_long(what, max_length), field=field)
    return cleaned

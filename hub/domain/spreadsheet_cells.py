"""Cells of the files a spreadsheet opens (the appeals CSV export, the XLSX reports)
hold data, never formulas.

An appeal's summary, a person's name or a zone name is typed by someone outside the
hub's trust; a text starting with ``=``, ``+``, ``-`` or ``@`` is taken by Excel and
LibreOffice for a formula when the file is opened: ``=HYPERLINK(…)`` leaks data to a
web address on a click, ``+cmd|' /C calc'!A0`` runs a program through DDE, ``@SUM(…)``
computes. A leading tab or carriage return is trimmed by some importers, uncovering
the trigger behind it. OWASP's rule (CSV Injection) is followed:

* in a CSV file such a text cell gets a leading single quote ``'``, which every
  spreadsheet takes for "this is text" (a CSV has no cell types);
* in an XLSX file such a text is written as a string cell (never a formula cell) with
  the "quote prefix" style, the way Excel itself stores a typed ``'=…``: shown and
  kept as text even when the cell is edited, and the text is not altered.

Numbers stay numbers: an ``int`` or ``float`` is no text, and a text that is nothing
but a number (``-12.5``, a phone ``+77012345678``) is no formula either, so neither is
touched.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "csv_cell", "formula_like"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def formula_like(value: object) -> bool:
    """Whether a spreadsheet could take ``value`` for a formula: a text starting with
    one of ``FORMULA_TRIGGERS`` that is not merely a number."""
    return (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def csv_cell(value: object) -> object:
    """``value`` as a CSV cell: a formula-like text behind a single quote, anything
    else unchanged."""
    return f"'{value}" if formula_like(value) else value

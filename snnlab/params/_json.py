"""Standard JSON for parameter files: non-finite floats as strings, decoded back.

JSON (RFC 8259) has no literal for infinity or NaN; Python's `json` writes `Infinity`
and `NaN`, which JavaScript's `JSON.parse`, most other parsers and strict tools refuse.
Here a non-finite float is written as the string `"Infinity"`, `"-Infinity"` or `"NaN"`,
the convention of the Protocol Buffers JSON mapping; these strings are also what
`float()`, `numpy` and `pandas.to_numeric` read as the same numbers. `loads` turns those
three strings back into floats (and still reads files with the non-standard literals).

No snnlab parameter file holds one of these three words as a text value (the text values
are model, generator, engine and method names), so the decoding is not ambiguous there.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["decode", "dumps", "loads", "standard"]

_WORDS = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}


def _word(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def standard(value: Any) -> Any:
    """`value` with every non-finite float (also numpy's) replaced by its string word.

    Dicts, lists and tuples are walked; a tuple becomes a list, as JSON has no tuple.
    """
    if isinstance(value, dict):
        return {k: standard(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [standard(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # numpy float64 too
        return _word(value)
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        item = value.item()  # a numpy scalar
        return standard(item) if isinstance(item, float) else item
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """Standard JSON text of `value`: non-finite floats as `"Infinity"`, `"-Infinity"`,
    `"NaN"`; `allow_nan=False`, so nothing non-standard can slip through. Keyword
    arguments go to `json.dumps` (e.g. `indent=2`)."""
    kwargs["allow_nan"] = False
    return json.dumps(standard(value), **kwargs)


def decode(value: Any) -> Any:
    """`value` (parsed JSON) with the strings `"Infinity"`, `"-Infinity"` and `"NaN"`
    turned back into floats, in dicts and lists at any depth."""
    if isinstance(value, str):
        return _WORDS.get(value, value)
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def loads(text: str | bytes) -> Any:
    """Parse JSON text written by `dumps`: the strings `"Infinity"`, `"-Infinity"` and
    `"NaN"` become floats again. Older files with bare `Infinity`/`NaN` literals are
    read too.

    **Raises:** `ValueError` (`json.JSONDecodeError`) for text that is not JSON.
    """
    return decode(json.loads(text))

"""Text from outside (ticket ids, customer names, link parameters, callback fields) is
data: these helpers decide which characters it may carry and how it is shown.

Control characters (C0, DEL and C1) can move a terminal's cursor or rewrite its title;
bidirectional overrides and isolates make ``4711`` display as something else. Input
fields refuse them (:func:`unsafe_characters`); output to terminals and plain views
replaces them (:func:`printable`).
"""

from __future__ import annotations

# Bidirectional embeddings, overrides and isolates, plus the implicit marks, which
# reorder how the characters around them are displayed (Unicode TR #9).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def is_unsafe_character(ch: str) -> bool:
    """C0, DEL, C1 controls and bidirectional controls."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in BIDI_CONTROLS


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters in ``text``, as ``U+XXXX`` names for a message."""
    return sorted({f"U+{ord(ch):04X}" for ch in text if is_unsafe_character(ch)})


def printable(text: str, replacement: str = "\ufffd") -> str:  # U+FFFD REPLACEMENT CHARACTER
    """``text`` with every unsafe or otherwise unprintable character replaced.

    For terminals and one-line views: nothing that came from outside may act as a
    control sequence there.
    """
    return "".join(
        # Unicode's "Cc" is exactly C0, DEL and C1 (is_unsafe_character); "Cs", the lone
        # surrogates a broken UTF-16 source leaves, is this range.
        replacement if is_unsafe_character(ch) or 0xD800 <= ord(ch) <= 0xDFFF else ch
        for ch in text
    )


def markup_escape(text: str) -> str:
    """Escape the three characters the notification spec's body markup gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_UNSAFE_IN_JSON = "[\x00-\x09\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]"


def escape_unsafe_json(text: str) -> str:
    r"""JSON text with every unsafe character written as a ``\uXXXX`` escape.

    ``json.dumps`` escapes C0 controls but writes C1 and bidirectional controls raw; in
    JSON they can only stand inside strings, where the escape means the same character.
    (A raw newline is ``indent``'s formatting: inside strings json.dumps escapes it.)
    """
    import re  # here: ``status`` in a terminal (printable) needs no regular expressions

    return re.sub(_UNSAFE_IN_JSON, lambda m: f"\\u{ord(m.group()):04x}", text)

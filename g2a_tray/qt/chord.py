"""A key combination as the global shortcut needs it: parsed from Qt's portable text
(``Ctrl+Alt+G``) and spelled for each backend (X keysyms, the portal's XDG notation,
pynput). Its own module because the X11 grab and the Wayland portal both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

T = TypeVar("T")

_X_NAMES = {
    Qt.Key.Key_Space: "space",
    Qt.Key.Key_Return: "Return",
    Qt.Key.Key_Enter: "KP_Enter",
    Qt.Key.Key_Tab: "Tab",
    Qt.Key.Key_Backspace: "BackSpace",
    Qt.Key.Key_Insert: "Insert",
    Qt.Key.Key_Delete: "Delete",
    Qt.Key.Key_Home: "Home",
    Qt.Key.Key_End: "End",
    Qt.Key.Key_PageUp: "Prior",
    Qt.Key.Key_PageDown: "Next",
    Qt.Key.Key_Left: "Left",
    Qt.Key.Key_Right: "Right",
    Qt.Key.Key_Up: "Up",
    Qt.Key.Key_Down: "Down",
    Qt.Key.Key_Print: "Print",
    Qt.Key.Key_Pause: "Pause",
    Qt.Key.Key_Comma: "comma",
    Qt.Key.Key_Period: "period",
    Qt.Key.Key_Slash: "slash",
    Qt.Key.Key_Semicolon: "semicolon",
    Qt.Key.Key_Minus: "minus",
    Qt.Key.Key_Equal: "equal",
    Qt.Key.Key_BracketLeft: "bracketleft",
    Qt.Key.Key_BracketRight: "bracketright",
    Qt.Key.Key_Backslash: "backslash",
    Qt.Key.Key_Apostrophe: "apostrophe",
    Qt.Key.Key_QuoteLeft: "grave",
}
_MODIFIER_KEYS = (Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Shift, Qt.Key.Key_Meta)


class ShortcutError(Exception):
    """The shortcut cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Chord:
    """One key with its modifiers, from Qt's portable text (``Ctrl+Alt+G``)."""

    text: str
    key: Qt.Key
    ctrl: bool
    alt: bool
    shift: bool
    meta: bool

    @classmethod
    def parse(cls, text: str) -> Chord:
        sequence = QKeySequence.fromString(text, QKeySequence.SequenceFormat.PortableText)
        if sequence.count() != 1:
            raise ShortcutError(f"“{text}” is not a key combination g2a-tray understands")
        combo = sequence[0]  # type: ignore[index]  # QKeySequence.operator[] (no stub)
        key = Qt.Key(combo.key())
        if key in (Qt.Key.Key_unknown, *_MODIFIER_KEYS):
            raise ShortcutError(f"“{text}” is not a key combination g2a-tray understands")
        mods = combo.keyboardModifiers()
        chord = cls(
            text=sequence.toString(QKeySequence.SequenceFormat.PortableText),
            key=key,
            ctrl=bool(mods & Qt.KeyboardModifier.ControlModifier),
            alt=bool(mods & Qt.KeyboardModifier.AltModifier),
            shift=bool(mods & Qt.KeyboardModifier.ShiftModifier),
            meta=bool(mods & Qt.KeyboardModifier.MetaModifier),
        )
        is_function_key = Qt.Key.Key_F1.value <= chord.key.value <= Qt.Key.Key_F35.value
        if not (chord.ctrl or chord.alt or chord.meta or is_function_key):
            raise ShortcutError(
                f"“{chord.text}” would take a key you type with; add Ctrl, Alt or Super"
            )
        return chord

    def x_keysym_name(self) -> str:
        value = self.key.value
        if Qt.Key.Key_A.value <= value <= Qt.Key.Key_Z.value:
            return chr(value).lower()
        if Qt.Key.Key_0.value <= value <= Qt.Key.Key_9.value:
            return chr(value)
        if Qt.Key.Key_F1.value <= value <= Qt.Key.Key_F35.value:
            return f"F{value - Qt.Key.Key_F1.value + 1}"
        if self.key in _X_NAMES:
            return _X_NAMES[self.key]
        raise ShortcutError(f"the key in “{self.text}” cannot be used as a global shortcut")

    def modifiers(self, names: tuple[T, T, T, T]) -> list[T]:
        """The set modifiers, spelled as ``names`` gives (Ctrl, Alt, Shift, Meta/Super)."""
        flags = (self.ctrl, self.alt, self.shift, self.meta)
        return [name for flag, name in zip(flags, names, strict=True) if flag]

    def pynput_text(self) -> str:
        parts = self.modifiers(("<ctrl>", "<alt>", "<shift>", "<cmd>"))
        name = self.x_keysym_name()
        char = QKeySequence(self.key.value).toString()
        if len(name) == 1 or (name in _X_NAMES.values() and len(char) == 1 and not char.isalnum()):
            parts.append(char.lower() if len(char) == 1 else name)
        else:
            parts.append(f"<{name.lower()}>")
        return "+".join(parts)

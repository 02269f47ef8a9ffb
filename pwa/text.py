"""Text rules: folding Vietnamese for search."""
import unicodedata


# Vietnamese alphabetical order: ă, â, đ, ê, ô, ơ, ư are letters of their own; tones sort
# after the letter, in the dictionary order (none, grave, hook, tilde, acute, dot below).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = {"\u0306": "ă", "\u0302": {"a": "â", "e": "ê", "o": "ô"}, "\u031b": {"o": "ơ", "u": "ư"}}
_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def vn_sort_key(text: str) -> tuple:
    """A key that sorts Vietnamese words as a dictionary does (Lũng Hoà before Lý Nhân)."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", text.lower()):
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        tone = next((_TONES.index(m) for m in marks if m in _TONES), 0)
        for mark in marks:
            shape = _LETTER_MARKS.get(mark)
            if isinstance(shape, dict):
                base = shape.get(base, base)
            elif shape and base == "a":
                base = shape
        letters.append(_ALPHABET.index(base) if base in _ALPHABET else 100 + ord(base))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def fold(text: str | None) -> str:
    """Lower-case text without diacritics, so "nguyen van a" matches "Nguyễn Văn A"."""
    if not text:
        return ""
    # đ/Đ is a letter of its own, not d plus a mark: NFD leaves it alone.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())

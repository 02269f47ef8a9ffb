"""Text rules: folding Vietnamese for search."""
import unicodedata


def fold(text: str | None) -> str:
    """Lower-case text without diacritics, so "nguyen van a" matches "Nguyễn Văn A"."""
    if not text:
        return ""
    # đ/Đ is a letter of its own, not d plus a mark: NFD leaves it alone.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())

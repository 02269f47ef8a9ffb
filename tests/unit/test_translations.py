"""The Vietnamese catalog translates every message the code and templates show.

Vietnamese is the default language, so a msgid missing from the vi catalog shows English to
every official. These tests run Babel's own extraction (the same configuration and keyword as
`pybabel extract -F pwa/babel.cfg -k _l`) and compare it with pwa/translations/vi.
"""
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "pwa" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"

# A python-format conversion: %(name)s, %(n)d, %s, %5.2f …; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> list[str]:
    """The conversions in a message, sorted, without literal percent signs."""
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def texts(message) -> list[str]:
    """A message's msgid or msgstr as a list (plural messages carry several)."""
    return list(message) if isinstance(message, (list, tuple)) else [message]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalog template Babel extracts from the project right now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "pwa" / "babel.cfg"), "-k", "_l",
        "-o", str(pot), str(ROOT)])
    with pot.open("rb") as f:
        catalog = read_po(f)
    assert len(catalog) > 100, "extraction found suspiciously few messages"
    return catalog


@pytest.fixture(scope="module")
def vi():
    with VI_PO.open("rb") as f:
        return read_po(f, locale="vi")


def test_every_extracted_message_is_translated_into_vietnamese(extracted, vi):
    assert not vi.fuzzy, "the vi catalog header is marked fuzzy: compile would skip it"
    problems = []
    for message in extracted:
        if not message.id:
            continue
        # A plural message's id is a (singular, plural) tuple; Catalog.get takes it whole.
        found = vi.get(message.id, context=message.context)
        where = ", ".join(f"{path}:{line}" for path, line in message.locations)
        if found is None:
            problems.append(f"missing: {message.id!r} ({where})")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r} ({where})")
        elif not all(s.strip() for s in texts(found.string)):
            problems.append(f"empty: {message.id!r} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) lack a Vietnamese translation; run pybabel extract and "
        "update, then translate pwa/translations/vi/LC_MESSAGES/messages.po:\n"
        + "\n".join(problems))


def test_translations_keep_the_placeholders(vi):
    problems = []
    for message in vi:
        if not message.id or not message.string:
            continue
        wanted = placeholders(texts(message.id)[0])
        for translated in texts(message.string):
            if placeholders(translated) != wanted:
                problems.append(f"{message.id!r}: {wanted} ≠ {placeholders(translated)} "
                                f"in {translated!r}")
    assert not problems, "placeholders changed in translation:\n" + "\n".join(problems)


def test_error_page_texts_are_translated(vi):
    """pwa/security.py passes its error texts to _() through variables, which extraction
    cannot see, so the catalog carries them by hand: `pybabel update` turns such entries
    obsolete, and this test says so."""
    from pwa.security import ERROR_TEXT
    missing = [text for pair in ERROR_TEXT.values() for text in pair
               if vi.get(text) is None or not vi.get(text).string or vi.get(text).fuzzy]
    assert not missing, ("error texts without a Vietnamese translation (re-add them to the vi "
                         f"catalog or mark them for extraction): {missing}")


@pytest.mark.parametrize(("msgid", "expected"), [
    ("Sign in", "Đăng nhập"),
    ("Sign out", "Đăng xuất"),
    ("Citizen reception", "Tiếp công dân"),
    ("Register", "Sổ tiếp công dân"),
    ("Audit log", "Nhật ký hệ thống"),
    ("Complaint (khiếu nại)", "Khiếu nại"),
    ("Denunciation (tố cáo)", "Tố cáo"),
    ("Petition (kiến nghị)", "Kiến nghị"),
    ("Reflection (phản ánh)", "Phản ánh"),
    ("Accept for resolution (thụ lý)", "Thụ lý"),
    ("Refuse reception (từ chối tiếp)", "Từ chối tiếp"),
    ("Handling direction", "Hướng xử lý"),
    ("Leader", "Tổ trưởng"),
    ("Deputy leader", "Tổ phó"),
    ("Member", "Thành viên"),
    ("Reception officer", "Cán bộ tiếp công dân"),
    ("Viewer", "Lãnh đạo"),
    ("Morning", "Sáng"),
    ("Afternoon", "Chiều"),
    ("ID number", "Số CCCD/CMND/Hộ chiếu"),
    ("[identity sealed]", "[danh tính được bảo mật]"),
])
def test_key_terms_use_the_official_vietnamese(vi, msgid, expected):
    message = vi.get(msgid)
    assert message is not None, f"{msgid!r} is not in the vi catalog"
    assert message.string == expected

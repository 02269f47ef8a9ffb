"""Vietnamese text rules: search folding and dictionary order."""
from pwa.text import fold, vn_sort_key


def test_fold_drops_tones_and_marks_and_case():
    assert fold("Nguyễn Văn Ánh") == "nguyen van anh"
    assert fold("ĐẶNG  Thị   Đào") == "dang thi dao"
    assert fold(None) == ""


def test_communes_sort_as_a_vietnamese_dictionary_does():
    names = ["Lý Nhân", "Lũng Hoà", "Tuân Chính", "Tân Phú", "Việt Xuân", "Vân Xuân",
             "Đại Đồng", "Dương", "An Tường", "Ấp", "Ăn"]
    assert sorted(names, key=vn_sort_key) == [
        "An Tường", "Ăn", "Ấp", "Dương", "Đại Đồng", "Lũng Hoà", "Lý Nhân", "Tân Phú",
        "Tuân Chính", "Vân Xuân", "Việt Xuân"]


def test_tones_sort_after_the_bare_letter_in_dictionary_order():
    words = ["mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(words, key=vn_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]

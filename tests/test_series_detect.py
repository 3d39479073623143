"""``is_series_file`` skips the parse of a file that cannot be a series and still sees every one."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES
from circolari.series.detect import is_series_file

SERIES = (EXAMPLES / "serie" / "richiesta-dati-sub-acute.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, expected", [
    (SERIES, True),
    (SERIES.replace("\nserie:", '\n"\\x73erie":'), True),  # the key spelt with an escape
    (SERIES.replace("tipo: circolare", 'tipo: "circo\\\n  lare"'), True),  # a quoted line break
    (SERIES.replace("\nserie:", "\nserie_:"), False),  # the word, not the key
    (SERIES.replace("tipo: circolare", "tipo: delibera"), False),
    ((EXAMPLES / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8"), False),
    ((EXAMPLES / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8") + '"\\x73erie": {}\n', True),
])
def test_series_file_is_recognised_however_written(tmp_path, text, expected):
    path = tmp_path / "atto.yaml"
    path.write_text(text, encoding="utf-8")
    assert is_series_file(path) is expected

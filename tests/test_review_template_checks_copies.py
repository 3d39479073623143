"""The template checker's problems kept for a folder serve a copy of it (``check_templates``),
naming the copy's files, as a check of the copy finds them."""

from __future__ import annotations

import shutil

from conftest import ROOT
from circolari.review.template_checks import TemplateChecker, check_templates


def test_template_problems_of_a_copied_folder_name_the_copy(tmp_path, monkeypatch):
    folders = [tmp_path / name / "templates" for name in ("a", "b", "c")]
    for folder in folders:
        shutil.copytree(ROOT / "templates", folder)
        main = folder / "circolare.html.j2"
        main.write_text(main.read_text(encoding="utf-8").replace("{{ atto.saluti }}", "{{ atto.saluto }}"),
                        encoding="utf-8")
        (folder / "parti").mkdir()
        (folder / "parti" / "rotto.html.j2").write_text("<p>{% if %}</p>\n", encoding="utf-8")
    (folders[2] / "parti" / "rotto.html.j2").write_text("<p>{% if x %}</p>\n", encoding="utf-8")  # not a copy

    def seen(problems):
        return [problem.format() for problem in problems]

    checked = []
    run = TemplateChecker.run
    monkeypatch.setattr(TemplateChecker, "run", lambda self: checked.append(self.folder) or run(self))
    first = seen(check_templates(folders[0]))
    assert any("«saluto»" in p for p in first) and any("parti/rotto.html.j2:1" in p for p in first)
    for folder in folders[1:]:
        found = seen(check_templates(folder))
        assert found == seen(TemplateChecker(folder).run()) and found != first
        assert not any(str(folders[0]) in p for p in found) and all(str(folder) in p for p in found)
    assert checked == [folders[0], folders[1], folders[2], folders[2]]  # the copy was not checked again

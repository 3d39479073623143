"""Build hook: the repository's top-level templates/, recipients/ and the example act (their
only copy in git) become the package's defaults (circolari/defaults/) in the wheel."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FOLDERS = ("templates", "recipients")
EXAMPLES = ("nota-plasma-iperimmune-2020.yaml",)


class BuildWithDefaults(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout (circolari.input.defaults)
        target = Path(self.build_lib) / "circolari" / "defaults"
        ignore = shutil.ignore_patterns("__pycache__", ".*", "*.pyc")
        for name in FOLDERS:
            shutil.copytree(ROOT / name, target / name, ignore=ignore, dirs_exist_ok=True)
        (target / "examples").mkdir(parents=True, exist_ok=True)
        for name in EXAMPLES:
            shutil.copyfile(ROOT / "examples" / name, target / "examples" / name)


setup(cmdclass={"build_py": BuildWithDefaults})

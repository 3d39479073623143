"""Private copies of folders for tests, written from their files read into memory.

A copy holds each file's bytes, permission bits and times, as ``shutil.copytree`` (copy2) makes
it, in plain OS calls: open, write, chmod and utime per file. copytree stats every source file
several times and copies each file's metadata (copystat: stat, utime, chmod, extended
attributes): half its time, over a couple of hundred copies of the project in a run. Copies are
never links to the source (a product writing through a link would change the repository)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tree:
    """What a copy holds: its folders and files (posix paths relative to the copy, parents first),
    each with its permission bits and (atime, mtime) in nanoseconds; each file with its bytes."""

    folders: tuple[tuple[str, int, tuple[int, int]], ...]
    files: tuple[tuple[str, bytes, int, tuple[int, int]], ...]


def read_tree(source: Path, names: tuple[str, ...] | None = None) -> Tree:
    """The folder ``source`` (only its subfolders ``names``, when given). A link or a special
    file in it is an error: a copy would follow it (copytree does), so the test would not see
    what the source holds."""
    folders, files = [], []
    source = Path(source)
    tops = [source / name for name in names] if names else [source]
    for top in tops:
        for folder, subfolders, filenames in os.walk(top, onerror=_raise):
            for name in sorted(subfolders + filenames):
                path = os.path.join(folder, name)
                info = os.lstat(path)
                relative = os.path.relpath(path, source)
                times = (info.st_atime_ns, info.st_mtime_ns)
                if stat.S_ISDIR(info.st_mode):
                    folders.append((relative, stat.S_IMODE(info.st_mode), times))
                elif stat.S_ISREG(info.st_mode):
                    files.append((relative, Path(path).read_bytes(), stat.S_IMODE(info.st_mode), times))
                else:
                    raise OSError(f"not a regular file or folder, copies would not hold it as it is: {path}")
            subfolders.sort()
        if names:
            info = os.lstat(top)
            folders.insert(0, (top.name, stat.S_IMODE(info.st_mode), (info.st_atime_ns, info.st_mtime_ns)))
    folders.sort(key=lambda entry: entry[0].count(os.sep))  # parents before their subfolders
    return Tree(tuple(folders), tuple(files))


def write_tree(tree: Tree, to: Path) -> Path:
    """Write ``tree`` into the folder ``to`` (made if missing), where none of its entries exists
    yet; folders' times are set last, after their files are written, as copytree does."""
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    for relative, mode, _ in tree.folders:
        os.mkdir(to / relative)
        os.chmod(to / relative, mode)  # exactly, whatever the umask
    for relative, data, mode, times in tree.files:
        fd = os.open(to / relative, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            os.utime(fd, ns=times)
        finally:
            os.close(fd)
    for relative, _, times in reversed(tree.folders):
        os.utime(to / relative, ns=times)
    return to


def copy_tree(source: Path, to: Path) -> Path:
    """A private copy of the folder ``source`` in ``to`` (``copytree(source, to, dirs_exist_ok=True)``
    into a folder holding none of its entries)."""
    return write_tree(read_tree(source), to)


def _raise(error: OSError) -> None:
    raise error

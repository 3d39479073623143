"""Replace an act's output folder all at once.

The new files go into a fresh folder beside it (``.<act>.new-XXXXXXXX.tmp``), with hard links to
what other commands left there (signed PDF, ``mail/``, ``preview/``); the two folders are then
swapped with one system call (Linux ``renameat2(RENAME_EXCHANGE)``) and the old one is removed. A
reader, or a ``kill -9`` at any moment, sees the old complete folder or the new one, never a mix.
Both folders stay locked until the end, so two renders of one act never interleave; whatever a
killed render left beside the folder is removed by the next one; one that fails removes it itself
(even out of file descriptors: a few are held in reserve for that).
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from contextlib import ExitStack
from pathlib import Path

from circolari.errors import fail
from circolari.output import temporary_file, checkpoint, locked, remove_stale_files


def replace_folder(folder: Path, files: dict[str, bytes], *, protected=frozenset(),
                   force: bool = False) -> list[Path]:
    """Make ``folder`` hold ``files`` (plus what other commands put there), all at once.
    A file named in ``protected`` (an issued act) that exists with other content is kept unless ``force``."""
    given, folder = Path(folder), Path(os.path.realpath(folder))
    try:
        _replace(folder, files, protected, force)
        return [given / name for name in files]
    except OSError as exc:
        from circolari.os_errors import os_failure

        raise os_failure(exc, folder) from None


def _replace(folder: Path, files: dict[str, bytes], protected, force: bool) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    _restore_interrupted(folder)
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    with ExitStack() as held:
        held.enter_context(locked(folder))
        try:
            _swap_in(folder, files, protected, force, held)
        except BaseException:
            if created:                                 # a failed first render leaves no empty folder
                try:
                    folder.rmdir()
                except OSError:
                    pass
            raise


def _swap_in(folder: Path, files: dict[str, bytes], protected, force: bool, held: ExitStack) -> None:
    """Under ``folder``'s lock: clean, check, write the fresh folder, swap it in."""
    _remove_stale_folders(folder)
    remove_stale_files(folder, files)
    _refuse_overwrites(folder, files, protected, force)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
        held.enter_context(locked(sub, message="un altro comando sta usando questa cartella"))
    spare = _reserve(folder.parent)             # fails, if it does, before anything is made
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", suffix=".tmp", dir=folder.parent))
    except BaseException:
        _release(spare)
        raise
    try:
        held.enter_context(locked(fresh))
        os.chmod(fresh, stat.S_IMODE(os.stat(folder).st_mode))
        for name, data in files.items():
            os.replace(temporary_file(fresh / name, data), fresh / name)
            checkpoint("partial")
        _carry(folder, fresh, skip=set(files))
        checkpoint("written")
        _swap(folder, fresh)
        checkpoint("swapped")
    except OSError as exc:
        raise _named_in(exc, fresh, folder) from None
    finally:
        _release(spare)                         # room for the removal, even out of descriptors
        _remove_tree(fresh)                     # after the swap: the old folder


_SPARE = 8  # descriptors kept for removing the fresh folder: shutil.rmtree holds two per level


def _reserve(folder: Path) -> list[int]:
    """Descriptors held while the fresh folder exists and released to remove it: a write that
    fails for lack of descriptors (EMFILE) still leaves nothing behind."""
    spare: list[int] = []
    try:
        for _ in range(_SPARE):
            spare.append(os.open(folder, os.O_RDONLY | os.O_DIRECTORY))
    except BaseException:
        _release(spare)
        raise
    return spare


def _release(spare: list[int]) -> None:
    while spare:
        os.close(spare.pop())


def _named_in(exc: OSError, fresh: Path, folder: Path) -> OSError:
    """``exc`` naming the act folder's file rather than the fresh folder's, which is removed."""
    name = exc.filename
    if isinstance(name, (str, os.PathLike)) and Path(name).is_relative_to(fresh):
        return OSError(exc.errno, exc.strerror, str(folder / Path(name).relative_to(fresh)))
    return exc


def _refuse_overwrites(folder: Path, files: dict[str, bytes], protected, force: bool) -> None:
    if not force:
        for name in protected:
            target = folder / name
            if target.exists() and (not target.is_file() or target.read_bytes() != files[name]):
                raise fail("l'atto risulta già emesso (ha protocollo o numero) e il file esistente è diverso",
                           file=target, hint="usare --forza per sostituirlo, o cambiare cartella di uscita")
    for name in files:
        if (folder / name).is_dir() and not (folder / name).is_symlink():
            raise fail("al posto del file c'è una cartella", file=folder / name,
                       hint="spostarla o rimuoverla, poi ripetere il comando")


def _carry(old: Path, new: Path, skip: set[str] = frozenset()) -> None:
    """Hard links in ``new`` to everything in ``old`` but ``skip`` and stale temporary files
    (a copy where the file system has no hard links); folders are made again, recursively."""
    for entry in os.scandir(old):
        if entry.name in skip or (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        source, target = Path(entry.path), new / entry.name
        if entry.is_dir(follow_symlinks=False):
            target.mkdir()
            os.chmod(target, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode))
            _carry(source, target)
            continue
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            shutil.copy2(source, target, follow_symlinks=False)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system cannot (then the caller renames twice)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _swap(folder: Path, fresh: Path) -> None:
    """``fresh`` becomes ``folder`` and the old folder is left at ``fresh``'s name. Without an
    atomic exchange: two renames, the old folder first set aside as ``.<act>.old-….tmp``
    (``_restore_interrupted`` puts it back if the process dies in between)."""
    if _exchange(folder, fresh):
        return
    aside = fresh.with_name(fresh.name.replace(".new-", ".old-", 1))
    os.rename(folder, aside)
    os.rename(fresh, folder)
    os.rename(aside, fresh)


_STALE = r"\.(new|old)-[a-z0-9_]{8}\.tmp"      # after ".<folder name>": a swap's temporary folder


def _stale_pattern(folder: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(folder.name)}{_STALE}")


def remove_leftovers(parent: Path, kept: set[str]) -> None:
    """Remove the temporary folders that renders killed during their swap left beside the folders
    of ``parent`` named in ``kept`` (series letters already made, so not rendered again): one scan
    of ``parent``, each removed under its folder's lock."""
    stale = re.compile(rf"\.(?P<name>.+){_STALE}")
    try:
        for entry in list(parent.iterdir()) if parent.is_dir() else []:
            match = stale.fullmatch(entry.name)
            if match and match["name"] in kept:
                with locked(parent / match["name"]):
                    _remove_tree(entry)
    except OSError as exc:
        from circolari.os_errors import os_failure

        raise os_failure(exc, parent) from None


def _restore_interrupted(folder: Path) -> None:
    """A render stopped between the two renames of ``_swap`` left no folder: put the old one back."""
    if folder.exists() or folder.is_symlink():
        return
    pattern = _stale_pattern(folder)
    for entry in folder.parent.iterdir():
        if pattern.fullmatch(entry.name) and ".old-" in entry.name:
            try:
                os.rename(entry, folder)
            except OSError:
                pass
            return


def _remove_stale_folders(folder: Path) -> None:
    """Folders a killed render left beside ``folder`` (only ours: we hold the act folder's lock)."""
    pattern = _stale_pattern(folder)
    for entry in folder.parent.iterdir():
        if pattern.fullmatch(entry.name):
            _remove_tree(entry)


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)

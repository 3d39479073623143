"""Operating-system errors as the clerk's messages: what happened, to which path, what to do."""

from __future__ import annotations

import errno

from circolari.errors import CircolariError, Problem

_MESSAGES = {
    errno.ENOSPC: ("disco pieno: spazio esaurito", "liberare spazio sul disco, poi ripetere il comando"),
    errno.EDQUOT: ("quota del disco esaurita", "liberare spazio, poi ripetere il comando"),
    errno.EROFS: ("il disco è in sola lettura", "scegliere un'altra cartella (opzione --out) o rendere scrivibile questa"),
    errno.EACCES: ("permesso negato", "controllare i permessi del file o della cartella"),
    errno.EPERM: ("operazione non permessa", "controllare i permessi del file o della cartella"),
    errno.ENOENT: ("file o cartella non trovato", "controllare il percorso"),
    errno.EISDIR: ("è una cartella, non un file", "indicare un file"),
    errno.ENOTDIR: ("una parte del percorso non è una cartella", "controllare il percorso"),
    errno.ELOOP: ("collegamenti simbolici in ciclo", "correggere i collegamenti"),
    errno.ENAMETOOLONG: ("nome di file troppo lungo", "usare un nome più corto"),
    errno.EIO: ("errore di lettura o scrittura del disco", "controllare il disco, poi ripetere il comando"),
    errno.EEXIST: ("esiste già", "spostarlo o rimuoverlo, poi ripetere il comando"),
    errno.ENOTEMPTY: ("la cartella non è vuota", "spostarne il contenuto, poi ripetere il comando"),
    errno.EMFILE: ("troppi file aperti", "ripetere il comando"),
    errno.ENFILE: ("troppi file aperti nel sistema", "chiudere qualche programma, poi ripetere il comando"),
    errno.EBUSY: ("file o cartella in uso", "chiudere i programmi che lo usano, poi ripetere il comando"),
    errno.ETXTBSY: ("file in uso", "chiudere i programmi che lo usano, poi ripetere il comando"),
}


def os_problem(exc: OSError, path=None) -> Problem:
    """One located problem for ``exc`` (the path is the error's own, else ``path``)."""
    if exc.errno is None:
        message, hint = "operazione sul file non riuscita", "controllare il percorso, poi ripetere il comando"
    else:
        message, hint = _MESSAGES.get(exc.errno, (f"errore del sistema ({errno.errorcode.get(exc.errno, exc.errno)})",
                                                  "ripetere il comando; se persiste, segnalarlo"))
    return Problem(message, file=exc.filename or path, hint=hint)


def os_failure(exc: OSError, path=None) -> CircolariError:
    """``os_problem`` as an error to raise."""
    return CircolariError(os_problem(exc, path))


def disk_state(path) -> int | None:
    """ENOSPC when the file system holding ``path`` is (nearly) full, EROFS when it is read-only,
    else None: for errors that do not say why (SQLite's "disk I/O error"), decided by the disk's state."""
    import os

    try:
        disk = os.statvfs(path)
    except OSError:
        return None
    if disk.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if disk.f_bavail * disk.f_frsize < 1024 * 1024:
        return errno.ENOSPC
    return None


def unicode_failure(exc: UnicodeError, path=None) -> CircolariError:
    return CircolariError(Problem("nome di file o testo non in codifica UTF-8", file=path,
                                  hint="rinominare il file o salvarlo come UTF-8"))

"""``circolari preview``, ``diff``, ``review`` and ``approve``: what a reviewer looks at before an act or template goes out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.options import OutOpt, RecipientsOpt, TemplatesOpt, command
from circolari.cli.problems import report
from circolari.errors import CircolariError, Problem

app = typer.Typer()


@command(app)
def preview(
    path: Annotated[Path, typer.Argument(help="file YAML dell'atto")],
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
    open_: Annotated[bool, typer.Option("--open", help="apre l'anteprima nel browser (a ogni esecuzione, di solito in una nuova scheda; con --watch una volta sola: la pagina poi si aggiorna da sola)")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="rigenera l'anteprima a ogni salvataggio; la pagina si aggiorna da sola (Ctrl-C per uscire)")] = False,
):
    """Anteprima: HTML e un'immagine per pagina del PDF in out/<atto>/preview/, con index.html."""
    from circolari.input.project import Project
    from circolari.render import render_act
    from circolari.review.preview import write_preview

    project = Project.locate(path, templates=templates, recipients=recipients, out=out)
    if watch:
        from circolari.input.acts import act_name
        from circolari.output import inside
        from circolari.review.preview import watch as watch_act

        from circolari.review.preview import open_in_browser

        try:  # the browser is opened once per session: then the page reloads itself
            watch_act(path, project, inside(project.out, act_name(path)) / "preview", report=typer.echo,
                      on_ready=open_in_browser if open_ else None)
        except KeyboardInterrupt:
            pass
        return
    rendered = render_act(path, project, preview=True)
    report(rendered.warnings)
    from circolari.output import inside
    from circolari.compose.italian import pagine
    from circolari.review.preview import watched

    folder = inside(project.out, rendered.name) / "preview"
    live = watched(folder)  # a 'preview --watch' shows this folder: its page refreshes by itself
    index = write_preview(rendered, folder, refresh=1 if live else None)
    typer.echo(f"{path}: {pagine(rendered.pages)} -> {index}"
               + (" (aggiornata nella pagina già aperta da 'preview --watch')" if live else ""))
    if open_ and not live:
        from circolari.review.preview import OPEN_HINT, open_in_browser

        open_in_browser(index)
        typer.echo(OPEN_HINT)


@command(app)
def diff(
    old: Annotated[Path, typer.Argument(help="l'atto (o la sua versione precedente)")],
    new: Annotated[Optional[Path], typer.Argument(help="la nuova versione dell'atto (predefinita: lo stesso atto); per una serie anche la nuova tabella (.xlsx, .csv)")] = None,
    templates: Annotated[Optional[Path], typer.Option("--templates", help="template della versione nuova (per vedere l'effetto di un cambio di template)")] = None,
    base_templates: Annotated[Optional[Path], typer.Option("--base-templates", help="template della versione precedente (predefinita: templates/ del progetto)")] = None,
    recipients: RecipientsOpt = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="scrive anche un confronto affiancato in HTML")] = None,
):
    """Differenze parola per parola nel testo dell'atto generato, con pagina e sezione; uscita 1 se diverso.

    Per una serie di lettere: le cifre che cambiano ente per ente, le lettere in più e in meno."""
    from circolari.input.acts import act_name
    from circolari.kinds.load import load_act
    from circolari.input.project import Project
    from circolari.render import render_loaded
    from circolari.review.diff import compare, html_page, rendered_words, terminal, use_colour
    from circolari.series.detect import is_series_file

    if new is None and templates is None:
        raise CircolariError(Problem("indicare la seconda versione dell'atto oppure --templates",
                                     hint="es. circolari diff atti/nota.yaml --templates templates-nuovi/"))
    new = new or old
    if is_series_file(old) and new != old and templates is None:  # a series: what changes body by body
        from circolari.cli.series import diff as series_diff

        if not series_diff(old, new, Project.locate(old, recipients=recipients)):
            raise typer.Exit(1)
        return
    old_act, old_doc = load_act(old)  # each act is loaded once, for its render and its label
    old_project = Project.locate(old, templates=base_templates, recipients=recipients)
    before = render_loaded(old_act, old_doc, old_project, name=act_name(old), review=True)
    new_act, new_doc = (old_act, old_doc) if new == old else load_act(new)
    new_project = Project.locate(new, templates=templates or base_templates, recipients=recipients)
    if new == old and _same_folders(old_project, new_project):  # the same act, templates and registry
        after = before
    else:
        after = render_loaded(new_act, new_doc, new_project, name=act_name(new), review=True)
    from circolari.review.labels import act_label, fatti_summary

    old_label = act_label(old_act, f"template {base_templates}" if base_templates else ("prima" if new != old else ""))
    new_label = act_label(new_act, f"template {templates}" if templates else "dopo")
    summary = fatti_summary(old_act, new_act)
    words = rendered_words(before)
    result = compare(words, words if after is before else rendered_words(after))
    if html:
        from circolari.output import write_atomic

        write_atomic(html, html_page(result, old_label, new_label, summary).encode("utf-8"))
    for line in summary:
        typer.echo(f"cifra cambiata: {line}")
    if result.equal:
        typer.echo(f"Nessuna differenza nel testo di {new}.")
        return
    typer.echo(terminal(result, old_label, new_label, colour=use_colour()), nl=False)
    raise typer.Exit(1)


def _same_folders(one, other) -> bool:
    """Both projects read the very same templates and registry folders."""
    return (Path(one.templates).resolve() == Path(other.templates).resolve()
            and Path(one.recipients).resolve() == Path(other.recipients).resolve())


@command(app)
def review(
    templates: Annotated[Path, typer.Argument(help="cartella dei template da rivedere")],
    examples: Annotated[list[Path], typer.Argument(help="esempi (file YAML o cartelle)")],
    out: Annotated[Optional[Path], typer.Option("--out", help="cartella del pacchetto (predefinita: out/review)")] = None,
    recipients: RecipientsOpt = None,
):
    """Pacchetto di revisione: per ogni esempio pagine, controlli e differenze dal testo approvato."""
    from circolari.review.pack import build_pack

    pack = build_pack(templates, examples, out or Path("out") / "review", recipients=recipients)
    report(pack.problems)
    for entry in pack.entries:
        report([p for p in entry.problems if p.level == "errore"])
        typer.echo(f"{entry.act}: {entry.status}" + (f" ({entry.changes} modific{'a' if entry.changes == 1 else 'he'})" if entry.changes else "")
                   + "".join(f"; {line}" for line in entry.look) + (f" [{entry.approved_by}]" if entry.approved_by else ""))
    typer.echo(f"Pacchetto di revisione: {pack.index}")
    if pack.failed:
        raise typer.Exit(1)


@command(app)
def approve(
    examples: Annotated[list[Path], typer.Argument(help="esempi (file YAML o cartelle) da approvare")],
    by: Annotated[str, typer.Option("--by", help="nome e cognome di chi approva (registrato con la data)")] = "",
    pack: Annotated[Optional[Path], typer.Option("--pack", help="pacchetto di revisione rivisto (predefinito: out/review)")] = None,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
):
    """Registra come approvato ciò che il pacchetto di revisione ha mostrato: testo, pagine, campi firma, template (<cartella>/approvati/, da versionare)."""
    from circolari.input.project import Project
    from circolari.review.approve import approve as approve_acts, pack_record, record_path
    from circolari.review.pack import example_files

    if not by.strip():
        raise CircolariError(Problem("indicare chi approva con --by", hint='es. circolari approve examples/ --by "Nome Cognome"'))
    pack = pack or Path("out") / "review"
    reviewed = pack_record(pack)
    templates = templates or (Path(reviewed["cartella_template"]) if reviewed.get("cartella_template") else None)
    files, missing = example_files(examples)
    report(missing)
    results = approve_acts(files, lambda act: Project.locate(act, templates=templates, recipients=recipients),
                           reviewer=by.strip(), pack=pack)
    for result in results:
        report(result.problems if result.status == "errore" else [])
        typer.echo(f"{result.act}: {result.status}" + ("" if result.status == "errore" else f" -> {record_path(result.act)}"))
    if missing or any(r.status == "errore" for r in results):
        raise typer.Exit(1)
    if all(r.status == "invariato" for r in results):
        typer.echo("Nessun cambiamento: le approvazioni registrate valgono già.")
    else:
        typer.echo(f"Approvazione registrata a nome di {by.strip()}: rivederla e registrarla con un commit.")

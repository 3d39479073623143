"""The ``circolari`` command line: commands, options, messages and exit codes.

Each command imports what it needs when it runs, so that ``--help`` and
light commands start fast.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.problems import clerk_errors, report
from circolari.errors import CircolariError, Problem
from circolari.kinds import KINDS

app = typer.Typer(
    name="circolari",
    help="Atti della Direzione Generale (circolari, note, DGR) da dati YAML: PDF/A, DOCX, invio PEC.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
recipients_app = typer.Typer(help="Registro dei destinatari (enti e PEC).", no_args_is_help=True)
app.add_typer(recipients_app, name="recipients")


def _register_subcommands() -> None:
    """Commands written in their own modules (each keeps its heavy imports inside)."""
    from circolari.cli.mail import app as mail_app
    from circolari.cli.signature import sign, verify

    app.command("sign")(clerk_errors(sign))
    app.command("verify")(clerk_errors(verify))
    app.add_typer(mail_app, name="mail")
    from circolari.cli.recipients import add, import_app, show

    recipients_app.add_typer(import_app, name="import")
    recipients_app.command("show")(clerk_errors(show))
    recipients_app.command("add")(clerk_errors(add))

TemplatesOpt = Annotated[Optional[Path], typer.Option("--templates", help="cartella dei template (predefinita: templates/ del progetto)")]
RecipientsOpt = Annotated[Optional[Path], typer.Option("--recipients", help="cartella del registro destinatari (predefinita: recipients/)")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="cartella di uscita (predefinita: out/)")]


Kind = Enum("Kind", {name: name for name in KINDS}, type=str)  # the kinds of act (circolari.kinds)


def command(typer_app: typer.Typer, name: str | None = None):
    """Register a command whose invalid input ends in a clear message, never a traceback."""
    return lambda function: typer_app.command(name)(clerk_errors(function))


def act_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their ``*.yaml`` acts; anything missing stops here."""
    from circolari.input.acts import act_files as find

    files, problems = find(paths)
    if problems:
        raise CircolariError(problems)
    return files


def _version(value: bool) -> None:
    if value:
        from circolari import __version__

        typer.echo(f"circolari {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="mostra la versione ed esce")] = False) -> None:
    """Atti della Direzione Generale (circolari, note, DGR) da dati YAML: PDF/A, DOCX, invio PEC."""


@command(app)
def init(directory: Annotated[Path, typer.Argument(help="cartella d'ufficio da creare")] = Path(".")):
    """Crea una cartella d'ufficio: template da personalizzare, registro, atti/ con un esempio, schema per l'editor."""
    from circolari.input.office import create_office

    create_office(directory)
    typer.echo(f"Cartella d'ufficio pronta in {directory}: vedere {directory / 'LEGGIMI.txt'}.")


@command(app)
def new(
    kind: Annotated[Kind, typer.Argument(help=f"tipo di atto: {' o '.join(KINDS)}")],
    path: Annotated[Path, typer.Argument(help="file YAML da creare, es. atti/nota-vaccini.yaml")],
    templates: TemplatesOpt = None,
):
    """Crea lo schema commentato di un nuovo atto, già pronto per essere generato."""
    from circolari.input.project import Project

    project = Project.locate(path.parent, templates=templates)
    skeleton = project.templates / "nuovo" / f"{kind.value}.yaml"
    if path.exists():
        raise CircolariError(Problem("il file esiste già: non viene sovrascritto", file=path,
                                     hint="scegliere un altro nome"))
    if not skeleton.is_file():
        raise CircolariError(Problem("schema di partenza non trovato", file=skeleton))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(skeleton.read_bytes())
    typer.echo(f"Creato {path}: completarlo e poi eseguire 'circolari render {path}'.")


@command(app)
def render(
    paths: Annotated[list[Path], typer.Argument(help="file YAML di atti, o cartelle che li contengono")],
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
    force: Annotated[bool, typer.Option("--forza", help="sostituisce i file di un atto già protocollato")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="processi in parallelo per le serie di lettere (predefinito: i core della macchina)")] = None,
):
    """Genera PDF, DOCX e anteprima HTML di ogni atto in out/<atto>/ (una serie: una cartella per lettera)."""
    from circolari.input.project import Project
    from circolari.render import render_act, write_rendered
    from circolari.series.detect import is_series_file

    failed = 0
    files = act_files(paths)
    for file in files:
        project = Project.locate(file, templates=templates, recipients=recipients, out=out)
        if is_series_file(file):
            from circolari.cli import series as series_cli

            failed += not series_cli.render(file, project, jobs=jobs, force=force)
            continue
        try:
            rendered = render_act(file, project)
            report(rendered.warnings)
            written = write_rendered(rendered, project.out, force=force)
        except CircolariError as exc:
            report(exc.problems)
            failed += 1
            continue
        folder = written[0].parent
        pages = f"{rendered.pages} pagin{'a' if rendered.pages == 1 else 'e'}"
        typer.echo(f"{file}: {pages} -> {folder}/")
    if failed:
        typer.echo(f"{failed} atti su {len(files)} non generati: correggere gli errori indicati.", err=True)
        raise typer.Exit(1)


@command(recipients_app, "list")
def recipients_list(
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="mostra solo gli enti di questo gruppo")] = None,
    recipients: RecipientsOpt = None,
):
    """Elenca gli enti del registro (o di un gruppo) con la loro PEC."""
    from circolari.input.project import Project
    from circolari.registry.registry import Registry

    registry = Registry.load(Project.locate(recipients=recipients).recipients)
    if group is not None and group not in registry.groups:
        raise CircolariError(Problem(f"gruppo «{group}» sconosciuto", field="--group",
                                     hint="gruppi: " + ", ".join(registry.groups)))
    entries = [loc.ente for loc in registry.entries if group is None or group in loc.ente.gruppi]
    width = max((len(e.id) for e in entries), default=2)
    for e in entries:
        pec = e.pec or "(PEC mancante)"
        flag = "" if e.verificato else "  [non verificato]"
        code = f"  [IPA {e.codice_ipa}]" if e.codice_ipa else ""
        typer.echo(f"{e.id:<{width}}  {e.denominazione}  <{pec}>{code}{flag}")
    typer.echo(f"{len(entries)} enti" + (f" nel gruppo «{group}»" if group else ""))


@command(recipients_app, "check")
def recipients_check(recipients: RecipientsOpt = None):
    """Controlla il registro: sintassi, id ripetuti, PEC malformate o ripetute, gruppi sconosciuti."""
    from circolari.input.project import Project
    from circolari.registry.registry import Registry

    registry = Registry.load(Project.locate(recipients=recipients).recipients)
    report(registry.problems)
    errors = len(registry.errors)
    warnings = len(registry.problems) - errors
    typer.echo(f"{len(registry.entries)} enti, {len(registry.groups)} gruppi: {errors} errori, {warnings} avvisi.")
    if errors:
        raise typer.Exit(1)


@command(app)
def schema(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="file in cui scriverlo")] = None):
    """Stampa lo JSON Schema dei file degli atti, per il completamento negli editor."""
    import json

    from circolari.input.acts import act_schema

    text = json.dumps(act_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Schema scritto in {output}")
    else:
        typer.echo(text, nl=False)


@command(app)
def check(
    paths: Annotated[list[Path], typer.Argument(help="atti (file o cartelle), cartelle del registro e dei template")],
    as_json: Annotated[bool, typer.Option("--json", help="elenco dei problemi in JSON")] = False,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
):
    """Controlla atti, registro e template senza generarli: ogni problema, una riga ciascuno."""
    import json

    from circolari.review.checks import as_json as problems_json, check_paths

    report = check_paths(paths, templates=templates, recipients=recipients)
    if as_json:
        typer.echo(json.dumps(problems_json(report), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem.format())
        typer.echo(f"{report.acts} atti, {report.templates} cartelle di template, {report.registries} registri: "
                   f"{len(report.errors)} errori, {len(report.warnings)} avvisi.", err=True)
    if report.errors:
        raise typer.Exit(1)


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
    from circolari.review.preview import watched

    folder = inside(project.out, rendered.name) / "preview"
    live = watched(folder)  # a 'preview --watch' shows this folder: its page refreshes by itself
    index = write_preview(rendered, folder, refresh=1 if live else None)
    typer.echo(f"{path}: {rendered.pages} pagine -> {index}"
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
    from circolari.input.project import Project
    from circolari.render import render_act
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
    before = render_act(old, Project.locate(old, templates=base_templates, recipients=recipients))
    after = render_act(new, Project.locate(new, templates=templates or base_templates, recipients=recipients))
    from circolari.review.labels import act_label, fatti_summary

    old_label = act_label(old, f"template {base_templates}" if base_templates else ("prima" if new != old else ""))
    new_label = act_label(new, f"template {templates}" if templates else "dopo")
    summary = fatti_summary(old, new)
    result = compare(rendered_words(before), rendered_words(after))
    if html:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(html_page(result, old_label, new_label, summary), encoding="utf-8")
    for line in summary:
        typer.echo(f"cifra cambiata: {line}")
    if result.equal:
        typer.echo(f"Nessuna differenza nel testo di {new}.")
        return
    typer.echo(terminal(result, old_label, new_label, colour=use_colour()), nl=False)
    raise typer.Exit(1)


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


_register_subcommands()


def main() -> None:
    """Console entry point."""
    from circolari.cli.startup import one_command_process

    one_command_process()
    app()

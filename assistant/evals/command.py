"""`assistant eval`: run the cases, print the tables, write the reports, gate on thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from assistant.config import PROJECT_ROOT, Settings, get_settings
from assistant.errors import AssistantError
from assistant.evals import history
from assistant.evals.cases import EvalCase, load_cases
from assistant.evals.console import print_comparison, print_history, print_run
from assistant.evals.export import run_json, summary_line, write_json
from assistant.evals.html_report import write_html
from assistant.evals.judge import get_judge
from assistant.evals.runner import EvalRun, EvalRunner
from assistant.evals.summary import Thresholds
from assistant.retrieval.index import CatalogIndex

DEFAULT_CASES = PROJECT_ROOT / "evals" / "cases"
DEFAULT_THRESHOLDS = PROJECT_ROOT / "evals" / "thresholds.yaml"
GATE_FAILED = 1
ERROR = 2

console = Console()
err = Console(stderr=True)


def eval_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Case files or folders (default: evals/cases)")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="offline or openai:<model> (default: the configured one)")
    ] = None,
    prompt_variant: Annotated[
        str | None, typer.Option("--prompt-variant", help="Prompt variant to run.")
    ] = None,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Two prompt variants or models (offline, openai:...) side by side."),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the run as JSON.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report.")] = None,
    show_history: Annotated[
        bool, typer.Option("--history", help="Print the trend of recorded runs and stop.")
    ] = False,
    thresholds: Annotated[
        Path, typer.Option(help="Pass rate each category must reach.")
    ] = DEFAULT_THRESHOLDS,
    shared_data: Annotated[
        Path | None, typer.Option(help="Folder of referenced datasets (default: ../shared/data).")
    ] = None,
    prompts_dir: Annotated[
        Path | None, typer.Option(help="Prompt folder (default: the configured one).")
    ] = None,
) -> None:
    """Run eval conversations and fail when a category falls below its threshold."""
    settings = _settings(get_settings(), shared_data, prompts_dir)
    if show_history:
        print_history(console, history.read(history.path_of(settings)))
        return
    try:
        limits = Thresholds.load(thresholds)
        cases = load_cases(paths or [DEFAULT_CASES])
        catalog = CatalogIndex.open(settings)
        if compare:
            runs = [
                _run(settings, catalog, cases, *_side(s, model, prompt_variant)) for s in compare
            ]
            print_comparison(console, runs[0], runs[1], compare)
            failed = any(run.summary.failing(limits) for run in runs)
            raise typer.Exit(GATE_FAILED if failed else 0)
        run = _run(settings, catalog, cases, model, prompt_variant)
    except AssistantError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(ERROR) from exc
    _report(settings, run, limits, json_out, html_out)
    if failing := run.summary.failing(limits):
        err.print(f"[bold red]below threshold:[/] {', '.join(failing)}")
        raise typer.Exit(GATE_FAILED)


def _settings(settings: Settings, shared_data: Path | None, prompts_dir: Path | None) -> Settings:
    changed = settings.model_copy(deep=True)
    if shared_data is not None:
        changed.evals.shared_data = shared_data
    if prompts_dir is not None:
        changed.prompts.dir = prompts_dir
    return changed


def _side(name: str, model: str | None, variant: str | None) -> tuple[str | None, str | None]:
    """One side of --compare: a model (offline, openai:...) or else a prompt variant."""
    if name == "offline" or name.startswith("openai:"):
        return name, variant
    return model, name


def _run(
    settings: Settings,
    catalog: CatalogIndex,
    cases: list[EvalCase],
    model: str | None,
    variant: str | None,
) -> EvalRun:
    judge = get_judge(settings, settings.evals.judge_model)
    runner = EvalRunner(settings, catalog, model=model, variant=variant, judge=judge)
    err.print(f"running {len(cases)} cases on {runner.model}, variant {runner.variant}...")
    run = runner.run(cases)
    history.append(history.path_of(settings), summary_line(run))
    return run


def _report(
    settings: Settings,
    run: EvalRun,
    limits: Thresholds,
    json_out: Path | None,
    html_out: Path | None,
) -> None:
    print_run(console, run, limits)
    if json_out:
        write_json(json_out, run_json(run, limits))
    if html_out:
        write_html(html_out, run, limits)
        err.print(f"report written to {html_out}")

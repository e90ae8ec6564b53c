"""The batch progress bar on stderr: files done, pages per second, time left (rich)."""

from __future__ import annotations

from contextlib import contextmanager

from .model import ScanResult


@contextmanager
def progress_bar(console, total: int, enabled: bool):
    """A progress bar on stderr (files, pages per second, ETA); yields ``advance(result)``."""
    if not enabled:
        yield lambda result: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("scan", total=total, rate="")
    pages = 0
    with progress:

        def advance(result: ScanResult) -> None:
            nonlocal pages
            pages += result.pages
            elapsed = progress.tasks[0].elapsed or 0
            progress.update(task, advance=1, rate=f"{pages / elapsed:,.0f} pages/s" if elapsed > 0.5 else "")

        yield advance

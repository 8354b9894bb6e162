"""DiagnosticReport, Finding and SequenceDiagnosticWarning: what a diagnosis says."""

import html
from dataclasses import dataclass, field

__all__ = ["DiagnosticReport", "Finding", "SequenceDiagnosticWarning"]


class SequenceDiagnosticWarning(UserWarning):
    """A sequence classifier fitted, but probably did not learn what it should.

    Emitted by :meth:`skseq.LSTMClassifier.fit`. The message starts with
    the finding's code in brackets and ends with a concrete fix; the
    :class:`Finding` itself is the ``finding`` attribute. Silence all with
    ``warnings.filterwarnings("ignore", category=SequenceDiagnosticWarning)``,
    or one kind by matching its code with the ``message`` argument.

    Examples
    --------
    >>> from skseq.inspection import SequenceDiagnosticWarning
    >>> issubclass(SequenceDiagnosticWarning, UserWarning)
    True
    """


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`diagnose`, with what to do about it.

    Parameters
    ----------
    code : str
        Stable identifier, e.g. ``'loss_at_chance'``.
    severity : {'warning', 'info'}
        ``'warning'``: probably hurts the model (also raised as a
        :class:`SequenceDiagnosticWarning` after fit); ``'info'``: worth
        knowing.
    message : str
        What was found, with the numbers.
    fix : str
        What to change.

    Examples
    --------
    >>> from skseq.inspection import Finding
    >>> print(Finding("x", "info", "Something.", "Do this."))
    [info] x: Something.
        fix: Do this.
    """

    code: str
    severity: str
    message: str
    fix: str

    def __str__(self):
        return f"[{self.severity}] {self.code}: {self.message}\n    fix: {self.fix}"


@dataclass(frozen=True)
class DiagnosticReport:
    """The result of :func:`diagnose`: findings plus the numbers behind them.

    Parameters
    ----------
    findings : tuple of Finding
        Problems found, warnings first.
    summary : dict
        The measurements the findings are based on (class counts, padding
        fraction, chance-level loss, per-feature scale, ...).
    checked : tuple of str
        Codes of the checks that could run (some need a fitted estimator,
        some need ``X``).

    Examples
    --------
    >>> from skseq.inspection import DiagnosticReport
    >>> print(DiagnosticReport(findings=(), summary={}, checked=("x",)))
    No problems found (checked: x).
    """

    findings: tuple = ()
    summary: dict = field(default_factory=dict)
    checked: tuple = ()

    @property
    def codes(self):
        """Codes of all findings, in order."""
        return [f.code for f in self.findings]

    @property
    def warnings(self):
        """Findings of severity ``'warning'``."""
        return [f for f in self.findings if f.severity == "warning"]

    def __iter__(self):
        return iter(self.findings)

    def __len__(self):
        return len(self.findings)

    def __str__(self):
        if not self.findings:
            return f"No problems found (checked: {', '.join(self.checked)})."
        n_warn = len(self.warnings)
        head = (f"{n_warn} warning(s), {len(self.findings) - n_warn} note(s) "
                f"(checked: {', '.join(self.checked)}):")
        return "\n".join([head] + [str(f) for f in self.findings])

    def __repr__(self):
        return f"<DiagnosticReport {self.codes}>"

    def _repr_html_(self):
        if not self.findings:
            return f"<p>{html.escape(str(self))}</p>"
        items = "".join(
            f"<li><b>{html.escape(f.severity)}</b> <code>{html.escape(f.code)}"
            f"</code>: {html.escape(f.message)}<br><i>Fix:</i> "
            f"{html.escape(f.fix)}</li>" for f in self.findings)
        return f"<ul>{items}</ul>"

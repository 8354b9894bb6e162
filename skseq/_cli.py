"""The ``skseq`` command: compare an LSTM with baselines on real data.

``skseq demo`` runs :func:`skseq.inspection.compare_baselines` on a bundled
UCR dataset; ``skseq compare`` on sequences from a long-format CSV file (one
row per sequence id and time step).
"""

import argparse
import contextlib
import lzma
import os
import sys
import time
import warnings
import zipfile

import numpy as np

from .utils._validation import python_scalar

__all__ = ["main"]

_DEMO_DATASET = "ItalyPowerDemand"


class CommandError(Exception):
    """A problem with the user's input; printed without a traceback."""


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="skseq",
        description="Compare an LSTM sequence classifier with simple "
                    "baselines under the same cross-validation.")
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="{demo,compare}")

    def common(p):
        p.add_argument("--cv", type=int, default=5,
                       help="number of stratified folds (default: 5)")
        p.add_argument("--epochs", type=int, default=None,
                       help="maximum LSTM epochs (default: the estimator's "
                            "'auto', about 4,000 gradient steps, with early "
                            "stopping)")
        p.add_argument("--architecture",
                       choices=("auto", "conv_lstm", "lstm", "lstm_fcn"),
                       default="auto", help="LSTM architecture (default: "
                                            "auto)")
        p.add_argument("--random-state", type=int, default=0,
                       help="seed (default: 0)")
        p.add_argument("--n-jobs", type=int, default=None,
                       help="folds fitted in parallel")
        p.add_argument("--output", metavar="FILE",
                       help="also write the table to this CSV file")
        p.add_argument("--no-rocket", dest="rocket", action="store_false",
                       help="leave out the MiniRocket baseline (shown when "
                            "aeon is installed: pip install -e "
                            "'.[baselines]' in skseq's checkout)")
        p.add_argument("--quiet", action="store_true",
                       help="no progress lines on standard error (per model "
                            "and per LSTM fit: epochs, best loss, ETA)")

    demo = sub.add_parser(
        "demo", help="run the comparison on a bundled UCR dataset",
        description="Cross-validate LSTMClassifier and baselines on a "
                    "bundled UCR dataset (train and test splits pooled).")
    from .datasets import UCR_DATASETS

    demo.add_argument("--dataset", choices=UCR_DATASETS,
                      default=_DEMO_DATASET,
                      help=f"dataset (default: {_DEMO_DATASET})")
    common(demo)

    compare = sub.add_parser(
        "compare", help="run the comparison on a long-format CSV file",
        description="Read sequences from a CSV file with one row per "
                    "(sequence id, time step): an id column, a time column, "
                    "a target column (the same label on every row of an id) "
                    "and numeric feature columns (all other columns, or "
                    "--features).")
    compare.add_argument("--csv", required=True, metavar="FILE")
    compare.add_argument("--id", required=True, metavar="COL",
                         help="column naming the sequence of each row")
    compare.add_argument("--time", required=True, metavar="COL",
                         help="column ordering the rows within a sequence")
    compare.add_argument("--target", required=True, metavar="COL",
                         help="column with the label of the sequence")
    compare.add_argument("--features", nargs="+", action="extend",
                         metavar="COL",
                         help="feature columns (default: all other columns)")
    common(compare)
    return parser


def _row(flags):
    """Line in the file of the first True in ``flags`` (after the header)."""
    return int(np.argmax(flags.to_numpy())) + 2


def _infinite(df, col):
    """Which rows of the numeric column ``col`` hold an infinite value."""
    import pandas as pd

    return pd.Series(np.isinf(df[col].to_numpy(float)), index=df.index)


def _first_infinite(df, col):
    """The first infinite value of ``col`` and its line, for a message."""
    is_inf = _infinite(df, col)
    return (f"{python_scalar(df.loc[is_inf, col].iloc[0])!r} in row "
            f"{_row(is_inf)} of the file")


def _parse_times(values, time_col, ids):
    """The time column as dates, read month first or, where that fails (a
    13th day), day first; a warning where both readings parse and order
    the steps of some sequence (``ids``) differently."""
    import pandas as pd

    try:
        # ISO 8601 (2024-01-02, with a time or not) has one reading;
        # dayfirst=True read '2024-01-02 10:00' as the 1st of February.
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        pass
    parsed, errors = {}, []
    for dayfirst in (False, True):
        try:
            with warnings.catch_warnings():
                # pandas' note on the format it inferred from the first row.
                warnings.simplefilter("ignore", UserWarning)
                parsed[dayfirst] = pd.to_datetime(values, dayfirst=dayfirst)
        except (ValueError, TypeError) as exc:
            # pandas' first sentence, without its advice to the caller.
            errors.append(str(exc).split("\n")[0].split(". You might")[0])
    if not parsed:
        # The first value read neither as a number nor as a date, where
        # the others are numbers (one stray cell) or dates.
        bad = pd.to_numeric(values, errors="coerce").isna()
        if bad.all():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                bad = pd.to_datetime(values, errors="coerce",
                                     format="mixed").isna()
        if not bad.any():
            bad = values.notna()
        raise CommandError(
            f"time column {time_col!r} holds a value that is neither a "
            f"number nor a date ({python_scalar(values[bad].iloc[0])!r} in "
            f"row {_row(bad)} of the file; pandas: {errors[0]}), so the "
            "steps cannot be ordered. Write numbers, or dates as "
            "YYYY-MM-DD.")
    if len(parsed) == 2 and not (parsed[False].groupby(ids).rank() ==
                                 parsed[True].groupby(ids).rank()).all():
        warnings.warn(
            f"time column {time_col!r} reads as dates month first and day "
            f"first alike (e.g. {python_scalar(values.iloc[0])!r}); read "
            "month first. Write the dates as YYYY-MM-DD to be sure of the "
            "order.", UserWarning, stacklevel=2)
    return parsed.get(False, parsed.get(True))


def read_long_csv(path, *, id_col, time_col, target_col, features=None):
    """Read ragged sequences and one label per sequence from a long CSV.

    Parameters
    ----------
    path : str
        CSV file, one row per (sequence id, time step).
    id_col, time_col, target_col : str
        Column names.
    features : list of str or None
        Numeric feature columns; ``None`` means every other column.

    Returns
    -------
    X : list of ndarray of shape (n_steps_i, n_features)
        Sequences in order of their id, steps sorted by time.
    y : ndarray of shape (n_sequences,)
        The label of each sequence.
    feature_names : list of str

    Raises
    ------
    CommandError
        Naming the problem: missing file or columns, a file without rows,
        the target, id or time column among the features, non-numeric,
        missing or infinite feature values, missing ids, times or labels,
        labels varying within an id, repeated time steps.
    """
    import pandas as pd

    if os.path.isdir(path):
        raise CommandError(f"{path!r} is a directory; --csv needs a file.")
    if not os.path.isfile(path):
        raise CommandError(f"CSV file {path!r} not found.")
    try:
        df = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, OSError, EOFError,
            zipfile.BadZipFile, lzma.LZMAError) as exc:
        # ParserError and EmptyDataError are ValueErrors; a file whose
        # name says .gz/.zip/.bz2/.xz but whose bytes do not is an OSError,
        # a BadZipFile or an LZMAError.
        raise CommandError(f"cannot read {path!r} as CSV: {exc}") from None
    wanted = [id_col, time_col, target_col] + list(features or [])
    missing = [c for c in dict.fromkeys(wanted) if c not in df.columns]
    if missing:
        raise CommandError(
            f"column(s) {missing} not in {path!r}; its columns are "
            f"{list(df.columns)}.")
    flags = (("--id", id_col), ("--time", time_col), ("--target", target_col))
    for i, (flag, col) in enumerate(flags):
        for other, other_col in flags[i + 1:]:
            if col == other_col:
                raise CommandError(
                    f"{flag} and {other} both name the column {col!r}; a "
                    "sequence's id, its time step and its label are three "
                    "different columns.")
    roles = {target_col: "--target", id_col: "--id", time_col: "--time"}
    leaked = [c for c in dict.fromkeys(features or []) if c in roles]
    if leaked:
        # The target as a feature gives every model a perfect score; the id
        # and the time index are bookkeeping, not measurements.
        col = leaked[0]
        raise CommandError(
            f"--features includes {col!r}, the {roles[col]} column; a "
            "sequence's label, id or time step cannot be one of its "
            "features. Drop it from --features.")
    if df.empty:
        raise CommandError(
            f"{path!r} has a header but no rows; it needs one row per "
            "(sequence id, time step).")
    if features is None:
        features = [c for c in df.columns
                    if c not in (id_col, time_col, target_col)]
    if not features:
        raise CommandError(
            f"{path!r} has no feature columns besides the id, time and "
            "target columns.")
    for c in features:
        # Integers beyond int64 (10**30) are read as Python objects: numbers
        # all the same.
        if not pd.api.types.is_numeric_dtype(df[c]) and df[c].notna().all():
            numbers = pd.to_numeric(df[c], errors="coerce")
            if numbers.notna().all():
                df[c] = numbers
    non_numeric = [c for c in features
                   if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        col = non_numeric[0]
        bad = pd.to_numeric(df[col], errors="coerce").isna() & df[col].notna()
        example = (python_scalar(df.loc[bad, col].iloc[0]) if bad.any()
                   else None)
        raise CommandError(
            f"feature column(s) {non_numeric} are not numeric (e.g. "
            f"{col!r} = {example!r} in row {_row(bad)} of the file); "
            "convert them to numbers, or choose the columns with "
            "--features.")
    nan_cols = [c for c in features if df[c].isna().any()]
    if nan_cols:
        raise CommandError(
            f"feature column(s) {nan_cols} have missing values (first in row "
            f"{_row(df[nan_cols[0]].isna())} of the file); fill or "
            "drop them first.")
    inf_cols = [c for c in features if _infinite(df, c).any()]
    if inf_cols:
        col = inf_cols[0]
        raise CommandError(
            f"feature column(s) {inf_cols} have infinite values (e.g. "
            f"{col!r} = {_first_infinite(df, col)}); replace them with "
            "finite numbers or drop those rows.")
    for col, role in ((target_col, "target"), (id_col, "id"),
                      (time_col, "time")):
        if df[col].isna().any():
            raise CommandError(
                f"{role} column {col!r} has missing values (first in row "
                f"{_row(df[col].isna())} of the file); every row needs "
                f"its {role}.")
    if (pd.api.types.is_numeric_dtype(df[target_col])
            and _infinite(df, target_col).any()):
        raise CommandError(
            f"target column {target_col!r} has infinite values (e.g. "
            f"{_first_infinite(df, target_col)}); every sequence needs a "
            "class label.")
    n_labels = df.groupby(id_col, sort=False)[target_col].nunique()
    varying = n_labels[n_labels > 1]
    if len(varying):
        first = varying.index[0]
        values = sorted(map(str, df.loc[df[id_col] == first,
                                        target_col].unique()))
        first = python_scalar(first)
        raise CommandError(
            f"target {target_col!r} varies within {len(varying)} "
            f"sequence(s), e.g. {id_col}={first!r} has {values}; each "
            "sequence needs a single label.")
    written = df[time_col]
    if not pd.api.types.is_numeric_dtype(df[time_col]):
        df[time_col] = _parse_times(df[time_col], time_col, df[id_col])
    # On the times read: '2024-01-01' and '2024-01-01 00:00' are one step.
    repeated = df.duplicated([id_col, time_col])
    if repeated.any():
        again = _row(repeated) - 2
        same = ((df[id_col] == df[id_col].iloc[again])
                & (df[time_col] == df[time_col].iloc[again]))
        first = _row(same) - 2
        spellings = " and ".join(dict.fromkeys(
            repr(python_scalar(written.iloc[i])) for i in (first, again)))
        raise CommandError(
            f"repeated time step: {id_col}="
            f"{python_scalar(df[id_col].iloc[again])!r} has {time_col}="
            f"{spellings} in rows {first + 2} and {again + 2} of the file, "
            "one step twice.")
    df = df.sort_values([id_col, time_col], kind="stable")
    X, y = [], []
    for _, group in df.groupby(id_col, sort=True):
        X.append(group[features].to_numpy(dtype=np.float64))
        y.append(group[target_col].iloc[0])
    return X, np.asarray(y), list(features)


def _check_options(args):
    """The options' values, before the data are read (a demo runs minutes:
    a bad --output found at its end would lose them)."""
    if args.epochs is not None and args.epochs < 1:
        raise CommandError(f"--epochs must be at least 1; got {args.epochs}.")
    if args.cv < 2:
        raise CommandError(f"--cv must be at least 2; got {args.cv}.")
    features = getattr(args, "features", None) or []
    repeated = [c for c in dict.fromkeys(features) if features.count(c) > 1]
    if repeated:
        raise CommandError(
            f"--features names {repeated[0]!r} more than once; name each "
            "column once.")
    if args.n_jobs == 0:
        raise CommandError(
            "--n-jobs must be a number of processes (1 or more), or -1 for "
            "one per core (-2 for all but one, ...); got 0.")
    if not 0 <= args.random_state < 2**32:
        raise CommandError(
            "--random-state must be between 0 and 2**32 - 1; got "
            f"{args.random_state}.")
    if args.output:
        # abspath drops a trailing separator: 'new/' would check the
        # current directory and fail only when the table is written.
        folder = os.path.dirname(os.path.abspath(args.output))
        if os.path.isdir(args.output) or args.output.endswith(
                tuple(filter(None, (os.sep, os.altsep)))):
            raise CommandError(
                f"--output {args.output!r} names a directory; name a file "
                "in it, e.g. results.csv.")
        if not os.path.isdir(folder):
            problem = ("is a file, not a directory" if os.path.exists(folder)
                       else "does not exist")
            raise CommandError(
                f"--output {args.output!r}: the directory {folder!r} "
                f"{problem}; name a file in an existing directory.")


def _check_cv(y, cv):
    from sklearn.utils.multiclass import type_of_target

    if type_of_target(y) == "continuous":
        example = next(v for v in np.asarray(y).tolist() if v != int(v))
        raise CommandError(
            f"the target column holds continuous values (e.g. {example!r}); "
            "compare classifies sequences: give it class labels (integers "
            "or names).")
    labels, counts = np.unique(y, return_counts=True)
    labels = labels.tolist()
    if len(labels) < 2:
        raise CommandError(
            f"all {len(y)} sequences have the label {labels[0]!r}; at least "
            "two classes are needed.")
    if counts.min() < cv:
        raise CommandError(
            f"class {labels[int(np.argmin(counts))]!r} has only {counts.min()} "
            f"sequence(s), fewer than --cv {cv} folds; lower --cv.")


def format_table(table):
    """Render ``compare_baselines``' result as aligned text, mean ± std."""
    scores = [c[:-5] for c in table.columns
              if c.endswith("_mean") and c != "fit_time_mean"]
    header = ["model"] + scores + ["fit time (s)"]
    rows = []
    for name, row in table.iterrows():
        rows.append([str(name)] + [
            f"{row[f'{s}_mean']:.3f} ± {row[f'{s}_std']:.3f}" for s in scores
        ] + [f"{row['fit_time_mean']:.2f}"])
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def _load(args):
    if args.command == "demo":
        from .datasets import load_ucr

        X_train, X_test, y_train, y_test = load_ucr(args.dataset)
        if isinstance(X_train, list):
            X = list(X_train) + list(X_test)
        else:
            X = np.concatenate([X_train, X_test])
        return X, np.concatenate([y_train, y_test]), args.dataset
    X, y, features = read_long_csv(
        args.csv, id_col=args.id, time_col=args.time,
        target_col=args.target, features=args.features)
    return X, y, (f"{args.csv} ({len(features)} feature(s): "
                  f"{', '.join(features[:5])}{', ...' if len(features) > 5 else ''})")


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send what C++ code writes to file descriptor 2 to /dev/null.

    TensorFlow 2.21 logs its oneDNN notice through absl before absl's
    logging is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` does not hold it
    back; Python's ``sys.stderr`` cannot either (the line is written by C++
    to the descriptor). Only used around the import.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _run(args):
    # Before anything imports TensorFlow (loading the data may): its C++
    # start-up lines are nothing a user can act on.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr_silenced():
        import keras  # noqa: F401
    _check_options(args)
    X, y, source = _load(args)
    _check_cv(y, args.cv)
    lengths = [len(x) for x in X]
    print(f"{source}: {len(y)} sequences of {min(lengths)}-{max(lengths)} "
          f"steps, {len(np.unique(y))} classes; {args.cv}-fold CV",
          file=sys.stderr, flush=True)

    from .inspection import SequenceDiagnosticWarning, compare_baselines
    from .neural_network import LSTMClassifier

    params = {"architecture": args.architecture,
              "random_state": args.random_state}
    if not args.quiet:
        from .callbacks import ProgressLogger

        params["callbacks"] = [ProgressLogger()]
    if args.epochs is not None:
        params["epochs"] = args.epochs
    name = "LSTMClassifier" + (
        f"({args.architecture})" if args.architecture != "auto" else "")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SequenceDiagnosticWarning)
        table = compare_baselines(
            X, y, estimators={name: LSTMClassifier(**params)}, cv=args.cv,
            rocket="auto" if args.rocket else False,
            random_state=args.random_state, n_jobs=args.n_jobs,
            verbose=0 if args.quiet else 1)
    print(format_table(table))
    print(f"({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    # One line per kind of problem, not one per fold.
    seen = {}
    for w in caught:
        if issubclass(w.category, SequenceDiagnosticWarning):
            finding = getattr(w.message, "finding", None)
            seen.setdefault(finding.code if finding else str(w.message),
                            str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename,
                                   w.lineno)
    for message in seen.values():
        print(f"\ndiagnostic (LSTM fit): {message}", file=sys.stderr)
    if args.output:
        table.to_csv(args.output)
        print(f"wrote {args.output}", file=sys.stderr)


def main(argv=None):
    """Run the ``skseq`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 2 when the input is wrong (the message names the
        problem).

    Examples
    --------
    >>> from skseq._cli import main
    >>> main(["compare", "--csv", "no-such.csv", "--id", "id", "--time", "t",
    ...       "--target", "y"])
    2
    """
    args = _build_parser().parse_args(argv)
    try:
        _run(args)
    except CommandError as exc:
        print(f"skseq {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

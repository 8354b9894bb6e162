"""The ``skseq`` command, run in-process on tiny data."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skseq._cli import main, read_long_csv

ARGS = ["--id", "sid", "--time", "t", "--target", "label"]
QUICK = ["--cv", "2", "--epochs", "2"]


def _long_csv(path, n_ids=12, seed=0):
    """One row per (sequence, step), steps shuffled, lengths 3-6."""
    rng = np.random.default_rng(seed)
    rows = []
    for sid in range(n_ids):
        label = "up" if sid % 2 else "down"
        n = int(rng.integers(3, 7))
        for t in range(n):
            value = t * (1 if label == "up" else -1) + rng.normal(0, 0.1)
            rows.append({"sid": f"s{sid}", "t": t, "x": value,
                         "z": rng.normal(), "label": label})
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=seed)
    df.to_csv(path, index=False)
    return df


def test_read_long_csv_builds_ragged_sequences_sorted_by_time(tmp_path):
    path = tmp_path / "long.csv"
    df = _long_csv(path)
    X, y, features = read_long_csv(str(path), id_col="sid", time_col="t",
                                   target_col="label")
    assert features == ["x", "z"]
    assert len(X) == 12 and len(y) == 12
    first = df[df.sid == "s0"].sort_values("t")
    np.testing.assert_allclose(X[0], first[["x", "z"]].to_numpy())
    assert y[0] == "down" and y[1] == "up"  # ids in sorted order: s0, s1


def _read_times(tmp_path, times):
    """read_long_csv of two sequences of three steps at these times, rows
    shuffled: the values of each sequence in the order read."""
    rows = pd.DataFrame({"sid": np.repeat(["a", "b"], 3), "t": times,
                         "x": np.arange(6.0), "label": np.repeat([0, 1], 3)})
    path = tmp_path / "times.csv"
    rows.sample(frac=1.0, random_state=0).to_csv(path, index=False)
    X, _, _ = read_long_csv(str(path), id_col="sid", time_col="t",
                            target_col="label")
    return [x[:, 0].tolist() for x in X]


def test_read_long_csv_reads_dates_day_first_where_only_that_parses(
        tmp_path):
    # 13/01/2020 failed as "neither numbers nor dates"; dates that read
    # both ways are read month first, with a warning; ISO timestamps have
    # one reading (day first read '2020-01-02 10:00' as the 1st of
    # February).
    import warnings

    in_order = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for times in (pd.date_range("2020-01-09", periods=6, freq="D")
                      .strftime("%d/%m/%Y"),
                      pd.date_range("2020-01-01 10:00", periods=6, freq="D")
                      .strftime("%Y-%m-%d %H:%M")):
            assert _read_times(tmp_path, times) == in_order
        # Both readings parse and order each sequence's steps alike (1-6
        # January or 1 January to 1 June): no warning (it warned).
        assert _read_times(tmp_path, pd.date_range(
            "2020-01-01", periods=6, freq="D").strftime("%d/%m/%Y")) == \
            in_order
    # Read month first, sequence a's steps are 1 December, 2 January, 3
    # February; day first, 12 January, 1 February, 2 March.
    times = ["12/01/2020", "01/02/2020", "02/03/2020"] * 2
    with pytest.warns(UserWarning, match="month first and day first alike"):
        assert _read_times(tmp_path, times) == [[1.0, 2.0, 0.0],
                                                [4.0, 5.0, 3.0]]
    with pytest.raises(Exception, match="neither a number nor a date "
                       r"\('step \d' in row \d of the file; pandas"):
        _read_times(tmp_path, [f"step {i}" for i in range(6)])
    # One stray cell among numbers is the one named (the first row was).
    with pytest.raises(Exception, match=r"\('x' in row \d of the file"):
        _read_times(tmp_path, ["0", "1", "2", "3", "x", "5"])


def test_read_long_csv_reads_huge_integers_and_one_instant_written_twice(
        tmp_path):
    # Integers beyond int64 were refused as "not numeric (e.g. 'x' =
    # None)"; two spellings of one instant passed as two steps.
    rows = pd.DataFrame({"sid": np.repeat(["a", "b"], 3),
                         "t": ["2024-01-0%d" % d for d in (1, 2, 3)] * 2,
                         "x": [str(10 ** 30 * k) for k in range(6)],
                         "label": np.repeat([0, 1], 3)})
    path = tmp_path / "big.csv"
    rows.to_csv(path, index=False)
    X, _, _ = read_long_csv(str(path), id_col="sid", time_col="t",
                            target_col="label")
    np.testing.assert_allclose(np.concatenate(X)[:, 0],
                               1e30 * np.arange(6.0))
    rows.loc[4, "t"] = "2024-01-01 00:00"
    rows.to_csv(path, index=False)
    with pytest.raises(Exception, match="repeated time step: sid='b' has "
                       "t='2024-01-01' and '2024-01-01 00:00' in rows 5 and "
                       "6 of the file, one step twice"):
        read_long_csv(str(path), id_col="sid", time_col="t",
                      target_col="label")


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.zip", ".csv.bz2",
                                    ".csv.xz"])
def test_a_file_not_compressed_as_named_exits_2(tmp_path, capsys, suffix):
    # A traceback (gzip.BadGzipFile, zipfile.BadZipFile) and exit 1.
    path = tmp_path / ("data" + suffix)
    path.write_text("sid,t,x,label\ns0,0,1.0,up\n")
    assert main(["compare", "--csv", str(path), *ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skseq compare: error: cannot read ")
    assert main(["compare", "--csv", str(tmp_path), *ARGS]) == 2
    assert "is a directory; --csv needs a file" in capsys.readouterr().err


def test_compare_prints_table(tmp_path, capsys):
    path = tmp_path / "long.csv"
    _long_csv(path)
    out = tmp_path / "table.csv"
    assert main(["compare", "--csv", str(path), *ARGS, *QUICK,
                 "--no-rocket", "--output", str(out)]) == 0
    captured = capsys.readouterr()
    assert "LSTMClassifier" in captured.out
    assert "Dummy (most frequent)" in captured.out and "±" in captured.out
    assert "MiniRocket" not in captured.out
    assert "[5/5] LSTMClassifier" in captured.err  # progress per model
    # ... and per LSTM fit (skseq.callbacks.ProgressLogger), one per fold.
    assert captured.err.count("epoch 1/2, best ") == 2
    assert captured.err.count("done, 2/2 epochs") == 2
    table = pd.read_csv(out, index_col=0)
    assert len(table) == 5 and "accuracy_mean" in table


def test_quiet_prints_no_progress(tmp_path, capsys):
    path = tmp_path / "long.csv"
    _long_csv(path)
    assert main(["compare", "--csv", str(path), *ARGS, *QUICK,
                 "--no-rocket", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "LSTMClassifier" in captured.out  # the table is still printed
    assert "epoch 1/" not in captured.err
    assert "[5/5]" not in captured.err


def test_demo_runs_quickly(capsys):
    assert main(["demo", "--dataset", "ItalyPowerDemand", "--cv", "2",
                 "--epochs", "1"]) == 0
    captured = capsys.readouterr()
    assert "ItalyPowerDemand: 1096 sequences" in captured.err
    assert "RandomForest (summary)" in captured.out
    try:
        import aeon  # noqa: F401
    except ImportError:  # the baseline is shown only with aeon installed
        assert "MiniRocket" not in captured.out
    else:
        assert "MiniRocket + ridge (aeon)" in captured.out


@pytest.mark.parametrize("edit, args, message", [
    (None, ["--csv", "missing.csv"], "CSV file 'missing.csv' not found"),
    (None, ["--target", "klass"], "column(s) ['klass'] not in"),
    (lambda df: df.assign(z=df.z.astype(str).where(df.index != 3, "abc")),
     [], "feature column(s) ['z'] are not numeric"),
    (lambda df: df.assign(label=df.label.where(df.index != 0, "other")),
     [], "target 'label' varies within 1 sequence(s)"),
    (lambda df: df.assign(x=df.x.where(df.index != 2)),
     [], "feature column(s) ['x'] have missing values"),
    (lambda df: pd.concat([df, df.iloc[:1]]), [], "repeated time step"),
    (None, ["--cv", "7"], "fewer than --cv 7 folds"),
    (None, ["--epochs", "0"], "--epochs must be at least 1"),
    # Refused before the data are read: the last three raised tracebacks
    # (--output only once the whole comparison had run).
    (None, ["--n-jobs", "0"], "--n-jobs must be a number of processes"),
    (None, ["--random-state", "-1"], "--random-state must be between 0 and"),
    (None, ["--output", "no_such_dir/table.csv"],
     "the directory '"),
    (None, ["--output", "."], "names a directory; name a file"),
    # A trailing separator passed (abspath drops it) and the run failed
    # when it wrote the table, at its end.
    (None, ["--output", "new_dir/"], "'new_dir/' names a directory"),
    (None, ["--output", os.devnull + "/table.csv"],
     "is a file, not a directory"),
    (lambda df: df.assign(label=np.where(df.label == "up", 0.0, np.inf)),
     [], "target column 'label' has infinite values (e.g. inf in row"),
    (None, ["--time", "sid"], "--id and --time both name the column 'sid'"),
    (None, ["--target", "t"], "--time and --target both name the column"),
    (lambda df: df.assign(label=np.where(df.label == "up", 0.5, 1.5)), [],
     "holds continuous values (e.g. "),
    (lambda df: df.iloc[:0], [], "has a header but no rows"),
    (lambda df: df.assign(x=df.x.where(df.index != 4, np.inf)), [],
     "feature column(s) ['x'] have infinite values (e.g. 'x' = inf in row"),
    (lambda df: df.assign(z=df.z.where(df.index != 4, -np.inf)), [],
     "replace them with finite numbers"),
    # The target among the features made every model score 1.000.
    (None, ["--features", "label"],
     "--features includes 'label', the --target column"),
    (None, ["--features", "sid"], "'sid', the --id column"),
    (None, ["--features", "t"], "'t', the --time column"),
    (lambda df: df.assign(sid=df.sid.where(df.index != 5)), [],
     "id column 'sid' has missing values"),
    (lambda df: df.assign(t=df.t.where(df.index != 5)), [],
     "time column 't' has missing values"),
    # Integer ids print as Python ints, not np.int64(0).
    (lambda df: df.assign(sid=df.sid.str[1:].astype(int),
                          label=df.label.where(df.index != 0, "other")),
     [], "e.g. sid=0 has"),
    (lambda df: pd.concat([df, df.iloc[:1]]).assign(
        sid=lambda d: d.sid.str[1:].astype(int)), [],
     "repeated time step: sid="),
])
def test_errors_exit_2_naming_the_problem(tmp_path, capsys, edit, args,
                                          message):
    path = tmp_path / "long.csv"
    df = _long_csv(path)
    if edit is not None:
        edit(df).to_csv(path, index=False)
    argv = ["compare", "--csv", str(path), *ARGS, "--cv", "2"]
    for i in range(0, len(args), 2):  # later options win in argparse
        argv += args[i:i + 2]
    if args and args[0] == "--csv":
        argv = ["compare", *args, *ARGS]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("skseq compare: error: ")
    assert message in err
    # One line naming the problem: no traceback, no NumPy scalar reprs.
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "np.int64" not in err and "np.float64" not in err


def test_options_are_refused_before_the_data_are_read(tmp_path, capsys):
    # No such file: an option's error shows that it came first (--cv was
    # checked only after a whole CSV had been read).
    missing = str(tmp_path / "missing.csv")
    for extra, message in ((["--cv", "1"], "--cv must be at least 2"),
                           (["--features", "x", "z", "x"],
                            "--features names 'x' more than once"),
                           # Given twice, the second list replaced the
                           # first; now they add up.
                           (["--features", "x", "--features", "x"],
                            "--features names 'x' more than once")):
        assert main(["compare", "--csv", missing, *ARGS, *extra]) == 2
        assert message in capsys.readouterr().err


def test_python_dash_m_skseq_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "skseq", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: skseq")
    assert "compare" in done.stdout and "demo" in done.stdout


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--csv", "x.csv"])
    assert exc.value.code == 2
    assert "required" in capsys.readouterr().err

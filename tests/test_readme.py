"""The README's usage example runs as printed (``python -m pytest -m slow``)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_usage_example(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    search = namespace["search"]
    assert set(search.best_params_) == {"units", "pooling"}
    assert search.score(namespace["X_test"], namespace["y_test"]) > 0.8
    assert namespace["proba"].shape == (5, 9)

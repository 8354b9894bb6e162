"""Searches and cross-validation on a real Dask cluster (skseq.parallel).

The cluster is a real ``LocalCluster`` of two single-threaded worker
processes, started and closed here. Every comparison is between the same
search run on the cluster and with ``n_jobs=1`` in this process.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skseq import LSTMClassifier
from skseq.parallel import (
    _limit_threads_in_dask_worker,
    dask_backend,
    limit_worker_threads,
    local_cluster,
    thread_env,
)

distributed = pytest.importorskip("distributed")

# A loaded 2-core machine starts worker processes slowly.
TIMEOUT = "180s"
GRID = {"learning_rate": [1e-3, 5e-2]}
GRID_FIRST = {"learning_rate": 1e-3}
CV = StratifiedKFold(2)
# Continuous scores: equal accuracies would hide different fits.
SCORING = "neg_log_loss"


def _data():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 8, 2)).astype("float32")
    X[y == 1, :, 0] += 1.0
    return X, y


def _estimator():
    return LSTMClassifier(units=4, epochs=2, random_state=0)


def _search(n_jobs=None):
    # refit=False: best_params_ and cv_results_ are all that is compared,
    # and every fit costs seconds on a loaded machine.
    return GridSearchCV(_estimator(), GRID, scoring=SCORING, cv=CV,
                        n_jobs=n_jobs, refit=False)


@pytest.fixture(scope="module")
def client():
    cluster = local_cluster(n_workers=2, threads_per_worker=1,
                            processes=True, dashboard_address=None,
                            death_timeout=TIMEOUT)
    # Not the default client: dask_backend must use the one it is given.
    client = distributed.Client(cluster, timeout=TIMEOUT, set_as_default=False)
    try:
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def local_search():
    X, y = _data()
    return _search(n_jobs=1).fit(X, y)


def test_workers_start_with_bounded_threads(client):
    envs = client.run(lambda: {k: os.environ.get(k)
                               for k in thread_env(1)})
    assert len(envs) == 2
    for env in envs.values():
        assert env["TF_NUM_INTRAOP_THREADS"] == "1"
        assert env["TF_NUM_INTEROP_THREADS"] == "1"
        assert env["OMP_NUM_THREADS"] == "1"
        assert "--xla_cpu_multi_thread_eigen=false" in env["XLA_FLAGS"]


def test_grid_search_on_dask_equals_n_jobs_1(client, local_search):
    X, y = _data()
    with distributed.get_task_stream(client) as stream, \
            dask_backend(client, scatter=[X, y]):
        dask_search = _search().fit(X, y)
    # The fits ran on the workers, not in a silent fall-back in this process.
    names = " ".join(str(task["key"]) for task in stream.data)
    assert "_fit_and_score" in names
    assert dask_search.best_params_ == local_search.best_params_
    for key in ["mean_test_score", "split0_test_score", "split1_test_score"]:
        np.testing.assert_allclose(dask_search.cv_results_[key],
                                   local_search.cv_results_[key],
                                   rtol=1e-5, atol=1e-6)
    # The two candidates really differ, so best_params_ is a real choice.
    scores = local_search.cv_results_["mean_test_score"]
    assert abs(scores[0] - scores[1]) > 1e-3


def test_cross_validate_on_dask_equals_n_jobs_1(client, local_search):
    X, y = _data()
    with dask_backend(client):
        remote = cross_validate(
            _estimator().set_params(**GRID_FIRST), X, y, cv=CV,
            scoring=SCORING, return_estimator=True, return_indices=True)
    # cross_validate with n_jobs=1 fits exactly the search's first
    # candidate on the same folds: its scores are the n_jobs=1 reference.
    local = [local_search.cv_results_[f"split{i}_test_score"][0]
             for i in range(2)]
    np.testing.assert_allclose(remote["test_score"], local,
                               rtol=1e-5, atol=1e-6)
    # Fitted models come back from the workers (pickled) and still give
    # the score they were given there.
    for estimator, test, score in zip(remote["estimator"],
                                      remote["indices"]["test"],
                                      remote["test_score"]):
        proba = estimator.predict_proba(X[test])[:, 1]
        np.testing.assert_allclose(-log_loss(y[test], proba), score,
                                   rtol=1e-5, atol=1e-6)


def test_dask_backend_errors_name_the_fix():
    with pytest.raises(ValueError, match="no Dask client"):
        with dask_backend():
            pass


def test_dask_backend_rejects_a_bare_array(client):
    X, _ = _data()
    with pytest.raises(ValueError, match=r"scatter=\[X, y\]"):
        with dask_backend(client, scatter=X):
            pass


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_thread_counts_are_validated(bad):
    with pytest.raises(ValueError, match="positive int"):
        thread_env(bad)
    with pytest.raises(ValueError, match=r"n_workers must be a positive int "
                       r"\(worker processes\)"):
        local_cluster(n_workers=bad)


def test_thread_env_keeps_the_users_xla_flags():
    env = thread_env(1, xla_flags="--xla_force_host_platform_device_count=2 "
                                  "--xla_cpu_multi_thread_eigen=true")
    flags = env["XLA_FLAGS"].split()
    assert "--xla_force_host_platform_device_count=2" in flags
    assert "--xla_cpu_multi_thread_eigen=false" in flags
    assert "--xla_cpu_multi_thread_eigen=true" not in flags
    assert "XLA_FLAGS" not in thread_env(2)
    assert thread_env(3)["TF_NUM_INTEROP_THREADS"] == "3"


def test_limit_worker_threads_on_a_plain_cluster():
    # A cluster started without skseq: the nanny plugin restarts the
    # worker with the variables set (the restart clears what the hook set).
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1,
                                  processes=True, dashboard_address=None,
                                  death_timeout=TIMEOUT) as cluster, \
            distributed.Client(cluster, timeout=TIMEOUT) as client:
        client.wait_for_workers(1, timeout=TIMEOUT)
        # The estimator's hook: a worker nobody bounded bounds itself to
        # its Dask threads; this process is no worker and is left alone.
        assert _limit_threads_in_dask_worker() is None
        # A fit in the worker runs the hook before TensorFlow starts.
        X, y = np.random.default_rng(0).normal(size=(8, 3, 1)), [0, 1] * 4
        hooked = client.submit(
            lambda: (LSTMClassifier(units=2, epochs=1, random_state=0)
                     .fit(X, y), os.environ.get("TF_NUM_INTRAOP_THREADS"))[1],
            pure=False).result(timeout=180)
        assert hooked == "1"
        limit_worker_threads(client, n_threads=2)
        client.wait_for_workers(1, timeout=TIMEOUT)
        envs = client.run(lambda: os.environ.get("TF_NUM_INTRAOP_THREADS"))
    assert list(envs.values()) == ["2"]


def _run_python(code):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_NUM_", "OMP_NUM", "XLA_FLAGS"))}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


# TensorFlow's pools are process-wide and fixed at the first op, so each
# case runs in a fresh interpreter.
_LIMIT_THEN_TOO_LATE = """
    import os, warnings
    from skseq.parallel import limit_threads
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        limit_threads({n})
    import tensorflow as tf
    x = tf.random.normal((200, 200))
    for _ in range(5):
        tf.matmul(x, x)
    threads = len(os.listdir("/proc/self/task"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        limit_threads({n} + 1)
    [w] = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    print(threads, repr(str(w.message)))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"),
                    reason="counts threads through Linux's /proc")
def test_limit_threads_bounds_tensorflow_and_warns_when_too_late():
    one, message = _run_python(_LIMIT_THEN_TOO_LATE.format(n=1)).split(" ", 1)
    eight, _ = _run_python(_LIMIT_THEN_TOO_LATE.format(n=8)).split(" ", 1)
    # Each of TensorFlow's two pools grows by 7 threads from 1 to 8.
    assert int(eight) - int(one) >= 7
    # Once TensorFlow runs, a new limit is refused with the fix named.
    assert "limit_threads(2) came after TensorFlow started" in message
    assert "before the first fit" in message
    assert "TF_NUM_INTRAOP_THREADS='2'" in message


_THREADED_WORKER = """
    import os, warnings
    import numpy as np
    import distributed
    from skseq import LSTMClassifier
    from skseq.parallel import local_cluster
    X, y = np.random.default_rng(0).normal(size=(8, 3, 1)), [0, 1] * 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with local_cluster(n_workers=1, processes=False,
                           dashboard_address=None) as cluster, \\
                distributed.Client(cluster) as client:
            client.submit(lambda: LSTMClassifier(units=2, epochs=1,
                                                 random_state=0).fit(X, y),
                          pure=False).result(timeout=180)
    late = [str(w.message) for w in caught if "limit_threads" in str(
        w.message)]
    print(repr((os.environ.get("TF_NUM_INTRAOP_THREADS"),
                os.environ.get("OMP_NUM_THREADS"), late)))
"""


def test_a_worker_thread_leaves_the_callers_process_alone():
    # LocalCluster(processes=False): the hook bounded the caller's own
    # process to one thread for good (and warned that it came too late).
    assert _run_python(_THREADED_WORKER) == repr((None, None, []))

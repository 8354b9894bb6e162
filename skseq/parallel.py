"""Searches and cross-validation on a Dask cluster, with bounded threads.

scikit-learn's ``GridSearchCV``, ``RandomizedSearchCV`` and
``cross_validate`` hand their fits to joblib; joblib's ``"dask"`` backend
hands them on to a ``dask.distributed`` cluster. Nothing here schedules
anything: these helpers only start workers whose numerical libraries use
their share of the cores, and open joblib's Dask backend with the data sent
to the workers once.

TensorFlow and XLA start as many threads as the machine has cores, and
TensorFlow fixes its thread pools at its first operation. Two workers that
each use all cores slow each other down, and changing the limit afterwards
raises ``RuntimeError`` inside TensorFlow. So the limit is set through
environment variables before a worker imports TensorFlow or JAX.

Dask is an optional dependency: ``pip install -e ".[dask]"``.
"""

import contextlib
import os
import sys
import warnings
from numbers import Integral

__all__ = [
    "dask_backend",
    "limit_threads",
    "limit_worker_threads",
    "local_cluster",
    "thread_env",
]

# XLA's CPU backend (JAX, TensorFlow with jit_compile=True) has no "n
# threads" setting; its Eigen pool can only be switched off, i.e. one thread.
_XLA_ONE_THREAD = ("--xla_cpu_multi_thread_eigen=false",
                   "intra_op_parallelism_threads=1")


def _check_n_threads(n_threads, name="n_threads"):
    if (isinstance(n_threads, bool) or not isinstance(n_threads, Integral)
            or n_threads < 1):
        what = ("worker processes" if name == "n_workers"
                else "threads per worker process")
        raise ValueError(
            f"{name} must be a positive int ({what}), got {n_threads!r}. "
            f"Pass e.g. {name}=1.")
    return int(n_threads)


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "skseq.parallel needs dask.distributed: "
            'pip install -e ".[dask]" in skseq\'s checkout') from exc
    return distributed


def thread_env(n_threads=1, *, xla_flags=None):
    """Environment variables that bound TensorFlow, XLA and OpenMP threads.

    Set them in a process before it imports TensorFlow or JAX, e.g. as
    ``LocalCluster(env=thread_env(1))`` or in the shell that starts
    ``dask worker``.

    Parameters
    ----------
    n_threads : int, default=1
        Threads for TensorFlow's intra-op and inter-op pools and OpenMP.
    xla_flags : str or None, default=None
        ``XLA_FLAGS`` to extend; ``None`` reads this process's variable, so
        flags the user set (e.g. a host device count) are kept.

    Returns
    -------
    env : dict of str to str
        ``TF_NUM_INTRAOP_THREADS``, ``TF_NUM_INTEROP_THREADS``,
        ``OMP_NUM_THREADS`` and, for one thread, ``XLA_FLAGS``.

    Examples
    --------
    >>> from skseq.parallel import thread_env
    >>> env = thread_env(2)
    >>> env["TF_NUM_INTRAOP_THREADS"], env["OMP_NUM_THREADS"]
    ('2', '2')
    """
    n_threads = _check_n_threads(n_threads)
    env = {"TF_NUM_INTRAOP_THREADS": str(n_threads),
           "TF_NUM_INTEROP_THREADS": str(n_threads),
           "OMP_NUM_THREADS": str(n_threads)}
    if n_threads == 1:
        flags = (os.environ.get("XLA_FLAGS", "") if xla_flags is None
                 else xla_flags).split()
        # Drop an earlier setting of the same flag so ours is the one read.
        flags = [f for f in flags
                 if not f.startswith(("--xla_cpu_multi_thread_eigen",
                                      "intra_op_parallelism_threads"))]
        env["XLA_FLAGS"] = " ".join([*flags, *_XLA_ONE_THREAD])
    return env


def limit_threads(n_threads=1):
    """Bound the threads TensorFlow, XLA and OpenMP use in this process.

    Call it before the first model is built: at the top of a script, or in
    a worker before it runs a fit. TensorFlow fixes its thread pools at its
    first operation and JAX reads ``XLA_FLAGS`` when it first picks a
    device; after that the limit cannot change and this function warns,
    naming the fix, instead of failing.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per pool (see :func:`thread_env`). XLA is bounded only for
        ``n_threads=1``, the only bound its CPU backend offers.

    Returns
    -------
    env : dict of str to str
        The environment variables that were set.

    Warns
    -----
    RuntimeWarning
        When TensorFlow or JAX has already started with other settings.

    Examples
    --------
    At the top of a script, before anything builds a model:

    >>> from skseq.parallel import limit_threads
    >>> env = limit_threads(1)  # doctest: +SKIP
    """
    env = thread_env(n_threads)
    os.environ.update(env)
    too_late = []
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        threading = tf.config.threading
        try:
            threading.set_intra_op_parallelism_threads(int(n_threads))
            threading.set_inter_op_parallelism_threads(int(n_threads))
        except RuntimeError:
            too_late.append("TensorFlow")
    if n_threads == 1 and "jax" in sys.modules:
        try:
            from jax._src import xla_bridge
            started = xla_bridge.backends_are_initialized()
        except (ImportError, AttributeError):  # private API moved: assume so
            started = True
        if started:
            too_late.append("JAX")
    if too_late:
        warnings.warn(
            f"limit_threads({n_threads}) came after {' and '.join(too_late)} "
            "started, so its thread pools keep their size. Call "
            "skseq.parallel.limit_threads before the first fit or model, or "
            "set these variables before Python starts: "
            + " ".join(f"{k}='{v}'" for k, v in env.items()),
            RuntimeWarning, stacklevel=2)
    return env


def local_cluster(n_workers=2, threads_per_worker=1, **kwargs):
    """A ``dask.distributed.LocalCluster`` whose workers bound their threads.

    Each worker is a process with ``threads_per_worker`` threads for Dask
    tasks and the same number for TensorFlow, OpenMP (and XLA for one), so
    ``n_workers * threads_per_worker`` should not exceed the cores.

    Parameters
    ----------
    n_workers : int, default=2
        Worker processes.
    threads_per_worker : int, default=1
        Dask threads per worker, and the thread bound of each worker's
        numerical libraries.
    **kwargs
        Passed to ``LocalCluster`` (``memory_limit``, ``dashboard_address``,
        ...). An ``env`` dict is merged over :func:`thread_env`. With
        ``processes=False`` the workers are threads of this process and no
        bound is set: call :func:`limit_threads` yourself.

    Returns
    -------
    cluster : distributed.LocalCluster
        Close it (or use it in a ``with`` block) when done.

    Examples
    --------
    >>> from distributed import Client
    >>> from skseq.parallel import local_cluster
    >>> with local_cluster(n_workers=1, processes=False,
    ...                    dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         print(sum(client.nthreads().values()))
    1
    """
    distributed = _import_distributed()
    n_workers = _check_n_threads(n_workers, "n_workers")
    threads_per_worker = _check_n_threads(threads_per_worker,
                                          "threads_per_worker")
    kwargs = dict(kwargs)
    if kwargs.get("processes", True):
        kwargs["env"] = {**thread_env(threads_per_worker),
                         **(kwargs.get("env") or {})}
    return distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=threads_per_worker, **kwargs)


def limit_worker_threads(client, n_threads=1):
    """Bound the threads of every worker of a cluster started elsewhere.

    For clusters started with ``dask scheduler`` / ``dask worker``,
    dask-jobqueue or Kubernetes: registers distributed's ``Environ`` nanny
    plugin with :func:`thread_env`, which sets the variables in each
    worker's nanny and **restarts the workers** so that they start with
    them (data held by the workers is lost: call it before a search, not
    during one). Workers that join later get them too. Workers started
    without a nanny (``--no-nanny``) are not covered: set the variables in
    their environment instead.

    Parameters
    ----------
    client : distributed.Client
        Client of the cluster.
    n_threads : int, default=1
        Threads per worker process, usually the workers' ``--nthreads``.

    Returns
    -------
    client : distributed.Client
        The same client.

    Examples
    --------
    >>> from distributed import Client
    >>> from skseq.parallel import limit_worker_threads
    >>> client = Client("tcp://scheduler:8786")  # doctest: +SKIP
    >>> limit_worker_threads(client, n_threads=1)  # doctest: +SKIP
    """
    _import_distributed()
    from distributed.diagnostics.plugin import Environ

    client.register_plugin(Environ(thread_env(n_threads)),
                           name="skseq-thread-env")
    return client


def _limit_threads_in_dask_worker():
    """Bound this process's threads if it is a Dask worker nobody bounded.

    Meant to run at the start of ``fit`` (a hook for the estimator): on a
    cluster started without :func:`local_cluster` or
    :func:`limit_worker_threads`, each worker would otherwise let
    TensorFlow use every core. Uses the worker's thread count. Does nothing
    outside a worker, in a worker that is a thread of a process with a
    scheduler or client (``LocalCluster(processes=False)``: the caller's
    own process), or when ``TF_NUM_INTRAOP_THREADS`` is already set.

    Returns
    -------
    env : dict of str to str or None
        The variables set, or None when nothing was done.
    """
    if ("distributed" not in sys.modules
            or "TF_NUM_INTRAOP_THREADS" in os.environ):
        return None
    distributed = sys.modules["distributed"]
    try:
        worker = distributed.get_worker()
    except ValueError:
        return None
    if getattr(worker, "nanny", None) is None and (
            any(True for _ in distributed.Scheduler._instances)
            or any(True for _ in distributed.Client._instances)):
        # A worker thread in the caller's own process (LocalCluster(
        # processes=False): no nanny, the scheduler or the client beside
        # it; a nanny's worker is a process of its own, even where a task
        # made a client there): bounding would change the caller's process
        # for good, as local_cluster's docstring says it does not.
        # distributed has no public "same process as the client" test; its
        # instance registries are the closest.
        return None
    return limit_threads(max(1, int(worker.state.nthreads)))


@contextlib.contextmanager
def dask_backend(client=None, *, scatter=None, **kwargs):
    """Run scikit-learn's joblib-parallel work on a Dask cluster.

    A thin wrapper of ``joblib.parallel_config(backend="dask", ...)``.
    Inside it, ``GridSearchCV``, ``RandomizedSearchCV``, ``cross_validate``
    and anything else that uses joblib send their tasks to the cluster's
    workers; ``n_jobs=None`` then means all worker threads.

    Parameters
    ----------
    client : distributed.Client or None, default=None
        Client to use; ``None`` takes the current default client.
    scatter : list of objects or None, default=None
        Large arguments (usually ``[X, y]``) sent to every worker once for
        the whole block. Without it, joblib still sends each large argument
        once per ``Parallel`` call (search, then any later one), not once
        per task. Only these exact objects are matched (by identity): pass
        the arrays you give to ``fit``.
    **kwargs
        Passed to ``joblib.parallel_config`` (``n_jobs``, ``verbose``) and
        to joblib's Dask backend (``wait_for_workers_timeout``).

    Yields
    ------
    client : distributed.Client
        The client in use.

    Examples
    --------
    >>> import joblib
    >>> from distributed import Client
    >>> from skseq.parallel import dask_backend, local_cluster
    >>> with local_cluster(n_workers=1, processes=False,
    ...                    dashboard_address=None) as cluster:
    ...     with Client(cluster) as client, dask_backend(client):
    ...         squares = joblib.Parallel()(
    ...             joblib.delayed(pow)(i, 2) for i in range(4))
    >>> squares
    [0, 1, 4, 9]
    """
    distributed = _import_distributed()
    import joblib

    if client is None:
        try:
            client = distributed.get_client()
        except ValueError as exc:
            raise ValueError(
                "dask_backend found no Dask client. Start one first, e.g. "
                "client = distributed.Client(skseq.parallel.local_cluster()) "
                "or distributed.Client('tcp://scheduler-address:8786'), and "
                "pass it: dask_backend(client).") from exc
    if scatter is not None and not isinstance(scatter, (list, tuple)):
        raise ValueError(
            f"scatter must be a list of the objects to send once, got "
            f"{type(scatter).__name__}. Pass e.g. scatter=[X, y].")
    with joblib.parallel_config(backend="dask", client=client,
                                scatter=list(scatter) if scatter else None,
                                **kwargs):
        yield client

"""Bundled real time series (one long series each, for windowing).

``mauna_loa_co2.csv.gz`` is the weekly Mauna Loa CO2 record shipped by
statsmodels (``statsmodels/datasets/co2/co2.csv``, BSD-3-Clause package; the
data themselves are in the public domain), gzipped unchanged.
"""

import gzip
import io
from importlib import resources

import pandas as pd
from sklearn.utils._param_validation import validate_params

__all__ = ["load_co2"]


@validate_params({"interpolate": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_co2(*, interpolate=True):
    """Load the weekly Mauna Loa atmospheric CO2 series (1958-2001).

    Weekly averages of continuous measurements at the Mauna Loa
    Observatory, Hawaii, in ppmv, from 29 March 1958 to 29 December 2001:
    2284 weeks, 59 of them without a measurement. The series rises by about
    1.5 ppmv a year with a seasonal cycle of about 6 ppmv, plus weekly noise,
    so the direction of the next change is partly predictable.

    Source: Keeling, C.D. and T.P. Whorf (2004), "Atmospheric CO2
    concentrations derived from flask air samples at sites in the SIO
    network", in *Trends: A Compendium of Data on Global Change*, CDIAC, Oak
    Ridge National Laboratory. Public domain. The file is the one shipped by
    statsmodels (``statsmodels.datasets.co2``, BSD-3-Clause).

    Parameters
    ----------
    interpolate : bool, default=True
        Fill the 59 missing weeks by linear interpolation in time. With
        ``False`` they are NaN (which :func:`make_windows` rejects).

    Returns
    -------
    co2 : pandas.Series of shape (2284,)
        CO2 concentration in ppmv, float64, indexed by the week's date
        (``DatetimeIndex``, weekly on Saturdays), named ``'co2'``.

    Examples
    --------
    >>> from skseq.datasets import load_co2
    >>> co2 = load_co2()
    >>> len(co2), str(co2.index[0].date()), round(float(co2.iloc[-1]), 1)
    (2284, '1958-03-29', 371.5)
    >>> int(load_co2(interpolate=False).isna().sum())
    59
    """
    path = resources.files("skseq.datasets") / "data" / "mauna_loa_co2.csv.gz"
    with path.open("rb") as fh:
        text = gzip.decompress(fh.read()).decode("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype={"date": str})
    index = pd.DatetimeIndex(pd.to_datetime(frame["date"], format="%Y%m%d"),
                             name="date")
    co2 = pd.Series(frame["co2"].to_numpy(dtype=float), index=index, name="co2")
    if interpolate:
        co2 = co2.interpolate(method="time")
    return co2

"""Purged cross-validation of windows cut from one real series.

The weekly Mauna Loa CO2 record (1958-2001) is cut into overlapping windows
with :func:`skseq.datasets.make_windows`, and an LSTM is compared with a
logistic regression in one ``GridSearchCV`` evaluated by
:class:`skseq.model_selection.PurgedTimeSeriesSplit`. The last two sections
show what the purge is for: a shuffled ``KFold`` on the same windows reports
skill that isn't there, on this series and on pure noise.

Runs in about two minutes on two CPU cores.
"""

# %%
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skseq import LSTMClassifier
from skseq.datasets import load_co2, make_windows
from skseq.model_selection import PurgedTimeSeriesSplit

START = time.perf_counter()

# %% [markdown]
# ## The question
# CO2 rises every year, with a seasonal cycle on top, so "will it be higher
# in three months?" is easy. The interesting question is whether growth is
# speeding up: **will CO2 grow more over the next 13 weeks than over the same
# 13 weeks a year earlier?** El Nino years speed growth up for months, so
# there is some signal, but not much.
#
# Each sample is a 60-week window of the series; its label is read 13 weeks
# after the window's last week. Windows start every week, so neighbouring
# windows share 59 weeks of input and 12 of their 13 label weeks.

# %%
WINDOW, HORIZON, YEAR = 60, 13, 52

co2 = load_co2()


def grows_faster_than_a_year_before(past, future):
    """1 if the next HORIZON weeks add more CO2 than the same weeks did a
    year earlier (both measured from the window, no look-ahead beyond
    ``future``)."""
    growth = future[-1, 0] - past[-1, 0]
    year_before = past[-YEAR - 1 + HORIZON, 0] - past[-YEAR - 1, 0]
    return int(growth > year_before)


X, y, index = make_windows(co2, WINDOW, horizon=HORIZON,
                           target=grows_faster_than_a_year_before,
                           return_index=True)
print(f"{len(co2)} weeks -> X {X.shape}, {y.mean():.0%} positive labels")
print("first window:", co2.index[index.start[0]].date(), "to",
      co2.index[index.end[0]].date(), "label read on",
      co2.index[index.label_time[0]].date())

# %% [markdown]
# ## LSTM against logistic regression, in one grid search
# Both models see each window relative to its last value (the level itself
# only says which decade it is). The logistic regression needs flat
# vectors; the LSTM takes the ``(n_windows, 60, 1)`` array as it is. One
# ``Pipeline`` whose ``flatten`` and ``clf`` steps are part of the grid lets
# ``GridSearchCV`` rank both on exactly the same purged splits.
#
# ``PurgedTimeSeriesSplit`` is built with the windowing's ``window`` and
# ``horizon``: before every test fold it drops the 72 training windows that
# share a week (inputs or label) with the first test window.


# %%
def relative_to_last(X):
    return X - X[:, -1:, :]


def flatten(X):
    return X.reshape(len(X), -1)


cv = PurgedTimeSeriesSplit(n_splits=3, window=WINDOW, horizon=HORIZON)
pipe = Pipeline([
    ("relative", FunctionTransformer(relative_to_last)),
    ("flatten", FunctionTransformer(flatten)),
    ("clf", LogisticRegression()),
])
lstm = LSTMClassifier(units=16, epochs=15, batch_size=64, learning_rate=3e-3,
                      n_iter_no_change=5, mask_value=None, random_state=0)
logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
grid = [
    # mask_value=None: a relative value of exactly 0 is data, not padding.
    {"flatten": ["passthrough"], "clf": [lstm], "clf__units": [8, 16]},
    {"clf": [logistic], "clf__logisticregression__C": [0.01, 0.1, 1.0]},
]
search = GridSearchCV(pipe, grid, cv=cv, scoring="balanced_accuracy")
search.fit(X, y)

results = pd.DataFrame(search.cv_results_)
results["model"] = [type(p["clf"]).__name__ if not hasattr(p["clf"], "steps")
                    else "LogisticRegression" for p in results["params"]]
results["setting"] = [
    f"units={p['clf__units']}" if "clf__units" in p
    else f"C={p['clf__logisticregression__C']}" for p in results["params"]]
print(results[["model", "setting", "mean_test_score", "std_test_score",
               "mean_fit_time"]].round(3).to_string(index=False))
print("best:", results.loc[search.best_index_, ["model", "setting"]].tolist())
for k, (train, test) in enumerate(cv.split(X)):
    print(f"split {k}: train weeks {index.start[train[0]]}-"
          f"{index.label_time[train[-1]]}, test weeks "
          f"{index.start[test[0]]}-{index.label_time[test[-1]]}")

# %% [markdown]
# ## The leak: shuffled KFold against the purged split
# A shuffled ``KFold`` puts, for nearly every test window, its neighbours one
# week earlier and later into training. A model that can memorise them (here
# 5 nearest neighbours on the raw weekly levels) reads off their labels,
# which share 12 of 13 weeks with the test label. The logistic regression
# cannot memorise, so its two scores agree; that is no proof for another
# model, which is why the purged split is the one to trust.

# %%
knn = make_pipeline(FunctionTransformer(flatten), KNeighborsClassifier(5))
shuffled = KFold(n_splits=5, shuffle=True, random_state=0)
purged = PurgedTimeSeriesSplit(n_splits=5, window=WINDOW, horizon=HORIZON)
logistic_relative = make_pipeline(FunctionTransformer(relative_to_last),
                                  FunctionTransformer(flatten), logistic)
for name, model in [("5-NN on levels", knn),
                    ("logistic regression", logistic_relative)]:
    leaky = cross_val_score(model, X, y, cv=shuffled,
                            scoring="balanced_accuracy").mean()
    honest = cross_val_score(model, X, y, cv=purged,
                             scoring="balanced_accuracy").mean()
    print(f"{name:>20}: shuffled KFold {leaky:.3f}, purged {honest:.3f}")

# %% [markdown]
# ## The same leak on pure noise
# A random walk has nothing to predict: whether it is higher in 13 steps is
# a coin flip. With the same windows, the shuffled ``KFold`` still reports
# skill; the purged split reports chance (0.5 balanced accuracy).

# %%
walk = np.cumsum(np.random.default_rng(0).normal(size=len(co2)))
X_noise, y_noise = make_windows(walk, WINDOW, horizon=HORIZON,
                                target="direction")
leaky = cross_val_score(knn, X_noise, y_noise, cv=shuffled,
                        scoring="balanced_accuracy").mean()
honest = cross_val_score(knn, X_noise, y_noise, cv=purged,
                         scoring="balanced_accuracy").mean()
print(f"random walk, 5-NN: shuffled KFold {leaky:.3f}, purged {honest:.3f}")
print(f"total time {time.perf_counter() - START:.0f} s")

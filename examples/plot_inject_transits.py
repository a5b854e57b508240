"""
Inject a physically modelled transit and find it again
======================================================

Simulate K2-like curves, inject a batman transit of known parameters with
:class:`~sklearn_lcgan.TransitInjector`, then detrend the curve and fold it at
the injected period: a dip invisible in the raw curve appears where the
parameter table says.
"""

# %%
import matplotlib.pyplot as plt

from sklearn_lcgan import TransitInjector, make_kepler_like
from sklearn_lcgan.plotting import plot_injection
from sklearn_lcgan.preprocessing import Detrender, OutlierClipper

X, y = make_kepler_like(20, planet_fraction=0.0, random_state=7)

# %%
# Draw the planets, then inject exactly those: the table says what went where.
injector = TransitInjector(snr=15.0, period=(2.0, 8.0), random_state=0).fit(X)
params = injector.draw_params(X)
X_injected, params = injector.inject(X, params, return_params=True)
print(params[["period", "t0", "rp", "duration", "n_transits", "snr", "depth"]].head())

# %%
# Remove the stellar variability and fold at the injected period.
residual = OutlierClipper().fit_transform(
    Detrender(window=1.0).fit_transform(X_injected)
)
fig = plot_injection(X[0], X_injected[0], residual[0], params.iloc[0])
plt.show()

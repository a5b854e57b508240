"""
Generate light curves with a GAN, with real transits on top
===========================================================

Train :class:`~sklearn_lcgan.TransitCurveGenerator` on simulated non-host
curves, draw new curves in the training units, and draw planet hosts whose
transits come from batman through a :class:`~sklearn_lcgan.TransitInjector`.
A few epochs on a CPU; the realism measures tell how far the samples are.
"""

# %%
import matplotlib.pyplot as plt

from sklearn_lcgan import TransitCurveGenerator, TransitInjector, make_kepler_like
from sklearn_lcgan.metrics import discriminative_score, psd_distance
from sklearn_lcgan.plotting import plot_losses, plot_real_generated

X, _ = make_kepler_like(300, n_points=800, planet_fraction=0.0, random_state=0)
held_out, _ = make_kepler_like(100, n_points=800, planet_fraction=0.0, random_state=1)

gan = TransitCurveGenerator(
    max_epochs=4, transit_injector=TransitInjector(snr=20.0), random_state=0
).fit(X)

# %%
# Plain samples, and planet hosts with the parameters of their transits.
samples, _ = gan.sample(100, random_state=0)
planets, labels, params = gan.sample(3, y=1, random_state=1, return_params=True)
print(params[["period", "t0", "snr", "depth"]])
print("discriminative score", discriminative_score(held_out, samples))
print("PSD distance", psd_distance(held_out, samples))

# %%
plot_real_generated(held_out, samples, planets)
plot_losses(gan.history_)
plt.show()

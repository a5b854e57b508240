"""
Fooling rate: does the detector call generated curves planets?
==============================================================

The prototype's study: a detector is asked about curves drawn from a GAN,
before and after batman transits are injected into them.
"""

# %%
import matplotlib.pyplot as plt

from sklearn_lcgan import (
    TransitCurveGenerator,
    TransitInjector,
    TransitOversampler,
    make_detection_pipeline,
    make_kepler_like,
)
from sklearn_lcgan.experiments import fooling_rate
from sklearn_lcgan.plotting import plot_fooling

X, y = make_kepler_like(300, n_points=800, planet_fraction=0.05, random_state=0)
X_aug, y_aug = TransitOversampler(random_state=0).fit_resample(X, y)
detector = make_detection_pipeline(
    classifier__max_epochs=5, classifier__random_state=0
).fit(X_aug, y_aug)

gan = TransitCurveGenerator(max_epochs=3, random_state=0).fit(X[y == 0])
generated, _ = gan.sample(200, random_state=0)

# %%
result = fooling_rate(detector, generated, injector=TransitInjector(random_state=0))
print(f"called planets: {result.rate_before:.2f} before, {result.rate_after:.2f} after")
plot_fooling(result.proba_before, result.proba_after, result.by_snr)
plt.show()

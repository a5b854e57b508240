"""
Injection-recovery: the completeness map of a detector
======================================================

Inject batman transits over a grid of SNR and period into curves without
planets and count what the detector recovers, at a threshold that flags 5 %
of the curves without injections.
"""

# %%
import matplotlib.pyplot as plt

from sklearn_lcgan import (
    TransitInjector,
    TransitOversampler,
    make_detection_pipeline,
    make_kepler_like,
)
from sklearn_lcgan.experiments import injection_recovery
from sklearn_lcgan.plotting import plot_completeness

X, y = make_kepler_like(300, n_points=800, planet_fraction=0.05, random_state=0)
X_aug, y_aug = TransitOversampler(random_state=0).fit_resample(X, y)
detector = make_detection_pipeline(
    classifier__max_epochs=5, classifier__random_state=0
).fit(X_aug, y_aug)

base, _ = make_kepler_like(60, n_points=800, planet_fraction=0.0, random_state=1)
table = injection_recovery(
    detector,
    base,
    TransitInjector(random_state=0),
    {"snr": [5.0, 10.0, 20.0, 40.0], "period": [0.5, 1.5, 4.0, 8.0]},
    false_positive_rate=0.05,
)
print(table)

# %%
plot_completeness(table)
plt.show()

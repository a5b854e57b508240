"""
Detect transits: grid search over preprocessing and network together
====================================================================

:func:`~sklearn_lcgan.make_detection_pipeline` chains detrending,
normalisation, clipping and the LSTM detector; ``GridSearchCV`` tunes the
detrending window and the network width at once.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.metrics import RocCurveDisplay
from sklearn.model_selection import GridSearchCV

from sklearn_lcgan import make_detection_pipeline, make_kepler_like

X, y = make_kepler_like(300, n_points=800, snr=(15.0, 40.0), random_state=0)
X_test, y_test = make_kepler_like(150, n_points=800, snr=(15.0, 40.0), random_state=1)

search = GridSearchCV(
    make_detection_pipeline(
        classifier__max_epochs=4, classifier__random_state=0, classifier__batch_size=32
    ),
    {"detrender__window": [0.5, 1.0], "classifier__module__hidden_size": [16, 32]},
    scoring="roc_auc",
    cv=2,
).fit(X, y)
print(search.best_params_, round(search.best_score_, 3))

# %%
RocCurveDisplay.from_estimator(search.best_estimator_, X_test, y_test)
plt.title("Detector on held-out simulated curves")
plt.show()

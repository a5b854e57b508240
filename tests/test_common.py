"""scikit-learn's estimator checks over every estimator of the package."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lcgan import LightCurveClassifier, TransitInjector, TransitOversampler
from sklearn_lcgan.preprocessing import (
    Detrender,
    FluxNormalizer,
    FourierMagnitude,
    GapFiller,
    GaussianSmoother,
    NotchFilter,
    OutlierClipper,
    RotationFilter,
)

# sklearn's checks use curves of a few points: with unit cadence, short periods
# and fine supersampling, a transit fits in them and lands on a cadence.
SHORT_CURVE_INJECTOR = TransitInjector(
    cadence=1.0,
    period=(1.0, 3.0),
    a=(3.0, 5.0),
    supersample_factor=101,
    min_transits=1,
    random_state=0,
)

ESTIMATORS = [
    FluxNormalizer(),
    Detrender(),
    OutlierClipper(),
    GapFiller(),
    FourierMagnitude(),
    GaussianSmoother(),
    # At unit cadence sklearn's curves of a few points span a few days.
    RotationFilter(cadence=1.0),
    NotchFilter(period=3.0, cadence=1.0),
    SHORT_CURVE_INJECTOR,
    TransitOversampler(injector=SHORT_CURVE_INJECTOR, random_state=0),
    # A tiny network: sklearn's checks fit it dozens of times.
    LightCurveClassifier(
        max_epochs=3,
        batch_size=16,
        module__patch_size=2,
        module__hidden_size=8,
        module__num_layers=1,
        train_split=None,
        random_state=0,
    ),
]

_NO_NOISE = (
    "sklearn's data holds constant curves or curves with one valid cadence; "
    "mode='snr' has no noise to scale a transit to and refuses them (tested in "
    "test_injection.py, as is pickling)"
)
EXPECTED_FAILED_CHECKS = {
    "LightCurveClassifier": {
        "check_no_attributes_set_in_init": (
            "skorch's NeuralNet sets history_, initialized_ and virtual_params_ in "
            "__init__ and stores module__* routing parameters as attributes"
        ),
        "check_set_params": (
            "skorch lists every non-underscore-suffixed attribute as a parameter, "
            "its private _params_to_validate set included; set_params(<float>) on "
            "it breaks skorch's own set_params"
        ),
        "check_class_weight_classifiers": (
            "the 3-epoch network of this check does not reach sklearn's balanced "
            "accuracy bar; class_weight is tested in test_classifier.py"
        ),
    },
    "TransitInjector": {
        "check_estimators_dtypes": _NO_NOISE,
        "check_estimators_pickle": _NO_NOISE,
        "check_estimators_pickle(readonly_memmap=True)": _NO_NOISE,
    },
}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

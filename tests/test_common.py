"""scikit-learn's estimator checks over every estimator of the package."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lcgan import TransitInjector
from sklearn_lcgan.preprocessing import (
    Detrender,
    FluxNormalizer,
    FourierMagnitude,
    GapFiller,
    GaussianSmoother,
    OutlierClipper,
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
    SHORT_CURVE_INJECTOR,
]

_NO_NOISE = (
    "sklearn's data holds constant curves or curves with one valid cadence; "
    "mode='snr' has no noise to scale a transit to and refuses them (tested in "
    "test_injection.py, as is pickling)"
)
EXPECTED_FAILED_CHECKS = {
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

"""imbalanced-learn's own sampler checks on TransitOversampler (sklearn's run
in test_common.py)."""

import pytest

from sklearn_lcgan import TransitInjector, TransitOversampler

imblearn_checks = pytest.importorskip("imblearn.utils.estimator_checks")

# imbalanced-learn's checks use curves of 2 to 20 points: with unit cadence
# and fine supersampling, a transit fits in them and lands on a cadence.
OVERSAMPLER = TransitOversampler(
    injector=TransitInjector(
        cadence=1.0,
        period=(1.0, 3.0),
        a=(3.0, 5.0),
        supersample_factor=101,
        min_transits=1,
    ),
    random_state=0,
)

EXPECTED_FAILED_CHECKS = {
    "check_samplers_nan": (
        "its data are curves of one point; a transit needs at least two (NaN "
        "gaps are tested in test_injection.py)"
    ),
    "check_samplers_multiclass_ova": (
        "the oversampler makes planet hosts of one positive label; a one-hot "
        "target has no label to name"
    ),
}


@imblearn_checks.parametrize_with_checks(
    [OVERSAMPLER], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_imbalanced_learn_compatible_sampler(estimator, check):
    check(estimator)

"""Physical and statistical constants; imports nothing."""

KEPLER_LONG_CADENCE = 0.0204335  # days (29.4 min)
# K2 fired its thrusters every 5.9 hours to correct the roll (Van Cleve et al.
# 2016): the sawtooth systematic of K2 light curves repeats at this period.
K2_THRUSTER_PERIOD = 0.2452  # days
# The median absolute deviation of a Gaussian times this is its sigma.
MAD_TO_SIGMA = 1.482602218505602

# Number of coefficients each batman limb-darkening law takes.
LIMB_DARKENING_COEFFICIENTS = {
    "uniform": 0,
    "linear": 1,
    "quadratic": 2,
    "squareroot": 2,
    "logarithmic": 2,
    "exponential": 2,
    "power2": 2,
    "nonlinear": 4,
}

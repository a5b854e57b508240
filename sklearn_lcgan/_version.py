"""The package's version and the format of its model files and pickles."""

__version__ = "0.1.0.dev0"

# The layout of fitted networks that model files and pickles record; a file of
# another format is refused rather than read wrongly.
# 10: the noise filters keep their knot-to-bin weights in two parts.
# 11: the package moved its networks to sklearn_lcgan.nn's modules by role.
# 12: the generators record their latent size and output scaling; the
#     component generator lost its noise_falls_above.
# 13: spikes, flares and outliers are estimated in fit, not trained.
# 14: the component generator keeps the training curves' noise spectra and
#     the quantiles of their outliers' sizes.
# 15: ... and how heavy each one's noise tails are.
MODEL_FORMAT = 15

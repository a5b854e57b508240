import copy
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lcgan import (
    TransitCurveGenerator,
    TransitInjector,
    _curve_shape,
    make_kepler_like,
)
from sklearn_lcgan._gan_training import AdversarialNet, adversarial_net
from sklearn_lcgan._robust import robust_noise
from sklearn_lcgan.metrics import (
    discriminative_score,
    mmd,
    psd_distance,
    transit_recovery_rate,
)

TINY = {
    "generator__latent_dim": 8,
    "generator__hidden_sizes": (32,),
    "critic__hidden_sizes": (8,),
    "critic__patch_size": 16,
    "batch_size": 32,
}
# The component synthesiser with everything that reads the curves' summaries,
# the spectral loss lighter than by default.
SUMMARIES = {
    "generator": "components",
    "critic__spectrum": True,
    "critic__quantiles": True,
    "loss__spectral_weight": 10.0,
}


@pytest.fixture(scope="module")
def curves():
    X, y = make_kepler_like(128, n_points=512, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def conditional_gan(curves):
    X, y = curves
    return TransitCurveGenerator(max_epochs=3, random_state=0, **TINY).fit(X, y)


# -- sklearn's checks for fit, our own for sample ---------------------------------
@parametrize_with_checks(
    [
        TransitCurveGenerator(max_epochs=2, random_state=0, **TINY),
        TransitCurveGenerator(max_epochs=2, generator="dense", random_state=0, **TINY),
    ],
    expected_failed_checks=lambda est: {
        "check_no_attributes_set_in_init": (
            "the routed prefix__ settings are stored as attributes, as skorch's "
            "NeuralNet stores module__* (tested in "
            "test_settings_are_routed_by_prefix_as_skorch_does)"
        )
    },
)
def test_sklearn_compatible_generator(estimator, check):
    check(estimator)


def test_sample_shape_dtype_labels_and_units(curves, conditional_gan):
    X, y = curves
    samples, labels = conditional_gan.sample(50, random_state=0)
    assert samples.shape == (50, 512) and samples.dtype == np.float64
    assert set(labels) <= {0, 1}
    # Back in the training units: the scatter spans the training stars'.
    spread = samples.std(axis=1)
    assert spread.min() >= 0.2 * X.std(axis=1).min()
    assert spread.max() <= 5 * X.std(axis=1).max()
    only_hosts, host_labels = conditional_gan.sample(7, y=1, random_state=0)
    assert (host_labels == 1).all() and only_hosts.shape == (7, 512)


def test_sample_seeds_and_no_retraining(conditional_gan):
    weights = [p.detach().clone() for p in conditional_gan.generator_.parameters()]
    a = conditional_gan.sample(10, random_state=3)[0]
    b = conditional_gan.sample(10, random_state=3)[0]
    c = conditional_gan.sample(10, random_state=4)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    for before, after in zip(
        weights, conditional_gan.generator_.parameters(), strict=True
    ):
        assert np.array_equal(before.numpy(), after.detach().numpy())


def test_samples_do_not_depend_on_the_number_of_threads(
    conditional_gan, set_torch_threads, monkeypatch
):
    import sklearn_lcgan._gan_sampling

    # Each chunk is drawn from its own seed and generated with torch on one
    # core, on whichever thread takes it.
    monkeypatch.setattr(sklearn_lcgan._gan_sampling, "SAMPLE_CHUNK", 4)
    set_torch_threads(1)
    one = conditional_gan.sample(9, random_state=2)[0]
    set_torch_threads(3)
    three = conditional_gan.sample(9, random_state=2)[0]
    np.testing.assert_array_equal(one, three)


def test_sample_leaves_torch_thread_count_as_it_was(
    conditional_gan, set_torch_threads, monkeypatch
):
    import threading

    import torch

    import sklearn_lcgan._gan_sampling

    monkeypatch.setattr(sklearn_lcgan._gan_sampling, "SAMPLE_CHUNK", 4)
    set_torch_threads(3)
    conditional_gan.sample(9, random_state=2)
    assert torch.get_num_threads() == 3
    # Threads started later take the caller's count, not the sampling
    # threads' one core each.
    seen = []
    later = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    later.start()
    later.join()
    assert seen == [3]


def test_samples_in_several_chunks_fill_every_row(conditional_gan, monkeypatch):
    import sklearn_lcgan._gan_sampling

    one_chunk, labels = conditional_gan.sample(9, random_state=2)
    # Chunks of at most 4 curves: three of 3.
    monkeypatch.setattr(sklearn_lcgan._gan_sampling, "SAMPLE_CHUNK", 4)
    X, chunked_labels = conditional_gan.sample(9, random_state=2)
    np.testing.assert_array_equal(chunked_labels, labels)
    assert np.isfinite(X).all()
    assert len(np.unique(X, axis=0)) == 9  # no row drawn twice or left out
    # Each row on a training curve's scale, as in one chunk.
    spread = np.std(X, axis=1)
    assert spread.min() > 0.2 * np.std(one_chunk, axis=1).min()
    np.testing.assert_array_equal(X, conditional_gan.sample(9, random_state=2)[0])


def test_each_chunk_of_samples_reads_fresh_draws(curves, monkeypatch):
    import sklearn_lcgan._gan_sampling

    X, _ = curves
    # Without a noise head, a curve is a function of its latent draws alone.
    gan = TransitCurveGenerator(
        generator="dense",
        generator__noise_head=False,
        max_epochs=1,
        random_state=0,
        **TINY,
    ).fit(X)
    monkeypatch.setattr(sklearn_lcgan._gan_sampling, "SAMPLE_CHUNK", 4)
    samples, _ = gan.sample(9, random_state=2)
    # Each sample takes a training curve's level and scale: compare shapes.
    shapes = (samples - samples.mean(1, keepdims=True)) / samples.std(1, keepdims=True)
    gaps = np.abs(shapes[:, None] - shapes[None]).max(axis=2)
    assert gaps[np.triu_indices(9, 1)].min() > 1e-3  # no chunk reread the last's


def test_clone_and_refit_give_equal_samples(curves, conditional_gan):
    X, y = curves
    again = clone(conditional_gan).fit(X, y)
    np.testing.assert_allclose(
        again.sample(5, random_state=1)[0],
        conditional_gan.sample(5, random_state=1)[0],
        rtol=1e-5,
    )
    copy = pickle.loads(pickle.dumps(conditional_gan))
    np.testing.assert_array_equal(
        copy.sample(5, random_state=1)[0], conditional_gan.sample(5, random_state=1)[0]
    )


def test_pickles_of_other_model_formats_are_refused_clearly(conditional_gan):
    from sklearn_lcgan._version import MODEL_FORMAT as FORMAT

    state = conditional_gan.__getstate__()
    assert state["_model_format"] == FORMAT
    older = TransitCurveGenerator()
    with pytest.raises(ValueError, match="pickled with model format 4;.*refit"):
        older.__setstate__({**state, "_model_format": 4})
    del state["_model_format"]  # pickled before the format was recorded
    with pytest.raises(ValueError, match="pickled with an earlier version"):
        older.__setstate__(state)
    # An unfitted generator has no networks to mismatch.
    unfitted = TransitCurveGenerator(optimizer__lr=1e-3)
    assert pickle.loads(pickle.dumps(unfitted)).optimizer__lr == 1e-3


def test_not_fitted_and_bad_requests(curves, conditional_gan):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TransitCurveGenerator().sample(3)
    with pytest.raises(ValueError, match="n_samples must be a positive int"):
        conditional_gan.sample(0)
    with pytest.raises(ValueError, match="not a class seen in fit"):
        conditional_gan.sample(3, y=7)
    X, _ = curves
    with pytest.raises(ValueError, match="curve 0 has no finite flux.*GapFiller"):
        TransitCurveGenerator(**TINY).fit(np.where(X > 1e12, 0, np.nan))
    gappy = X.copy()
    gappy[3, 10:20] = np.nan
    with pytest.raises(ValueError, match="curve 3 has gaps .*1 such curves"):
        TransitCurveGenerator(**TINY).fit(gappy)
    with pytest.raises(ValueError, match="every curve is constant"):
        TransitCurveGenerator(**TINY).fit(np.ones_like(X))
    flat = X.copy()
    flat[5] = 2.0
    with pytest.warns(UserWarning, match="curve 5 is constant .*Drop them"):
        TransitCurveGenerator(max_epochs=1, **TINY).fit(flat)
    with pytest.warns(UserWarning, match="fewer than batch_size=32; each step"):
        TransitCurveGenerator(max_epochs=1, **TINY).fit(X[:20])
    plain = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    with pytest.raises(ValueError, match="no transit_injector .*no refit needed"):
        plain.sample(3, y=1)
    with pytest.raises(ValueError, match="fitted without labels, so y may mark"):
        plain.sample(3, y=[0, 2, 0])
    samples, labels = plain.sample(3, y=0, random_state=0)
    assert samples.shape == (3, X.shape[1]) and (labels == 0).all()
    with pytest.raises(ValueError, match="X has 100 features, but"):
        plain.score(X[:, :100])


def test_history_and_verbose_progress(curves, capsys):
    X, _ = curves
    gan = TransitCurveGenerator(max_epochs=2, verbose=1, random_state=0, **TINY)
    gan.fit(X)
    assert [h["epoch"] for h in gan.history_] == [1, 2]
    assert np.isfinite(gan.history_[:, "critic_loss"]).all()
    assert all(h["dur"] > 0 for h in gan.history_)
    # Each epoch's loss is the mean of its steps'.
    steps = gan.history_[0, "batches", :, "critic_loss"]
    assert len(steps) == len(X) // TINY["batch_size"]
    assert np.isclose(gan.history_[0, "critic_loss"], np.mean(steps))
    shown = capsys.readouterr()
    assert "critic_loss" in shown.out and "generator_loss" in shown.out
    assert "it/s" in shown.err or "%" in shown.err  # skorch's progress bar
    TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    assert capsys.readouterr() == ("", "")


def diverges_in_epoch_two(monkeypatch):
    """Make training's generator loss turn NaN in the second epoch."""
    step = AdversarialNet.generator_step

    def generator_step(self, real, labels, real_summary):
        loss, spectral = step(self, real, labels, real_summary)
        return (float("nan") if len(self.history_) == 2 else loss), spectral

    monkeypatch.setattr(AdversarialNet, "generator_step", generator_step)


def interrupted_in_epoch_two(monkeypatch):
    """Make the user interrupt training (Ctrl-C) in the second epoch."""
    step = AdversarialNet.critic_step

    def critic_step(self, real, labels, real_summary):
        if len(self.history_) == 2:
            raise KeyboardInterrupt
        return step(self, real, labels, real_summary)

    monkeypatch.setattr(AdversarialNet, "critic_step", critic_step)


def test_diverging_training_stops_with_clear_error_and_last_good_weights(
    curves, monkeypatch
):
    X, _ = curves
    one_epoch = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    diverges_in_epoch_two(monkeypatch)
    gan = TransitCurveGenerator(max_epochs=3, random_state=0, **TINY)
    with pytest.raises(
        FloatingPointError, match="diverged at epoch 2.*Lower optimizer__lr"
    ):
        gan.fit(X)
    assert len(gan.history_) == 1
    np.testing.assert_array_equal(
        gan.sample(4, random_state=0)[0], one_epoch.sample(4, random_state=0)[0]
    )


def test_real_summaries_computed_once_are_those_of_each_batch(curves, monkeypatch):
    import torch

    X, _ = curves
    step = AdversarialNet.critic_step
    checked = []

    def critic_step(self, real, labels, real_summary):
        torch.testing.assert_close(real_summary, self.critic_.summary(real))
        torch.testing.assert_close(real_summary, self.spectrum_(real))
        checked.append(True)
        return step(self, real, labels, real_summary)

    monkeypatch.setattr(AdversarialNet, "critic_step", critic_step)
    TransitCurveGenerator(max_epochs=2, random_state=0, **SUMMARIES, **TINY).fit(X)
    assert len(checked) == 2 * (len(X) // TINY["batch_size"])


def test_interrupted_training_keeps_last_good_weights_and_says_so(curves, monkeypatch):
    X, _ = curves
    one_epoch = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    interrupted_in_epoch_two(monkeypatch)
    gan = TransitCurveGenerator(max_epochs=3, random_state=0, **TINY)
    with pytest.warns(UserWarning, match="interrupted in epoch 2.*epoch 1 are kept"):
        gan.fit(X)
    assert len(gan.history_) == 1
    np.testing.assert_array_equal(
        gan.sample(4, random_state=0)[0], one_epoch.sample(4, random_state=0)[0]
    )


def test_interrupted_training_resumes_from_its_checkpoint(
    curves, tmp_path, monkeypatch
):
    X, _ = curves
    params = dict(random_state=0, checkpoint_dir=str(tmp_path), **TINY)
    with monkeypatch.context() as patched:
        interrupted_in_epoch_two(patched)
        with pytest.warns(UserWarning, match="interrupted in epoch 2"):
            TransitCurveGenerator(max_epochs=3, **params).fit(X)
    # The checkpoint holds the last finished epoch, not the interrupted one.
    resumed = TransitCurveGenerator(max_epochs=3, **params).fit(X)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3]
    one_epoch = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    assert resumed.history_[0]["critic_loss"] == one_epoch.history_[0]["critic_loss"]


def test_bfloat16_sampling_is_close_to_float32(conditional_gan):
    exact, labels = conditional_gan.sample(20, random_state=0)
    gan = copy.copy(conditional_gan).set_params(sample_precision="bfloat16")
    fast, fast_labels = gan.sample(20, random_state=0)
    assert fast.dtype == np.float64 and (fast_labels == labels).all()
    # bfloat16 keeps about 3 significant digits of the network's outputs.
    error = np.abs(fast - exact).max(axis=1) / exact.std(axis=1)
    assert 0 < np.median(error) < 0.03 and error.max() < 0.1
    with pytest.raises(ValueError, match="sample_precision must be"):
        gan.set_params(sample_precision="float16").sample(2)


def test_upsampled_output_joins_knots_with_straight_lines(curves):
    import torch

    from sklearn_lcgan.nn import FCGenerator

    torch.manual_seed(0)
    generator = FCGenerator(
        50, latent_dim=4, hidden_sizes=(8,), noise_head=False, upsample=4
    )
    assert generator.out.out_features == 14  # a knot every ~4 of 50 points
    z = torch.randn(3, 4)
    with torch.no_grad():
        knots = generator.out(generator.body(z)).numpy()
        smooth = generator(z).numpy()
    grid = np.linspace(0, 49, 14)
    expected = [np.interp(np.arange(50), grid, row) for row in knots]
    np.testing.assert_allclose(smooth, expected, rtol=1e-5, atol=1e-6)
    X, _ = curves
    gan = TransitCurveGenerator(
        generator="dense", generator__upsample=5, max_epochs=1, random_state=0, **TINY
    )
    assert gan.fit(X[:, :511]).sample(3, random_state=0)[0].shape == (3, 511)


def test_packed_critic_scores_curves_together(curves):
    import torch

    from sklearn_lcgan.nn import PatchLSTMCritic

    torch.manual_seed(0)
    critic = PatchLSTMCritic(8, (4,), minibatch_std=False, pack=3)
    X = torch.randn(7, 40)
    with torch.no_grad():
        scores = critic(X)
        X[4] += 1.0  # second curve of the second pack
        changed = critic(X)
    assert scores.shape == (2,)  # 7 curves make two packs of 3
    assert changed[0] == scores[0] and changed[1] != scores[1]
    X, y = curves
    gan = TransitCurveGenerator(max_epochs=1, critic__pack=4, random_state=0, **TINY)
    samples, _ = gan.fit(X, y).sample(5, random_state=0)
    assert samples.shape == (5, 512) and np.isfinite(samples).all()
    with pytest.raises(ValueError, match="critic__pack=40 needs at least 40 curves"):
        gan.set_params(critic__pack=40).fit(X)


def test_coloured_noise_passes_white_noise_through_each_curves_filter():
    import torch

    from sklearn_lcgan.nn import FCGenerator

    torch.manual_seed(0)
    # 3197 points: the filter runs on FFTs padded to 3200 points.
    generator = FCGenerator(
        3197, latent_dim=4, hidden_sizes=(8,), upsample=3197, coloured_noise=True
    )
    for layer in (generator.out, generator.noise_gain):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    generator.star_log_gains.zero_()  # the network's change is the gain
    # The white noise's spectrum, complex standard normal.
    assert generator.white_shape == (1601,)
    assert generator.white_dtype == torch.complex64
    z, white = torch.randn(3, 4), torch.randn(3, 1601, dtype=torch.complex64)
    with torch.no_grad():
        # A flat gain of 1 gives unit white noise: the drawn spectrum, but
        # for the real-only bins 0 and Nyquist, whose real parts are scaled
        # by sqrt(2). Without gradients the filter works in place: white is
        # overwritten.
        flat = generator(z, white=white.clone()).numpy()
    scale = np.r_[np.sqrt(2), np.ones(1599), np.sqrt(2)]
    spectrum = white.numpy() * scale
    expected = np.fft.irfft(spectrum, n=3200, norm="ortho")[:, :3197]
    np.testing.assert_allclose(flat, expected, atol=1e-5)
    assert abs(flat.var() - 1.0) < 0.05
    with torch.no_grad():
        generator.noise_gain.bias.fill_(-20.0)
        generator.noise_gain.bias[9] = 0.0  # the knot at bin 10, alone
        peaked = generator(z, white=white.clone()).numpy()
    power = np.abs(np.fft.rfft(peaked, n=3200, axis=1)) ** 2
    assert (power[:, 9:12].sum(axis=1) > 0.99 * power.sum(axis=1)).all()


def test_spectral_loss_brings_the_noise_colour_closer(curves):
    X, _ = curves
    settings = dict(
        generator="dense",
        generator__coloured_noise=True,
        max_epochs=40,
        optimizer__lr=1e-3,
        random_state=0,
    )
    plain = TransitCurveGenerator(**settings, **TINY).fit(X)
    spectral = TransitCurveGenerator(
        loss__spectral_weight=100.0, **settings, **TINY
    ).fit(X)
    assert "spectral_mmd" not in plain.history_[0]
    first, last = spectral.history_[0], spectral.history_[-1]
    assert last["spectral_mmd"] < first["spectral_mmd"]
    distance = [
        psd_distance(X, gan.sample(200, random_state=0)[0]) for gan in (plain, spectral)
    ]
    assert distance[1] < 0.95 * distance[0]


def _check_conditional_sampling(gan):
    """Chosen classes, repeatable seeds and finite bfloat16 samples."""
    samples, labels = gan.sample(6, y=[0, 1, 0, 1, 0, 1], random_state=0)
    assert samples.shape == (6, 512) and np.isfinite(samples).all()
    np.testing.assert_array_equal(samples, gan.sample(6, y=labels, random_state=0)[0])
    gan.set_params(sample_precision="bfloat16")
    assert np.isfinite(gan.sample(6, y=labels, random_state=0)[0]).all()


def test_coloured_noise_conditional_samples_and_bad_settings(curves):
    X, y = curves
    dense = dict(generator="dense", generator__coloured_noise=True, **TINY)
    gan = TransitCurveGenerator(
        max_epochs=1, loss__spectral_weight=10.0, random_state=0, **dense
    ).fit(X, y)
    _check_conditional_sampling(gan)
    with pytest.raises(ValueError, match="generator__noise_head=False; set one"):
        TransitCurveGenerator(generator__noise_head=False, **dense).fit(X)


def test_spectral_mmd_and_log_power_bands():
    import torch

    from sklearn_lcgan.nn import LogPowerBands, rbf_mmd

    torch.manual_seed(0)
    a = torch.randn(32, 5)
    assert rbf_mmd(a, a).item() == pytest.approx(0.0, abs=1e-6)
    assert rbf_mmd(a, a + 1.0).item() > 0.1
    time = torch.arange(400, dtype=torch.float32)
    rotation = torch.sin(2 * torch.pi * 7 * time / 400)[None, :]
    bands = LogPowerBands(400)(rotation)[0]
    assert int(bands.argmax()) == 6  # the band of bin 7 alone
    for n_points in (2, 150, 200, 3197):  # every band holds a bin, at any length
        assert torch.isfinite(LogPowerBands(n_points)(torch.randn(3, n_points))).all()
    # White noise of 1 % of the scatter shows above the floor: 3.3 times
    # quieter, the top bands drop by about log(2e-4 / 1.09e-4) = 0.6 (by 0.01 with
    # a floor of 1e-2).
    torch.manual_seed(1)
    white = torch.randn(1, 400)
    loud, quiet = LogPowerBands(400)(
        rotation + torch.cat([0.01 * white, 0.003 * white])
    )
    assert (loud - quiet)[-10:].mean() > 0.4


def test_curve_summary_quantiles_see_noise_level_and_spikes():
    import torch

    from sklearn_lcgan.nn import CurveSummary, LogPowerBands

    torch.manual_seed(0)
    noise = torch.randn(1, 400)
    spiked = noise.clone()
    spiked[0, 200] += 30.0
    plain = CurveSummary(400)
    summary = CurveSummary(400, quantiles=True)
    n_bands = LogPowerBands(400).average.shape[1]
    assert plain.n_features == plain(noise).shape[1] == n_bands
    assert summary.n_features == summary(noise).shape[1] == n_bands + 11
    torch.testing.assert_close(summary(noise)[:, :n_bands], plain(noise))
    quiet, loud, spike = (summary(x)[0, n_bands:] for x in (noise, 2 * noise, spiked))
    # The quartiles of the steps (columns 4 and 6) grow with the noise, in a
    # signed log scale: asinh(q / 0.01), about log(2) further from 0.
    assert torch.allclose(
        loud[[4, 6]].abs() - quiet[[4, 6]].abs(),
        torch.log(torch.tensor(2.0)),
        atol=0.01,
    )
    # The spike's rise and fall are the largest and smallest steps.
    assert spike[-1] > quiet[-1] + 1.5 and spike[0] < quiet[0] - 1.5
    torch.testing.assert_close(
        spike[[3, 4, 6, 7]], quiet[[3, 4, 6, 7]], atol=0.05, rtol=0
    )


def test_curve_quantiles_need_a_spectrum_to_join(curves):
    X, _ = curves
    gan = TransitCurveGenerator(
        critic__spectrum=False, loss__spectral_weight=0.0, max_epochs=1, **TINY
    )
    with pytest.raises(
        ValueError, match="set critic__spectrum=True or loss__spectral_weight"
    ):
        gan.fit(X)


def test_curves_beyond_float32_get_clear_error():
    X = np.zeros((4, 64))
    X[0, 3] = 1e300
    with pytest.raises(ValueError, match="curve 0 .*float32"):
        TransitCurveGenerator(**TINY).fit(X)


def test_checkpoint_resumes_training(curves, tmp_path):
    X, _ = curves
    params = dict(random_state=0, checkpoint_dir=str(tmp_path), **TINY)
    TransitCurveGenerator(max_epochs=2, **params).fit(X)
    assert (tmp_path / "checkpoint.pt").exists()
    resumed = TransitCurveGenerator(max_epochs=3, **params).fit(X)
    assert [h["epoch"] for h in resumed.history_] == [1, 2, 3]
    with pytest.raises(ValueError, match="does not fit this generator"):
        TransitCurveGenerator(
            max_epochs=3, **{**params, "generator__latent_dim": 4}
        ).fit(X)


def test_injector_puts_transits_in_planet_samples(curves):
    X, y = curves
    injector = TransitInjector(snr=40.0, period=(1.0, 4.0), random_state=0)
    gan = TransitCurveGenerator(
        max_epochs=1, transit_injector=injector, random_state=0, **TINY
    ).fit(X[y == 0])
    samples, labels, params = gan.sample(
        6, y=[1, 1, 1, 0, 0, 0], random_state=0, return_params=True
    )
    assert list(params.index) == [0, 1, 2]
    assert (params["snr"] == 40.0).all()
    rate = transit_recovery_rate(samples[:3], params["period"], n_periods=2000)
    assert rate >= 2 / 3


def test_score_ranks_in_grid_search(curves):
    X, _ = curves
    search = GridSearchCV(
        TransitCurveGenerator(max_epochs=1, random_state=0, **TINY),
        {"optimizer__lr": [1e-4, 1e-3]},
        cv=2,
    ).fit(X)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.score(X) <= 0.05


# -- realism metrics ------------------------------------------------------------
@pytest.fixture(scope="module")
def real_sets():
    A, _ = make_kepler_like(200, n_points=512, planet_fraction=0.0, random_state=1)
    B, _ = make_kepler_like(200, n_points=512, planet_fraction=0.0, random_state=2)
    noise = np.random.default_rng(0).normal(size=(200, 512))
    return A, B, noise


def test_metrics_near_ideal_for_same_distribution_far_for_white_noise(real_sets):
    A, B, noise = real_sets
    assert abs(mmd(A, B)) < 0.003 < mmd(A, noise)
    assert psd_distance(A, B) < 0.25 < 0.6 < psd_distance(A, noise)
    assert discriminative_score(A, noise) > 0.4


def test_discriminative_score_passes_one_source_and_catches_what_is_missing(
    real_sets,
):
    A, B, _ = real_sets
    same, parts = discriminative_score(A, B, return_parts=True)
    assert same < 0.12 and set(parts) == {"statistics", "network"}
    assert same == max(parts.values())
    # Phase-shuffled: the same power spectrum, but Gaussian, without spikes,
    # steps or flares.
    rng = np.random.default_rng(0)
    spectrum = np.fft.rfft(B, axis=1)
    phases = np.exp(2j * np.pi * rng.random(spectrum.shape))
    phases[:, 0] = 1
    shuffled = np.fft.irfft(np.abs(spectrum) * phases, n=B.shape[1], axis=1)
    assert discriminative_score(A, shuffled) > 0.3
    # One component missing: the stars' slow variability (rotation, drifts).
    from scipy.ndimage import median_filter

    still = B - median_filter(B, size=(1, 101), mode="nearest")
    assert discriminative_score(A, still) > 0.2


def test_discriminative_score_sees_cosmic_ray_spikes(real_sets):
    # Three spikes per curve move no percentile of the values or steps; the
    # extremes must catch them, beyond the flares, glitches and heavy tails
    # the curves already have.
    A, B, _ = real_sets
    spiked = B.copy()
    places = np.random.default_rng(0).integers(0, B.shape[1], (3, len(B)))
    for where in places:
        spiked[np.arange(len(B)), where] += 20 * robust_noise(B)
    assert discriminative_score(A, B) < 0.1
    assert discriminative_score(A, spiked) > 0.15


def test_metrics_reject_mismatched_sets(real_sets):
    A, _, _ = real_sets
    with pytest.raises(ValueError, match="points per curve"):
        mmd(A, A[:, :100])
    with pytest.raises(ValueError, match="at least 10 curves"):
        discriminative_score(A[:5], A[:5])
    with pytest.raises(ValueError, match="X_fake 100; compare curves of one length"):
        discriminative_score(A, A[:, :100])


def _silent_components(generator):
    """Zero every part of a ComponentGenerator (noise, spikes, drift, rotation,
    steps, flares)."""
    import torch

    with torch.no_grad():
        for layer in (
            generator.rotation,
            generator.drift,
            generator.noise_gain,
            generator.step_scale,
        ):
            layer.weight.zero_()
            layer.bias.fill_(-30.0)
        # The noise filter's gains are then noise_gain's bias alone.
        generator.star_log_gains.zero_()
        generator.spike_log_height.fill_(-30.0)
        generator.flare_log_size[0].fill_(-30.0)


def test_component_generator_rotates_at_the_drawn_period():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator

    torch.manual_seed(0)
    generator = ComponentGenerator(400, latent_dim=4, hidden_sizes=(8,), n_spikes=2)
    # The steps', flares' and outliers' draws come last, then each spike's
    # and flare's presence, then the drawn noise spectrum.
    assert generator.n_random == 12 + 2 * 16 + 3 * 4 + 3 * 64 + 1 + 2 + 4 + 1
    _silent_components(generator)
    with torch.no_grad():
        generator.rotation.bias[0] = 5.0  # the fundamental alone, no envelope
        z = torch.randn(6, 4 + generator.n_random)
        curves = generator(z).numpy()
    u = torch.special.ndtr(z[:, 4]).numpy()
    cycles = 0.5 * 300.0**u  # log-uniform in (0.5, 150) cycles over the curve
    # The sine of amplitude softplus(5) at the drawn frequency: its FFT peaks there.
    peak = np.abs(np.fft.rfft(curves, axis=1)).argmax(axis=1)
    mask = cycles > 2  # a sine of less than two cycles leaks to bin 0 or 1
    assert mask.any()
    np.testing.assert_allclose(peak[mask], cycles[mask], atol=1.0)
    assert np.abs(curves).max() <= 5.01


def test_component_generator_is_the_sum_of_its_parts_point_by_point():
    import torch
    from numpy.polynomial.legendre import legvander
    from scipy.special import expit, ndtr

    from sklearn_lcgan.nn import ComponentGenerator

    torch.manual_seed(0)
    # 197 points: the blocks tile the noise's 200-point FFT buffer, past the
    # curve's end.
    generator = ComponentGenerator(197, latent_dim=4, hidden_sizes=(8,), n_spikes=1)
    assert generator.fft_length == 200
    _silent_components(generator)
    with torch.no_grad():
        generator.rotation.bias.copy_(torch.tensor([1.0, 0.5, 0.3]))
        generator.drift.bias.fill_(0.0)
        z = torch.randn(8, 4 + generator.n_random)
        curves = generator(z).numpy()
    drawn = z[:, 4:].double().numpy()
    u = ndtr(drawn)
    t = np.linspace(0.0, 1.0, 197)
    turn = 2 * np.pi * 0.5 * 300.0 ** u[:, :1]
    envelope_turn = 2 * np.pi * 0.3 * 10.0 ** u[:, 1:2]
    phase = 2 * np.pi * u[:, 2:5]
    wave = np.logaddexp(0, 1.0) * np.sin(phase[:, :1] + turn * t) + np.logaddexp(
        0, 0.5 - 1.0
    ) * np.sin(phase[:, 1:2] + 2 * turn * t)
    envelope = 1 + 0.5 * expit(0.3) * np.sin(phase[:, 2:3] + envelope_turn * t)
    drift = (np.logaddexp(0, 0.0) * drawn[:, 5:8]) @ legvander(2 * t - 1, 3)[:, 1:].T
    # float32 angles of up to 2 pi 300 radians (the harmonic) are good to
    # about 2e-4.
    np.testing.assert_allclose(curves, wave * envelope + drift, atol=3e-4)

    # A flat gain of 1 turns the drawn spectrum into unit white noise.
    with torch.no_grad():
        _silent_components(generator)
        generator.noise_gain.bias.zero_()
        noise = generator(torch.randn(2000, 4 + generator.n_random)).numpy()
    assert abs(noise.var() - 1.0) < 0.01
    assert abs((noise[:, 1:] * noise[:, :-1]).mean()) < 0.01


def test_settings_are_routed_by_prefix_as_skorch_does(curves):
    from sklearn.utils._param_validation import InvalidParameterError

    X, _ = curves
    gan = TransitCurveGenerator(max_epochs=1, optimizer__lr=1e-3, **TINY)
    params = gan.get_params()
    assert params["optimizer__lr"] == 1e-3 and params["critic__patch_size"] == 16
    assert clone(gan).optimizer__lr == 1e-3
    gan.fit(X)
    # The critic's rate is twice the generator's unless given; both optimisers
    # take the loss's betas.
    net = adversarial_net(gan, len(X))
    assert net.critic_optimizer_.param_groups[0]["lr"] == 2e-3
    assert net.optimizer_.param_groups[0]["betas"] == (0.0, 0.9)
    # Each optimiser steers its own network.
    assert {id(p) for p in net.optimizer_.param_groups[0]["params"]} == {
        id(p) for p in gan.generator_.parameters()
    }
    gan.set_params(critic_optimizer__lr=5e-4, transit_injector=TransitInjector())
    assert "critic_optimizer__lr" in clone(gan).get_params()
    net = adversarial_net(gan, len(X))
    assert net.critic_optimizer_.param_groups[0]["lr"] == 5e-4
    with pytest.raises(ValueError, match="Invalid parameter 'lr'.*optimizer__lr"):
        gan.set_params(lr=1e-3)
    with pytest.raises(
        TypeError, match="unexpected keyword argument 'lr'.*optimizer__"
    ):
        TransitCurveGenerator(lr=1e-3, **TINY).fit(X)
    # What describes the stars is estimated in fit, never set.
    with pytest.raises(ValueError, match="generator__cycles is not a setting.*takes"):
        TransitCurveGenerator(generator__cycles=(1, 2), **TINY).fit(X)
    with pytest.raises(ValueError, match="generator__upsample is not a setting"):
        TransitCurveGenerator(generator__upsample=4, **TINY).fit(X)
    with pytest.raises(InvalidParameterError, match="critic__dropout"):
        TransitCurveGenerator(critic__dropout=2.0, **TINY).fit(X)


def test_component_generator_caps_spike_heights():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator

    torch.manual_seed(0)
    free, capped = (
        ComponentGenerator(
            300, latent_dim=4, hidden_sizes=(8,), n_spikes=3, max_spike_height=cap
        )
        for cap in (None, 1e5)
    )
    capped.load_state_dict(free.state_dict())
    z = torch.randn(2000, 4 + free.n_random)
    with torch.no_grad():
        for generator in (free, capped):
            _silent_components(generator)
            # White noise of 1e-4 sets the unit, so the cap of 1e5 noise
            # levels is 10; log heights are normal around log 7 with spread
            # 1, so a third pass it.
            generator.noise_gain.bias[generator.white_knot :] = np.log(1e-4)
            generator.spike_log_height.fill_(np.log(7e4))
            generator.log_spike_spread.fill_(0.0)
        tall, kept = free(z).numpy(), capped(z).numpy()
    rows = np.arange(len(z))[:, None]
    place_columns = z[:, 4 + 8 : 4 + 8 + free.n_spikes]  # after latent, draws
    places = (torch.special.ndtr(place_columns) * 300).long().clamp_max(299).numpy()
    alone = (places != np.roll(places, 1, 1)).all(1)  # no two spikes share a point
    tall, kept = tall[rows, places][alone], kept[rows, places][alone]
    assert (tall > 10.0).mean() > 0.2 and tall.max() > 50.0
    # Equal to the white noise's 1e-4 on top of each spike.
    np.testing.assert_allclose(kept, np.minimum(tall, 10.0), atol=1e-3)


@pytest.mark.parametrize("n_bins", [1, 2, 50, 300, 1601])
def test_split_spread_gives_band_interpolations_values(n_bins):
    import torch

    from sklearn_lcgan.nn.spectral import band_interpolation, split_spread

    weights = band_interpolation(n_bins)
    copied, mixing = split_spread(weights)
    values = torch.randn(7, len(weights))
    split = torch.cat(
        [values[:, copied], values[:, len(weights) - len(mixing) :] @ mixing], dim=1
    )
    torch.testing.assert_close(split, values @ weights, rtol=0, atol=1e-6)
    if n_bins == 1601:
        # The lowest 64 bins are knots of their own (bin 0 takes the first's).
        assert len(copied) == 65 and len(mixing) < len(weights) / 2


@pytest.mark.parametrize("n_points", [300, 301])  # two middle values, or one
def test_robust_standardise_matches_the_training_scale_with_a_gradient(n_points):
    import torch

    from sklearn_lcgan._robust import nan_centre_scale, robust_standardise

    torch.manual_seed(0)
    curves = torch.randn(40, n_points) * torch.rand(40, 1) * 5 + torch.randn(40, 1) * 9
    curves[:, 7] += 80.0  # spikes move neither median nor MAD much
    fast = robust_standardise(curves)  # no gradient: numpy's selection
    tracked = curves.clone().requires_grad_(True)
    slow = robust_standardise(tracked)  # torch's median, differentiable
    torch.testing.assert_close(fast, slow.detach(), rtol=0, atol=1e-6)
    centre, scale = nan_centre_scale(fast.double().numpy())
    # To float32's precision.
    np.testing.assert_allclose(centre, 0.0, atol=1e-5)
    np.testing.assert_allclose(scale, 1.0, rtol=1e-5)
    slow.pow(2).sum().backward()
    assert torch.isfinite(tracked.grad).all() and tracked.grad.abs().sum() > 0


@pytest.mark.parametrize("synthesis", ["dense", "components"])
def test_standardised_output_samples_take_a_training_curves_scale(
    curves, synthesis, monkeypatch
):
    import sklearn_lcgan._gan_sampling
    from sklearn_lcgan._robust import nan_centre_scale

    X, _ = curves
    # Four chunks of samples, each mapped back on its own thread.
    monkeypatch.setattr(sklearn_lcgan._gan_sampling, "SAMPLE_CHUNK", 16)
    params = dict(generator=synthesis, max_epochs=1, random_state=0, **TINY)
    for standardise in (True, False):
        gan = TransitCurveGenerator(
            generator__standardise_output=standardise, **params
        ).fit(X)
        centre, scale = nan_centre_scale(gan.sample(50, random_state=0)[0])
        # Each sample's median and scatter are those of one training curve.
        pairs = np.c_[gan.levels_, gan.scales_]
        distance = np.abs(np.c_[centre, scale][:, None, :] - pairs[None]).sum(2)
        nearest = distance.min(axis=1) / gan.scales_[distance.argmin(axis=1)]
        if standardise:
            assert nearest.max() < 1e-5
        else:
            assert np.median(nearest) > 1e-2


def test_component_generator_spikes_and_no_pattern_at_fixed_times():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator, FCGenerator

    torch.manual_seed(0)
    generator = ComponentGenerator(300, latent_dim=4, hidden_sizes=(8,), n_spikes=3)
    _silent_components(generator)
    z = torch.randn(5, 4 + generator.n_random)
    with torch.no_grad():
        # Heights are in units of the white noise, set here to 1e-4 (its gain
        # above half Nyquist; the spectrum's low part is silent).
        generator.noise_gain.bias[generator.white_knot :] = np.log(1e-4)
        generator.spike_log_height.fill_(np.log(7e4))
        generator.log_spike_spread.fill_(-30.0)  # every spike exactly 7 high
        spiky = generator(z).numpy()
        generator.noise_gain.bias[generator.white_knot :] = np.log(2e-4)
        twice = generator(z).numpy()
    assert ((spiky > 1.0).sum(axis=1) <= 3).all() and (spiky > 1.0).any()
    heights = spiky[spiky > 1.0] / 7.0  # two spikes may share a point
    np.testing.assert_allclose(heights, np.round(heights), atol=1e-3)
    # Twice the noise, twice the spikes.
    np.testing.assert_allclose(twice[spiky > 1.0], 2 * spiky[spiky > 1.0], rtol=1e-3)

    # With a spread, log heights are normal around their median.
    with torch.no_grad():
        generator.noise_gain.bias[generator.white_knot :] = np.log(1e-4)
        generator.log_spike_spread.fill_(np.log(0.5))
        z = torch.randn(4000, 4 + generator.n_random)
        curves = generator(z).numpy()
    rows = np.arange(len(z))[:, None]
    place_columns = z[:, 4 + 8 : 4 + 8 + generator.n_spikes]  # after latent, draws
    places = (torch.special.ndtr(place_columns) * 300).long().clamp_max(299).numpy()
    log_heights = np.log(curves[rows, places][(places != np.roll(places, 1, 1)).all(1)])
    assert abs(np.median(log_heights) - np.log(7.0)) < 0.02
    assert abs(log_heights.std() - 0.5) < 0.02

    # An untrained network of each kind: the mean over many samples at each
    # time, in units of their spread, is what they share at fixed times.
    def shared(generator, n_random):
        with torch.no_grad():
            curves = generator(torch.randn(4000, 4 + n_random)).numpy()
        return (curves.mean(axis=0) / curves.std(axis=0)).std()

    torch.manual_seed(1)
    components = ComponentGenerator(300, latent_dim=4, hidden_sizes=(8,))
    dense = FCGenerator(300, latent_dim=4, hidden_sizes=(8,), upsample=8)
    assert shared(components, components.n_random) < 0.03  # 1/sqrt(4000) is 0.016
    assert shared(dense, 0) > 0.1


def test_component_generator_steps_and_decaying_flares():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator

    torch.manual_seed(0)

    def quiet(**parts):
        generator = ComponentGenerator(
            300, latent_dim=4, hidden_sizes=(8,), n_spikes=1, **parts
        )
        _silent_components(generator)
        with torch.no_grad():
            # White noise of 1e-4 is the unit of steps and flares.
            generator.noise_gain.bias[generator.white_knot :] = np.log(1e-4)
        return generator

    # Steps of unit scale: the level jumps by the drawn sizes at the drawn times.
    stepping = quiet(n_steps=3, n_flares=0, n_outliers=0)
    with torch.no_grad():
        stepping.step_scale.bias.fill_(np.log(1e4))
        z = torch.randn(50, 4 + stepping.n_random)
        curves = stepping(z).numpy()
    drawn = z[:, 4 + 8 + 2 :].numpy()  # after latent, draws, the spike's two
    times = (torch.special.ndtr(torch.from_numpy(drawn[:, :3])) * 300).long()
    times = times.clamp_max(299).numpy()
    for curve, at, size in zip(curves, times, drawn[:, 3:6], strict=True):
        expected = np.zeros(300)
        np.add.at(expected, at, size)
        np.testing.assert_allclose(curve, np.cumsum(expected), atol=1e-3)

    # A flare 5 noise levels high decays by e every 3 cadences.
    flaring = quiet(n_steps=0, n_flares=1, n_outliers=0)
    with torch.no_grad():
        flaring.flare_log_size.copy_(torch.tensor([[np.log(5e4)], [np.log(3.0)]]))
        flaring.log_flare_spread.fill_(-30.0)
        z = torch.randn(50, 4 + flaring.n_random)
        curves = flaring(z).numpy()
    start = torch.special.ndtr(z[:, 4 + 8 + 2]) * 300
    start = start.long().clamp_max(299).numpy()
    lag = np.arange(300)[None, :] - start[:, None]
    expected = np.where(lag >= 0, 5.0 * np.exp(-np.clip(lag, 0, 64) / 3.0), 0.0)
    expected[lag >= 64] = 0.0  # the flare's window
    np.testing.assert_allclose(curves, expected, atol=1e-3)
    # They are the training curves', not trained: nothing of theirs is a
    # parameter.
    assert not [name for name, _ in flaring.named_parameters() if "flare" in name]
    # At a rate of a quarter flare per curve, a quarter of the curves flare.
    rare = quiet(n_steps=0, n_flares=1, n_outliers=0, flares={"rate": 0.25})
    with torch.no_grad():
        rare.flare_log_size.copy_(flaring.flare_log_size)
        rare.log_flare_spread.fill_(-30.0)
        flared = (rare(torch.randn(4000, 4 + rare.n_random)).numpy() > 1.0).any(1)
    assert flared.mean() == pytest.approx(0.25, abs=0.03)

    # Outliers 5 noise levels high, of either sign, at the drawn times: two
    # in every curve.
    outlying = quiet(
        n_steps=0,
        n_flares=0,
        n_outliers=2,
        outliers={"counts": [2.0], "log_heights": [np.log(5e4)]},
    )
    with torch.no_grad():
        z = torch.randn(50, 4 + outlying.n_random)
        curves = outlying(z).numpy()
    drawn = z[:, 4 + 8 + 2 :]
    at = (torch.special.ndtr(drawn[:, :2]) * 300).long().clamp_max(299).numpy()
    expected = np.zeros((50, 300))
    signs = np.sign(drawn[:, 2:4].numpy())
    for row in range(50):
        np.add.at(expected[row], at[row], 5.0 * signs[row])
    np.testing.assert_allclose(curves, expected, atol=1e-3)
    assert (curves < -4).any() and (curves > 4).any()
    # Each curve draws its count: none in half the curves, four in the rest.
    some = quiet(
        n_steps=0,
        n_flares=0,
        n_outliers=8,
        outliers={"counts": [0.0, 4.0], "log_heights": [np.log(5e4)]},
    )
    with torch.no_grad():
        counts = (np.abs(some(torch.randn(4000, 4 + some.n_random)).numpy()) > 1).sum(1)
    assert (counts == 0).mean() == pytest.approx(0.5, abs=0.03)
    assert counts[counts > 0].mean() == pytest.approx(4.0, abs=0.15)
    # Sizes lie between the curves' quantiles, log-linearly: 2 to 8 noise
    # levels, 4 in the middle.
    sized = quiet(
        n_steps=0,
        n_flares=0,
        n_outliers=1,
        outliers={"counts": [1.0], "log_heights": np.log([2e4, 8e4]).tolist()},
    )
    with torch.no_grad():
        sizes = np.abs(sized(torch.randn(2000, 4 + sized.n_random)).numpy())
    sizes = sizes[sizes > 1]
    assert 2.0 - 1e-3 <= sizes.min() and sizes.max() <= 8.0 + 1e-3
    assert np.median(sizes) == pytest.approx(4.0, rel=0.05)


def test_component_generator_sawtooth_resets_at_the_thruster_period():
    import torch
    from scipy.special import ndtr

    from sklearn_lcgan.nn import ComponentGenerator

    torch.manual_seed(0)
    generator = ComponentGenerator(
        400, latent_dim=4, hidden_sizes=(8,), n_spikes=1, thruster_period=10.0
    )
    assert generator.n_firings == 40
    # The sawtooth's after the spikes', then the steps', flares' and
    # outliers', then the spike's and flares' presence and the noise spectrum.
    n_random = 8 + 2 + 2 + 40 + 2 * 16 + 3 * 4 + 3 * 64 + 1 + 1 + 4 + 1
    assert generator.n_random == n_random
    _silent_components(generator)
    with torch.no_grad():
        generator.sawtooth.weight.zero_()
        generator.sawtooth.bias.copy_(torch.tensor([np.log(2.0), np.arctanh(0.6)]))
        generator.log_sawtooth_spread.fill_(-30.0)  # every size exactly 2
        generator.log_thruster_jitter.fill_(-30.0)  # a strict period
        # More curves than one share of the sawtooth's (_SAWTOOTH_ROWS).
        z = torch.randn(600, 4 + generator.n_random)
        curves = generator(z).numpy()
    # With a gradient recorded, the same curves.
    tracked = generator(z)
    assert tracked.requires_grad
    np.testing.assert_allclose(tracked.detach().numpy(), curves, atol=1e-6)
    # Size 2, curvature 0.3, reset every 10 points from the drawn phase on.
    first = 4 + 8 + 2 * generator.n_spikes  # after latent, draws, spikes
    start = ndtr(z[:, first : first + 1].double().numpy())
    phase = np.modf(start + np.arange(400) / 10.0)[0]
    expected = 2.0 * ((phase - 0.5) + 0.3 * (phase**2 - 1.0 / 3.0))
    np.testing.assert_allclose(curves, expected, atol=1e-4)
    assert abs(curves.mean()) < 0.02  # zero-mean over whole intervals

    # With a jitter, the resets drift: intervals vary but keep their mean.
    with torch.no_grad():
        generator.sawtooth.bias[1] = 0.0
        generator.log_thruster_jitter.fill_(np.log(0.1))
        curves = generator(torch.randn(200, 4 + generator.n_random)).numpy()
    resets = [np.diff(np.flatnonzero(np.diff(curve) < -1.0)) for curve in curves]
    intervals = np.concatenate(resets)
    assert abs(intervals.mean() - 10.0) < 0.1
    assert 0.5 < intervals.std() < 2.0  # a 10 % jitter of 10 points, in whole points


def test_spectrum_critic_reads_the_power_spectrum(curves):
    import torch

    from sklearn_lcgan.nn import PatchLSTMCritic

    torch.manual_seed(0)
    # 40 points FFT without padding, so a circular shift keeps the spectrum.
    critic = PatchLSTMCritic(8, (4,), minibatch_std=False, pack=2, spectrum_points=40)
    with torch.no_grad():
        critic.head.weight[:, :8] = 0.0  # silence the LSTMs: spectra alone
        X = torch.randn(4, 40)
        scores = critic(X)
        shifted = critic(torch.roll(X, 7, dims=1))
        smoothed = critic(torch.cumsum(X, dim=1))  # the same curves, red
        # A summary computed beforehand (as training does for the real
        # curves) stands in for X's own.
        given = critic(X, summary=critic.summary(X))
        other = critic(X, summary=critic.summary(torch.cumsum(X, dim=1)))
    assert scores.shape == (2,)
    torch.testing.assert_close(given, scores)
    torch.testing.assert_close(other, smoothed)
    np.testing.assert_allclose(shifted, scores, rtol=1e-4, atol=1e-5)
    assert (smoothed - scores).abs().min() > 1e-3
    X, y = curves
    gan = TransitCurveGenerator(max_epochs=1, random_state=0, **SUMMARIES, **TINY).fit(
        X, y
    )
    _check_conditional_sampling(gan)


def test_the_synthesisers_ranges_are_estimated_from_the_training_curves():
    X, _ = make_kepler_like(200, n_points=1024, planet_fraction=0.0, random_state=3)
    params = dict(generator="components", max_epochs=1, random_state=0, **TINY)
    gan = TransitCurveGenerator(**params).fit(X)
    # The simulator's roll sawtooth resets every 0.2452 days, 12.0 long cadences.
    assert gan.thruster_period_ == pytest.approx(12.0, rel=0.05)
    assert gan.generator_.thruster_period == gan.thruster_period_
    low, high = gan.rotation_cycles_
    assert 0.5 <= low < 2 and 10 < high < 200
    assert 10 < gan.max_spike_height_ == gan.generator_.max_spike_height
    white = np.random.default_rng(0).normal(size=X.shape)
    quiet = TransitCurveGenerator(**params).fit(white)
    assert quiet.thruster_period_ is None and quiet.generator_.n_firings == 0
    assert 3 <= quiet.max_spike_height_ < 8  # Gaussian noise has no spikes
    # Nor heavy tails or outliers. Student's t noise of 3 degrees of freedom
    # has heavy tails in every curve, about Tukey's h of 0.2 (the same 99th
    # percentile over the median), and then few outliers beyond what those
    # tails make; a mix of the two, in half the curves.
    assert quiet.events_["spikes"]["rate"] < 0.05
    assert quiet.events_["flares"]["rate"] < 0.05
    assert np.median(quiet.events_["outliers"]["counts"]) < 1
    assert np.median(quiet.noise_tails_) < 0.02
    heavy = np.random.default_rng(0).standard_t(3, size=X.shape)
    heavy_gan = TransitCurveGenerator(**params).fit(heavy)
    assert 0.15 < np.median(heavy_gan.noise_tails_) < 0.3
    assert np.array_equal(heavy_gan.generator_.star_noise_tails, heavy_gan.noise_tails_)
    assert np.median(heavy_gan.events_["outliers"]["counts"]) < 1
    mixed = TransitCurveGenerator(**params).fit(np.vstack([white[:100], heavy[:100]]))
    assert np.median(mixed.noise_tails_[:100]) < 0.02
    assert np.median(mixed.noise_tails_[100:]) > 0.15
    # Outliers on Gaussian noise, two drops and two rises of 12 sigma a
    # curve: counted (both signs) and sized in units of the white noise (the
    # steps' scatter over sqrt 2; 1.5 sigma of the neighbours' mean less the
    # point), beyond the 3.5 sigma that makes an outlier.
    rng = np.random.default_rng(1)
    outlying = rng.normal(size=(200, 3197))
    for curve in outlying:
        places = rng.choice(np.arange(5, 3190, 10), 4, replace=False)
        curve[places[:2]] -= 12.0
        curve[places[2:]] += 12.0
    found = _curve_shape.events(outlying)["outliers"]
    assert 0.5 < np.median(found["counts"]) <= 4 and max(found["counts"]) >= 4
    sizes = np.exp(found["log_heights"])
    assert len(sizes) == 64 and np.all(np.diff(sizes) >= 0) and sizes[0] > 3
    assert 8 < np.median(sizes) < 16
    dense = TransitCurveGenerator(generator="dense", max_epochs=1, **TINY).fit(X)
    assert dense.thruster_period_ is None and dense.rotation_cycles_ is None


def test_spikes_and_flares_are_counted_and_sized_from_the_training_curves():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 1024))
    # One spike 20 noise levels high per curve on average, half a flare 30
    # high that decays over 4 cadences.
    for row in range(len(X)):
        for at in rng.integers(20, 1000, rng.poisson(1.0)):
            X[row, at] += 20.0
        for at in rng.integers(20, 900, rng.poisson(0.5)):
            X[row, at:] += 30.0 * np.exp(-np.arange(1024 - at) / 4.0)
    gan = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    spikes, flares = gan.events_["spikes"], gan.events_["flares"]
    assert spikes["rate"] == pytest.approx(1.0, abs=0.15)
    assert flares["rate"] == pytest.approx(0.5, abs=0.1)
    assert spikes["log_height"] == pytest.approx(np.log(20), abs=0.2)
    assert flares["log_height"] == pytest.approx(np.log(30), abs=0.3)
    assert flares["log_decay"] == pytest.approx(np.log(4), abs=0.5)
    # Each slot is there as often as the curves have them.
    chance = gan.generator_.presence.numpy()
    np.testing.assert_allclose(
        chance * [gan.generator_.n_spikes, gan.generator_.n_flares],
        [spikes["rate"], flares["rate"]],
        rtol=1e-6,
    )


def test_each_sample_draws_a_training_curves_own_noise_spectrum():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator
    from sklearn_lcgan.nn.spectral import knot_log_gains

    rng = np.random.default_rng(0)
    # Half the curves red (a random walk's power falls as 1 / f^2), half white.
    walk = np.cumsum(rng.normal(size=(150, 1024)), axis=1) * 0.1
    X = rng.normal(size=(300, 1024))
    X[:150] += walk
    gan = TransitCurveGenerator(max_epochs=1, random_state=0, **TINY).fit(X)
    spectra = gan.noise_spectra_
    assert spectra.shape[0] == 300
    # The red curves' slowest knots stand above their fastest; the white
    # curves' do not (a single bin's power scatters, so the median curve's).
    slope = spectra[:, 1:6].mean(axis=1) - spectra[:, -20:].mean(axis=1)
    assert np.median(slope[:150]) > 1.0 and slope[:150].min() > 0
    assert np.abs(np.median(slope[150:])) < 0.3
    torch.manual_seed(0)
    generator = ComponentGenerator(
        1024, latent_dim=4, hidden_sizes=(8,), noise_spectra=spectra
    )
    _silent_components(generator)
    with torch.no_grad():
        generator.star_log_gains.copy_(torch.as_tensor(spectra))
        generator.noise_gain.bias.zero_()
        noise = generator(torch.randn(4000, 4 + generator.n_random)).numpy()
    power = np.abs(np.fft.rfft(noise, axis=1)) ** 2 / 1024
    slow = power[:, 2:8].mean(axis=1) / power[:, 300:500].mean(axis=1)
    # About half the samples are red and half white, as the curves are.
    assert 0.35 < np.mean(slow > 10) < 0.65
    assert 0.35 < np.mean(slow < 3) < 0.65
    # Each drawn spectrum is a training curve's: knot by knot, the samples'
    # gains average what the curves' do.
    drawn = knot_log_gains(noise)
    for knot in (1, 10, 40, -1):
        assert drawn[:, knot].mean() == pytest.approx(spectra[:, knot].mean(), abs=0.15)


def test_a_heavy_tailed_star_gives_its_samples_its_tails_at_its_power():
    import torch

    from sklearn_lcgan.nn import ComponentGenerator
    from sklearn_lcgan.nn.spectral import knot_log_gains, star_rows

    rng = np.random.default_rng(0)
    # Two white stars of equal power, one Gaussian, one Tukey's h of 0.3.
    normal = rng.normal(size=(2, 4096))
    stars = normal * np.exp([[0.0], [0.15]] * normal**2) / [[1.0], [0.4**-0.75]]
    spectra = knot_log_gains(stars[:, :1024])
    spectra[:] = spectra[0].mean()
    torch.manual_seed(0)
    generator = ComponentGenerator(
        1024,
        latent_dim=4,
        hidden_sizes=(8,),
        noise_spectra=spectra,
        noise_tails=[0.0, 0.3],
    )
    assert generator.white_shape == (513 + 512,)
    _silent_components(generator)
    z = torch.randn(2000, 4 + generator.n_random)
    with torch.no_grad():
        generator.star_log_gains.copy_(torch.as_tensor(spectra))
        generator.noise_gain.bias.zero_()
        samples = generator(z).numpy()
    heavy = star_rows(generator, torch.special.ndtr(z[:, -1:])).numpy() == 1
    assert 0.4 < heavy.mean() < 0.6
    tails = _curve_shape.noise_tails(samples)
    assert np.median(tails[~heavy]) < 0.02
    assert np.median(tails[heavy]) == pytest.approx(0.3, abs=0.06)
    # Both at the stars' power, point by point and in the spectrum (at the
    # knots that average many bins: a single bin's power scatters).
    power = samples.var(axis=1)
    expected = np.exp(2 * spectra[0, 0])
    assert np.median(power[heavy]) == pytest.approx(expected, rel=0.1)
    assert np.median(power[~heavy]) == pytest.approx(expected, rel=0.1)
    gains = knot_log_gains(samples[heavy]).mean(axis=0)[generator.own_bins :]
    assert np.abs(gains - spectra[0, 0]).max() < 0.1
    with pytest.raises(ValueError, match="one Tukey h per star"):
        ComponentGenerator(1024, noise_spectra=spectra, noise_tails=[0.1])

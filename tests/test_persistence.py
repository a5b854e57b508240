import copy
import hashlib
import io
import json
import os
import zipfile

import joblib
import numpy as np
import pytest
import scipy.stats
import torch
from imblearn.pipeline import make_pipeline
from sklearn.base import clone

import sklearn_lcgan
from sklearn_lcgan import (
    LightCurveClassifier,
    TransitCurveGenerator,
    TransitInjector,
    TransitOversampler,
    load_model,
    make_detection_pipeline,
    make_prototype_pipeline,
    save_model,
)
from sklearn_lcgan._version import MODEL_FORMAT as FORMAT
from sklearn_lcgan.preprocessing import FluxNormalizer

TINY_DETECTOR = dict(
    classifier__max_epochs=1,
    classifier__module__hidden_size=8,
    classifier__random_state=0,
)


@pytest.fixture(scope="module")
def fitted_pipeline(kepler_like):
    X, y, _ = kepler_like
    return make_detection_pipeline(**TINY_DETECTOR).fit(X, y)


@pytest.fixture(scope="module")
def fitted_generator(kepler_like):
    X, y, _ = kepler_like
    gan = TransitCurveGenerator(
        generator__latent_dim=8,
        generator__hidden_sizes=(16,),
        critic__hidden_sizes=(8,),
        max_epochs=1,
        transit_injector=TransitInjector(period=(1.0, 3.0), random_state=2),
        random_state=0,
    )
    return gan.fit(X, y)


@pytest.fixture(scope="module")
def saved(fitted_pipeline, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "detector.lcgan"
    save_model(fitted_pipeline, path)
    return path


def _rewrite(src, dst, edit_json=None, tensors=None, fix_checksums=True):
    """Copy a model file, editing its members as an attacker could."""
    with zipfile.ZipFile(src) as archive:
        text = archive.read("model.json")
        digest = archive.read("model.json.sha256").decode()
        blob = archive.read("tensors.pt")
    if tensors is not None:
        blob = tensors
    manifest = json.loads(text)
    if edit_json is not None:
        edit_json(manifest)
        text = json.dumps(manifest).encode()
    if fix_checksums:
        manifest["tensors_sha256"] = hashlib.sha256(blob).hexdigest()
        text = json.dumps(manifest).encode()
        digest = hashlib.sha256(text).hexdigest()
    with zipfile.ZipFile(dst, "w") as archive:
        archive.writestr("model.json", text)
        archive.writestr("tensors.pt", blob)
        archive.writestr("model.json.sha256", digest)
    return dst


def test_pipeline_round_trips(fitted_pipeline, saved, kepler_like):
    X, _, _ = kepler_like
    loaded = load_model(saved)
    assert [name for name, _ in loaded.steps] == [
        name for name, _ in fitted_pipeline.steps
    ]
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted_pipeline.predict_proba(X)
    )
    assert loaded.get_params()["classifier__module__hidden_size"] == 8
    assert len(loaded[-1].history) == 1
    # A loaded model is an ordinary estimator: it clones and refits.
    clone(loaded).fit(X, kepler_like[1])


def test_imblearn_pipeline_round_trips(kepler_like, tmp_path):
    X, y, _ = kepler_like
    pipe = make_pipeline(
        TransitOversampler(random_state=0),
        FluxNormalizer(),
        LightCurveClassifier(max_epochs=1, module__hidden_size=8, random_state=0),
    ).fit(X, y)
    save_model(pipe, tmp_path / "imb.lcgan")
    loaded = load_model(tmp_path / "imb.lcgan")
    assert type(loaded) is type(pipe)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


def test_prototype_pipeline_round_trips(kepler_like, tmp_path):
    X, y, _ = kepler_like
    pipe = make_prototype_pipeline(
        classifier__max_epochs=1, classifier__random_state=0
    ).fit(X, y)
    save_model(pipe, tmp_path / "proto.lcgan")
    loaded = load_model(tmp_path / "proto.lcgan")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


def test_generator_round_trips(fitted_generator, tmp_path):
    save_model(fitted_generator, tmp_path / "gan.lcgan")
    loaded = load_model(tmp_path / "gan.lcgan")
    assert loaded.generator__hidden_sizes == (16,)  # tuples stay tuples
    for a, b in zip(
        fitted_generator.sample(6, y=1, random_state=3, return_params=True),
        loaded.sample(6, y=1, random_state=3, return_params=True),
        strict=True,
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert loaded.history_ == fitted_generator.history_
    assert loaded.history_[:, "epoch"] == fitted_generator.history_[:, "epoch"]


def test_coloured_noise_generator_round_trips(kepler_like, tmp_path):
    X, _, _ = kepler_like
    gan = TransitCurveGenerator(
        generator="dense",
        generator__latent_dim=8,
        generator__hidden_sizes=(16,),
        critic__hidden_sizes=(8,),
        generator__coloured_noise=True,
        loss__spectral_weight=1.0,
        max_epochs=1,
        random_state=0,
    ).fit(X)
    save_model(gan, tmp_path / "coloured.lcgan")
    loaded = load_model(tmp_path / "coloured.lcgan")
    np.testing.assert_array_equal(
        loaded.sample(4, random_state=0)[0], gan.sample(4, random_state=0)[0]
    )
    assert loaded.history_[0]["spectral_mmd"] == gan.history_[0]["spectral_mmd"]


def test_component_generator_round_trips(kepler_like, tmp_path):
    X, y, _ = kepler_like
    gan = TransitCurveGenerator(
        generator__latent_dim=8,
        generator__hidden_sizes=(16,),
        critic__hidden_sizes=(8,),
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    save_model(gan, tmp_path / "components.lcgan")
    loaded = load_model(tmp_path / "components.lcgan")
    # The ranges estimated in fit come back, and the networks built on them.
    for name in ("rotation_cycles_", "thruster_period_", "max_spike_height_"):
        assert getattr(loaded, name) == getattr(gan, name)
    assert loaded.generator_.cycles == gan.rotation_cycles_
    assert loaded.generator_.standardise_output
    for a, b in zip(
        loaded.sample(4, random_state=0), gan.sample(4, random_state=0), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_unfitted_estimators_and_special_parameters_round_trip(tmp_path, kepler_like):
    X, y, _ = kepler_like
    injector = TransitInjector(
        period=scipy.stats.loguniform(1.0, 5.0), snr=(8.0, 9.0), random_state=4
    )
    save_model(injector, tmp_path / "inj.lcgan")
    loaded = load_model(tmp_path / "inj.lcgan")
    assert loaded.period.dist.name == "loguniform"
    np.testing.assert_array_equal(
        loaded.fit(X).transform(X), clone(injector).fit(X).transform(X)
    )
    pipe = make_detection_pipeline(classifier__class_weight={0: 1.0, 1: 5.0})
    save_model(pipe, tmp_path / "pipe.lcgan")
    assert load_model(tmp_path / "pipe.lcgan").get_params()[
        "classifier__class_weight"
    ] == {0: 1.0, 1: 5.0}

    sampler = TransitOversampler(random_state=0)
    sampler.fit_resample(X, y)
    save_model(sampler, tmp_path / "sampler.lcgan")
    loaded = load_model(tmp_path / "sampler.lcgan")
    assert loaded.injected_params_.equals(sampler.injected_params_)
    np.testing.assert_array_equal(loaded.sample_indices_, sampler.sample_indices_)


def test_unsafe_parameter_is_refused_and_nothing_written(tmp_path):
    gan = TransitCurveGenerator(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="random_state.*RandomState"):
        save_model(gan, tmp_path / "gan.lcgan")
    assert list(tmp_path.iterdir()) == []


def test_file_is_readable_by_others_and_no_partial_left(saved):
    assert os.stat(saved).st_mode & 0o044  # mkstemp's private mode is undone
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_pickle_and_joblib_still_work(fitted_pipeline, kepler_like, tmp_path):
    X, _, _ = kepler_like
    joblib.dump(fitted_pipeline, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X),
        fitted_pipeline.predict_proba(X),
    )


def test_truncated_file_is_refused(saved, tmp_path):
    data = saved.read_bytes()
    cut = tmp_path / "cut.lcgan"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a complete sklearn-lcgan model file"):
        load_model(cut)


def test_pickle_file_is_refused(fitted_pipeline, tmp_path):
    joblib.dump(fitted_pipeline, tmp_path / "model.joblib")
    with pytest.raises(ValueError, match="not a complete sklearn-lcgan model file"):
        load_model(tmp_path / "model.joblib")


def test_edited_members_are_refused(saved, tmp_path):
    blob = bytearray(zipfile.ZipFile(saved).read("tensors.pt"))
    blob[len(blob) // 2] ^= 0xFF
    bad = _rewrite(saved, tmp_path / "t.lcgan", tensors=bytes(blob), fix_checksums=0)
    with pytest.raises(ValueError, match="tensors were modified"):
        load_model(bad)

    def edit(manifest):
        manifest["estimator"]["params"]["verbose"] = True

    bad = _rewrite(saved, tmp_path / "j.lcgan", edit_json=edit, fix_checksums=0)
    with pytest.raises(ValueError, match="model.json was modified"):
        load_model(bad)


def test_other_version_is_refused(saved, tmp_path):
    def old(manifest):
        manifest["version"] = "0.0.1"

    bad = _rewrite(saved, tmp_path / "old.lcgan", edit_json=old)
    with pytest.raises(ValueError, match=r"written by sklearn-lcgan 0\.0\.1") as info:
        load_model(bad)
    assert f"this is {sklearn_lcgan.__version__} (format {FORMAT})" in str(info.value)


class _Payload:
    """Unpickling this runs code: what a weights-only load must refuse."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_code_in_a_consistent_file_does_not_run(saved, tmp_path):
    marker = tmp_path / "pwned"
    buffer = io.BytesIO()
    torch.save({"0": _Payload(str(marker))}, buffer)
    bad = _rewrite(saved, tmp_path / "evil.lcgan", tensors=buffer.getvalue())
    with pytest.raises(ValueError, match="holds more than tensors"):
        load_model(bad)
    assert not marker.exists()

    def foreign_class(manifest):
        manifest["estimator"] = {"__estimator__": "os:system", "params": {}}

    bad = _rewrite(saved, tmp_path / "cls.lcgan", edit_json=foreign_class)
    with pytest.raises(ValueError, match="not from a trusted package"):
        load_model(bad)

    def not_an_estimator(manifest):
        manifest["estimator"] = {
            "__estimator__": "sklearn_lcgan._gan_training:_AtomicCheckpoint",
            "params": {"path": str(marker)},
        }

    bad = _rewrite(saved, tmp_path / "obj.lcgan", edit_json=not_an_estimator)
    with pytest.raises(ValueError, match="not an estimator"):
        load_model(bad)
    assert not marker.exists()


def test_device_can_be_chosen_at_load_time(fitted_generator, tmp_path):
    gan = copy.copy(fitted_generator)
    gan.device = "cuda:7"  # as if trained on a GPU machine
    save_model(gan, tmp_path / "gpu.lcgan")
    loaded = load_model(tmp_path / "gpu.lcgan", device="cpu")
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(
        loaded.sample(3, random_state=0)[0],
        fitted_generator.sample(3, random_state=0)[0],
    )


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no such model file"):
        load_model(tmp_path / "nothing.lcgan")

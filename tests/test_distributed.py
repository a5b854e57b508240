import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_lcgan import (
    TransitCurveGenerator,
    TransitInjector,
    make_detection_pipeline,
)
from sklearn_lcgan.distributed import (
    predict_proba_blocks,
    sample_blocks,
    transform_blocks,
)

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

TINY = dict(
    classifier__max_epochs=1,
    classifier__module__hidden_size=8,
    classifier__random_state=0,
    classifier__train_split=None,
)


@pytest.fixture(scope="module")
def client():
    """Two worker processes on loopback, as a small real cluster."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def fitted_pipeline(kepler_like):
    X, y, _ = kepler_like
    return make_detection_pipeline(**TINY).fit(X, y)


def test_grid_search_runs_on_the_cluster(client, kepler_like):
    X, y, _ = kepler_like
    grid = {"classifier__lr": [1e-3, 3e-3], "detrender__window": [0.5, 1.0]}
    cv = StratifiedKFold(2, shuffle=True, random_state=0)

    def search():
        return GridSearchCV(make_detection_pipeline(**TINY), grid, cv=cv, n_jobs=2)

    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            on_cluster = search().fit(X, y)
    assert len(stream.data) >= 8  # 4 settings x 2 folds ran as cluster tasks
    local = search().fit(X, y)
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        atol=1e-6,
    )
    assert on_cluster.best_params_ == local.best_params_


def test_chunked_inference_on_the_cluster(client, fitted_pipeline, kepler_like):
    X, _, _ = kepler_like
    lazy = predict_proba_blocks(fitted_pipeline, da.from_array(X, chunks=(7, 200)))
    assert lazy.shape == (len(X),) and lazy.numblocks == (9,)
    np.testing.assert_allclose(
        client.compute(lazy).result(),
        fitted_pipeline.predict_proba(X)[:, 1],
        rtol=1e-5,
        atol=1e-6,
    )


def test_chunked_injection_equals_in_memory(client, kepler_like):
    X, y, _ = kepler_like
    injector = TransitInjector(period=(1.0, 4.0), random_state=5).fit(X)
    lazy = transform_blocks(injector, da.from_array(X, chunks=(11, -1)))
    np.testing.assert_array_equal(client.compute(lazy).result(), injector.transform(X))


def test_chunked_sampling_is_repeatable(client, kepler_like, set_torch_threads):
    X, _, _ = kepler_like
    gan = TransitCurveGenerator(
        generator__latent_dim=8,
        generator__hidden_sizes=(16,),
        critic__hidden_sizes=(8,),
        max_epochs=1,
        random_state=0,
    ).fit(X)
    lazy = sample_blocks(gan, 25, chunk_size=10, random_state=1)
    assert lazy.shape == (25, X.shape[1]) and lazy.chunks[0] == (10, 10, 5)
    first = client.compute(lazy).result()
    # Dask's workers run torch on one thread, and float32 sums split among
    # threads round differently: the same curves need the same thread count.
    set_torch_threads(1)
    np.testing.assert_array_equal(first, lazy.compute(scheduler="sync"))
    assert np.isfinite(first).all() and len(np.unique(first[:, 0])) == 25


def test_wrong_input_is_a_clear_error(fitted_pipeline, kepler_like):
    X, _, _ = kepler_like
    with pytest.raises(TypeError, match="dask.array.from_array"):
        predict_proba_blocks(fitted_pipeline, X)
    with pytest.raises(ValueError, match="2-D array"):
        transform_blocks(TransitInjector().fit(X), da.from_array(X[0]))
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        sample_blocks(
            TransitCurveGenerator(max_epochs=1, generator__latent_dim=4).fit(X[:, :64]),
            5,
            chunk_size=0,
        )


def test_everything_else_works_without_dask():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["dask"] = None  # as if dask were not installed
        from sklearn_lcgan import TransitInjector, make_kepler_like
        from sklearn_lcgan import distributed
        X, y = make_kepler_like(4, n_points=300, random_state=0)
        TransitInjector(period=(1, 2)).fit_transform(X)
        try:
            distributed.transform_blocks(None, X)
        except ImportError as exc:
            print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "pip install 'sklearn-lcgan[dask]'" in out.stdout

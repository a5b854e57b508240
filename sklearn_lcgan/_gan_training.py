"""The adversarial training of a TransitCurveGenerator's networks, in skorch.

Wasserstein loss with gradient penalty (Gulrajani et al. 2017) or the
prototype's non-saturating loss with one-sided label smoothing; a lazy
gradient penalty, a critic that judges packs of curves, an optional kernel
MMD between log power spectra. skorch runs the loop: its iterator, history,
epoch timer, progress bar and log; the generator and the critic are its two
modules, each with its own optimiser, as in skorch's multi-module nets.
"""

from __future__ import annotations

import copy
import json
import os

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer, PassthroughScoring, ProgressBar
from skorch.utils import to_tensor

from ._atomic import atomic_write
from ._epoch_table import EpochTable
from ._interrupt import keep_last_epoch
from ._robust import robust_standardise
from .nn import CurveSummary, rbf_mmd

CHECKPOINT = "checkpoint.pt"

# Per-step values; each epoch's mean goes into the history under its name.
_LOSSES = ("critic_loss", "wasserstein", "generator_loss", "spectral_mmd")


def generate(generator, z, labels=None, white=None):
    """``generator``'s float32 curves, on the training curves' scale if its
    ``standardise_output``."""
    curves = generator(z, labels, white).float()
    if generator.standardise_output:
        curves = robust_standardise(curves)
    return curves


class _AtomicCheckpoint(Callback):
    """Write the net's whole state to ``path`` after every epoch, all or
    nothing (skorch's Checkpoint writes a file per part, one at a time, so an
    interruption can leave parts of two epochs)."""

    def __init__(self, path):
        self.path = path

    def on_epoch_end(self, net, **kwargs):
        state = net.state()
        atomic_write(self.path, lambda partial: torch.save(state, partial))


class AdversarialNet(NeuralNet):
    """skorch's training loop for a GAN.

    ``module`` is the generator and ``critic`` the critic, both already built;
    ``optimizer`` and ``critic_optimizer`` their optimisers, set by prefix
    (``optimizer__lr``, ``critic_optimizer__lr``) as skorch sets any
    module's. Each batch steps the critic once and, every ``n_critic``
    batches, the generator. ``fit`` takes ``X`` a dict of the scaled curves
    (``"curves"``) and, if the critic or the loss reads them, their
    :class:`~sklearn_lcgan.nn.CurveSummary` (``"summaries"``), and ``y`` the
    class codes.

    Parameters
    ----------
    module : torch.nn.Module
        The generator (ComponentGenerator or FCGenerator).
    critic : torch.nn.Module
        The critic (PatchLSTMCritic).
    loss : {"wgan-gp", "bce"}
        The adversarial loss; ``criterion`` (binary cross-entropy on logits)
        serves ``"bce"``.
    loss_settings : dict
        ``gp_weight``, ``gp_interval``, ``label_smoothing`` and
        ``spectral_weight``, as TransitCurveGenerator routes them, and
        ``quantiles``, whether the spectral loss's summaries hold the
        curves' quantiles (as the critic's spectrum branch does).
    n_critic : int
        Critic steps per generator step.
    conditional : bool
        Whether the networks read the class codes.
    checkpoint : str or None
        Where to write the state after every epoch, or None.
    **kwargs
        Any other NeuralNet parameter.
    """

    def __init__(
        self,
        module,
        critic,
        *,
        loss,
        loss_settings,
        n_critic,
        conditional,
        checkpoint=None,
        critic_optimizer=torch.optim.Adam,
        **kwargs,
    ):
        # Set before NeuralNet's own: skorch refuses a module set later
        # outside its initialize methods.
        self.critic = critic
        self.critic_optimizer = critic_optimizer
        self.loss = loss
        self.loss_settings = loss_settings
        self.n_critic = n_critic
        self.conditional = conditional
        self.checkpoint = checkpoint
        super().__init__(module, torch.nn.BCEWithLogitsLoss, **kwargs)

    # -- skorch's parts ---------------------------------------------------------
    @property
    def _default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        # lower_is_better=None: a GAN's losses have no best epoch.
        callbacks += [
            (name, PassthroughScoring(name, lower_is_better=None, on_train=True))
            for name in _LOSSES
        ]
        if self.checkpoint is not None:
            callbacks.append(("checkpoint", _AtomicCheckpoint(self.checkpoint)))
        if self.verbose:
            callbacks.append(("print_log", EpochTable()))
        return callbacks

    def initialize_module(self):
        super().initialize_module()
        self.critic_ = self.initialized_instance(
            self.critic, self.get_params_for("critic")
        )
        settings = self.loss_settings
        self.spectrum_ = None
        if settings["spectral_weight"]:
            self.spectrum_ = CurveSummary(
                self.module_.n_points, settings["quantiles"]
            ).to(self.device)
        return self

    def initialize_optimizer(self, *args, **kwargs):
        for name, module in [
            ("optimizer", self.module_),
            ("critic_optimizer", self.critic_),
        ]:
            params = self.get_params_for_optimizer(name, module.named_parameters())
            setattr(self, f"{name}_", getattr(self, name)(*params[0], **params[1]))
        self.critic_steps_ = 0
        return self

    def summarise(self, curves):
        """The real curves' summaries that the critic's spectrum branch or
        the spectral loss read (None if neither does): they never change, so
        they are computed once, not in every step (the quantiles' sort costs
        more than anything but the LSTMs)."""
        summarise = self.critic_.summary
        if summarise is None:
            summarise = self.spectrum_
        if summarise is None:
            return None
        with torch.no_grad():
            return torch.cat([summarise(chunk) for chunk in curves.split(1024)])

    def train_step(self, batch, **fit_params):
        X, codes = batch
        real = to_tensor(X["curves"], self.device)
        labels = to_tensor(codes, self.device) if self.conditional else None
        summary = X.get("summaries")
        if summary is not None:
            summary = to_tensor(summary, self.device)
        record = self.history.record_batch
        d_loss, gap = self.critic_step(real, labels, summary)
        record("critic_loss", d_loss)
        record("wasserstein", gap)
        if (len(self.history[-1, "batches"]) - 1) % self.n_critic == 0:
            g_loss, spectral = self.generator_step(real, labels, summary)
            record("generator_loss", g_loss)
            if self.spectrum_ is not None:
                record("spectral_mmd", spectral)
        return {"loss": torch.tensor(d_loss)}

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; Ctrl-C keeps the last finished epoch, a NaN loss
        stops with an error and the last finished epoch's weights."""
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            good = self.__dict__.get("epoch_start_")
            if good is None:  # before the first epoch began: nothing to keep
                raise
            keep_last_epoch(
                lambda: self.load_state(good), len(self.history_) - 1, "GAN training"
            )
            return self
        finally:
            self.__dict__.pop("epoch_start_", None)  # a copy of the weights

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.epoch_start_ = self.state()
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # The net's own hook runs before its callbacks: a diverged epoch is
        # neither averaged nor checkpointed.
        batches = self.history[-1, "batches"]
        values = [batch[key] for batch in batches for key in _LOSSES if key in batch]
        if np.isfinite(values).all():
            return
        epoch = len(self.history)
        self.load_state(self.epoch_start_)
        hint = " or use loss='wgan-gp'" if self.loss == "bce" else ""
        raise FloatingPointError(
            f"GAN training diverged at epoch {epoch} (loss is NaN or infinite); "
            f"the weights of epoch {epoch - 1} are kept. Lower optimizer__lr (now "
            f"{self.optimizer_.param_groups[0]['lr']}) or loss__gp_weight (now "
            f"{self.loss_settings['gp_weight']}){hint}."
        )

    # -- the steps ---------------------------------------------------------------
    def fake(self, n, labels, device):
        """Generated curves from fresh latent vectors and the generator's own
        random draws."""
        generator = self.module_
        z = torch.randn(n, generator.latent_dim + generator.n_random, device=device)
        return generate(generator, z, labels)

    def critic_step(self, real, labels, real_summary):
        """One critic update; ``real_summary`` is the real batch's
        ``CurveSummary`` (None if neither the critic nor the loss reads it)."""
        fake = self.fake(len(real), labels, real.device).detach()
        real_score = self.critic_(real, labels, real_summary)
        fake_score = self.critic_(fake, labels)
        gap = real_score.mean() - fake_score.mean()
        settings = self.loss_settings
        if self.loss == "wgan-gp":
            loss = -gap
            # Lazy regularisation (Karras et al. 2020): the penalty's double
            # backward through the LSTM is the costliest step, so it runs every
            # gp_interval steps with its weight scaled to match.
            self.critic_steps_ += 1
            interval = settings["gp_interval"]
            if self.critic_steps_ % interval == 0:
                penalty = self.gradient_penalty(real, fake, labels)
                loss = loss + settings["gp_weight"] * interval * penalty
        else:
            target = torch.full_like(real_score, float(settings["label_smoothing"]))
            loss = self.criterion_(real_score, target) + self.criterion_(
                fake_score, torch.zeros_like(fake_score)
            )
        self.critic_optimizer_.zero_grad()
        loss.backward()
        self.critic_optimizer_.step()
        return loss.item(), gap.item()

    def gradient_penalty(self, real, fake, labels):
        """WGAN-GP's penalty, one mixing weight and gradient norm per pack."""
        pack = self.critic_.pack
        n_packs = len(real) // pack
        real, fake = real[: n_packs * pack], fake[: n_packs * pack]
        alpha = torch.rand(n_packs, 1, device=real.device)
        alpha = alpha.repeat_interleave(pack, dim=0)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        score = self.critic_(mixed, labels)
        (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
        return ((grad.reshape(n_packs, -1).norm(dim=1) - 1.0) ** 2).mean()

    def generator_step(self, real, labels, real_summary):
        """One generator update; ``real_summary`` as in :meth:`critic_step`."""
        fake = self.fake(len(real), labels, real.device)
        score = self.critic_(fake, labels)
        if self.loss == "wgan-gp":
            loss = -score.mean()
        else:
            loss = self.criterion_(score, torch.ones_like(score))
        spectral = torch.zeros(())
        if self.spectrum_ is not None:
            spectral = rbf_mmd(self.spectrum_(fake), real_summary)
            loss = loss + self.loss_settings["spectral_weight"] * spectral
        self.optimizer_.zero_grad()
        loss.backward()
        self.optimizer_.step()
        return loss.item(), spectral.item()

    # -- state and checkpoints ---------------------------------------------------
    def state(self):
        """Copies of both networks, both optimisers and the history."""
        return {
            "generator": copy.deepcopy(self.module_.state_dict()),
            "critic": copy.deepcopy(self.critic_.state_dict()),
            "opt_g": copy.deepcopy(self.optimizer_.state_dict()),
            "opt_d": copy.deepcopy(self.critic_optimizer_.state_dict()),
            # As text: torch's safe loading takes no numpy scalars.
            "history": json.dumps(list(self.history_)),
        }

    def load_state(self, state):
        """Put back what :meth:`state` returned."""
        self.module_.load_state_dict(state["generator"])
        self.critic_.load_state_dict(state["critic"])
        self.optimizer_.load_state_dict(state["opt_g"])
        self.critic_optimizer_.load_state_dict(state["opt_d"])
        self.history_.clear()
        self.history_.extend(json.loads(state["history"]))

    def resume(self):
        """Load the checkpoint, if there is one."""
        if self.checkpoint is None or not os.path.exists(self.checkpoint):
            return
        try:
            self.load_state(torch.load(self.checkpoint, weights_only=True))
        except (RuntimeError, KeyError, ValueError, EOFError) as exc:
            raise ValueError(
                f"The checkpoint {self.checkpoint} does not fit this generator "
                f"(different data or settings, or a damaged file): {exc}. Delete "
                "it or choose another checkpoint_dir."
            ) from None


def adversarial_net(gan, n_curves):
    """An initialised :class:`AdversarialNet` for ``gan``'s ``generator_``
    and ``critic_``, for ``n_curves`` training curves."""
    checkpoint = None
    if gan.checkpoint_dir is not None:
        checkpoint = os.path.join(gan.checkpoint_dir, CHECKPOINT)
    optimizer = {f"optimizer__{k}": v for k, v in gan._routed("optimizer").items()}
    critic_optimizer = {
        f"critic_optimizer__{k}": v for k, v in gan._routed("critic_optimizer").items()
    }
    # As MLPClassifier does, fewer curves than a batch make one batch.
    batch_size = min(gan.batch_size, n_curves)
    progress = ProgressBar(
        n_curves // batch_size, postfix_keys=["critic_loss", "generator_loss"]
    )
    net = AdversarialNet(
        gan.generator_,
        gan.critic_,
        loss=gan.loss,
        loss_settings={
            **gan._routed("loss"),
            "quantiles": gan._routed("critic")["quantiles"],
        },
        n_critic=gan.n_critic,
        conditional=gan.classes_ is not None,
        checkpoint=checkpoint,
        optimizer=torch.optim.Adam,
        max_epochs=gan.max_epochs,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        iterator_train__drop_last=True,
        train_split=None,
        device=gan.device,
        verbose=gan.verbose,
        callbacks=[("progress_bar", progress)] if gan.verbose else None,
        **optimizer,
        **critic_optimizer,
    )
    return net.initialize()

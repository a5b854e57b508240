"""The adversarial training of a TransitCurveGenerator's networks.

Wasserstein loss with gradient penalty (Gulrajani et al. 2017) or the
prototype's non-saturating loss with one-sided label smoothing; a lazy
gradient penalty, a critic that judges packs of curves, an optional kernel
MMD between log power spectra; checkpoints after every epoch.
"""

from __future__ import annotations

import copy
import os
import time
from functools import partial

import numpy as np
import torch
from tqdm.auto import tqdm

from ._atomic import atomic_write
from ._interrupt import keep_last_epoch
from ._robust import robust_standardise
from .nn import CurveSummary, rbf_mmd

CHECKPOINT = "checkpoint.pt"


def generate(gan, z, labels=None, white=None):
    """The generator's float32 curves, on the training curves' scale if its
    ``standardise_output``."""
    curves = gan.generator_(z, labels, white).float()
    if gan.generator_.standardise_output:
        curves = robust_standardise(curves)
    return curves


class GANTraining:
    """One fit of ``gan``'s networks: its optimisers, losses and checkpoints.

    Parameters
    ----------
    gan : TransitCurveGenerator
        The estimator, with its untrained ``generator_`` and ``critic_``; its
        ``history_`` grows by one record per epoch.
    device : torch.device
        Where the networks are.
    """

    def __init__(self, gan, device):
        self.gan = gan
        self.settings = gan._routed("loss")
        self.optimizer = gan._routed("optimizer")
        self.opt_g = torch.optim.Adam(gan.generator_.parameters(), **self.optimizer)
        self.opt_d = torch.optim.Adam(
            gan.critic_.parameters(), **gan._routed("critic_optimizer")
        )
        self.critic_steps = 0
        self.spectrum = None
        self.spectral_weight = self.settings["spectral_weight"]
        if self.spectral_weight:
            quantiles = gan._routed("critic")["quantiles"]
            self.spectrum = CurveSummary(gan.n_features_in_, quantiles).to(device)

    def run(self, Z, codes, seed, device):
        """Train on the scaled curves ``Z`` with class codes ``codes``."""
        gan = self.gan
        rng = np.random.default_rng(seed)
        data = torch.from_numpy(Z).to(device)
        labels = torch.from_numpy(codes).to(device)
        conditional = gan.classes_ is not None
        # The critic's spectrum branch and the spectral loss read the same
        # summaries of the real curves, which do not change: computed once,
        # not in every step (the quantiles' sort costs more than anything but
        # the LSTMs).
        summaries = None
        summarise = gan.critic_.summary
        if summarise is None:
            summarise = self.spectrum
        if summarise is not None:
            with torch.no_grad():
                summaries = torch.cat([summarise(chunk) for chunk in data.split(1024)])
        epochs = range(len(gan.history_), gan.max_epochs)
        bar = tqdm(epochs, desc="GAN epochs", disable=not gan.verbose)
        for epoch in bar:
            start = time.perf_counter()
            good = self.state()
            sums = {"critic_loss": 0.0, "generator_loss": 0.0, "wasserstein": 0.0}
            if self.spectral_weight:
                sums["spectral_mmd"] = 0.0
            order = rng.permutation(len(Z))
            n_batches = max(1, len(Z) // gan.batch_size)
            try:
                for b in range(n_batches):
                    rows = torch.from_numpy(
                        order[b * gan.batch_size : (b + 1) * gan.batch_size]
                    )
                    real, lab = data[rows], labels[rows] if conditional else None
                    summary = None if summaries is None else summaries[rows]
                    d_loss, gap = self.critic_step(real, lab, summary)
                    sums["critic_loss"] += d_loss
                    sums["wasserstein"] += gap
                    if b % gan.n_critic == 0:
                        g_loss, spectral = self.generator_step(real, lab, summary)
                        sums["generator_loss"] += g_loss
                        if self.spectral_weight:
                            sums["spectral_mmd"] += spectral
            except KeyboardInterrupt:
                keep_last_epoch(partial(self.load_state, good), epoch, "GAN training")
                return
            # Means per step: the generator steps once every n_critic batches.
            n_generator = len(range(0, n_batches, gan.n_critic))
            n_steps = {
                "critic_loss": n_batches,
                "wasserstein": n_batches,
                "generator_loss": n_generator,
                "spectral_mmd": n_generator,
            }
            record = {k: v / n_steps[k] for k, v in sums.items()}
            if not all(np.isfinite(v) for v in record.values()):
                self.load_state(good)
                hint = " or use loss='wgan-gp'" if gan.loss == "bce" else ""
                raise FloatingPointError(
                    f"GAN training diverged at epoch {epoch + 1} (loss is NaN or "
                    f"infinite); the weights of epoch {epoch} are kept. Lower "
                    f"optimizer__lr (now {self.optimizer['lr']}) or "
                    f"loss__gp_weight (now {self.settings['gp_weight']}){hint}."
                )
            record.update(epoch=epoch + 1, seconds=time.perf_counter() - start)
            gan.history_.append(record)
            bar.set_postfix(
                critic=f"{record['critic_loss']:.3g}",
                gen=f"{record['generator_loss']:.3g}",
            )
            self.save_checkpoint()

    def noise(self, n, device):
        """Latent vectors plus the generator's own random draws."""
        generator = self.gan.generator_
        width = generator.latent_dim + generator.n_random
        return torch.randn(n, width, device=device)

    def critic_step(self, real, labels, real_summary):
        """One critic update; ``real_summary`` is the real batch's
        ``CurveSummary`` (None if neither the critic nor the loss reads it)."""
        gan = self.gan
        fake = generate(gan, self.noise(len(real), real.device), labels).detach()
        real_score = gan.critic_(real, labels, real_summary)
        fake_score = gan.critic_(fake, labels)
        if gan.loss == "wgan-gp":
            gap = real_score.mean() - fake_score.mean()
            loss = -gap
            # Lazy regularisation (Karras et al. 2020): the penalty's double
            # backward through the LSTM is the costliest step, so it runs every
            # gp_interval steps with its weight scaled to match.
            self.critic_steps += 1
            interval = self.settings["gp_interval"]
            if self.critic_steps % interval == 0:
                penalty = self.gradient_penalty(real, fake, labels)
                loss = loss + self.settings["gp_weight"] * interval * penalty
        else:
            target = torch.full_like(
                real_score, float(self.settings["label_smoothing"])
            )
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            loss = bce(real_score, target) + bce(
                fake_score, torch.zeros_like(fake_score)
            )
            gap = real_score.mean() - fake_score.mean()
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        return loss.item(), gap.item()

    def gradient_penalty(self, real, fake, labels):
        """WGAN-GP's penalty, one mixing weight and gradient norm per pack."""
        pack = self.gan.critic_.pack
        n_packs = len(real) // pack
        real, fake = real[: n_packs * pack], fake[: n_packs * pack]
        alpha = torch.rand(n_packs, 1, device=real.device)
        alpha = alpha.repeat_interleave(pack, dim=0)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        score = self.gan.critic_(mixed, labels)
        (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
        return ((grad.reshape(n_packs, -1).norm(dim=1) - 1.0) ** 2).mean()

    def generator_step(self, real, labels, real_summary):
        """One generator update; ``real_summary`` as in :meth:`critic_step`."""
        gan = self.gan
        fake = generate(gan, self.noise(len(real), real.device), labels)
        score = gan.critic_(fake, labels)
        if gan.loss == "wgan-gp":
            loss = -score.mean()
        else:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                score, torch.ones_like(score)
            )
        spectral = torch.zeros(())
        if self.spectral_weight:
            spectral = rbf_mmd(self.spectrum(fake), real_summary)
            loss = loss + self.spectral_weight * spectral
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        return loss.item(), spectral.item()

    # -- state and checkpoints ------------------------------------------------
    def state(self):
        """Copies of both networks, both optimisers and the history."""
        return {
            "generator": copy.deepcopy(self.gan.generator_.state_dict()),
            "critic": copy.deepcopy(self.gan.critic_.state_dict()),
            "opt_g": copy.deepcopy(self.opt_g.state_dict()),
            "opt_d": copy.deepcopy(self.opt_d.state_dict()),
            "history": copy.deepcopy(self.gan.history_),
        }

    def load_state(self, state):
        """Put back what :meth:`state` returned."""
        self.gan.generator_.load_state_dict(state["generator"])
        self.gan.critic_.load_state_dict(state["critic"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.gan.history_ = list(state["history"])

    def save_checkpoint(self):
        """Write the state to ``checkpoint_dir``, all or nothing."""
        if self.gan.checkpoint_dir is None:
            return
        state = self.state()
        path = os.path.join(self.gan.checkpoint_dir, CHECKPOINT)
        atomic_write(path, lambda partial: torch.save(state, partial))

    def resume(self):
        """Load the checkpoint in ``checkpoint_dir``, if there is one."""
        if self.gan.checkpoint_dir is None:
            return
        path = os.path.join(self.gan.checkpoint_dir, CHECKPOINT)
        if not os.path.exists(path):
            return
        try:
            self.load_state(torch.load(path, weights_only=True))
        except (RuntimeError, KeyError, ValueError, EOFError) as exc:
            raise ValueError(
                f"The checkpoint {path} does not fit this generator (different "
                f"data or settings, or a damaged file): {exc}. Delete it or "
                "choose another checkpoint_dir."
            ) from None

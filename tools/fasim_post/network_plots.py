"""Figures of network result files (problem.source = network beyond the paper's model, docs/networks.md): the
loss ‖O − Ŷ‖²_F and each hidden layer's alignment align_l per algorithm. Each returns a list of (kind, Figure)."""
import numpy as np


def is_network(res):
    """A network result: its /problem records the depth (the paper's model's does not)."""
    return "depth" in res.problem


def _runs(res, metric):
    return [r for r in res.runs.values() if r.T > 0 and r.metric(metric) is not None]


def network_loss_plot(res, name):
    """‖O − Ŷ‖²_F vs step per algorithm (log-y when it spans more than two decades)."""
    from .plots import _color, _fig, _label, _label_axes, _logy_if_useful
    runs = _runs(res, "loss") if is_network(res) else []
    if not runs:
        return []
    depth, activation = res.problem.get("depth"), res.problem.get("activation", "")
    fig, (ax,) = _fig(f"{name}: loss (depth {depth}, {activation})")
    for run in runs:
        ax.plot(run.steps(), run.metric("loss"), label=_label(run.name), color=_color(run.name))
    _logy_if_useful(ax, [r.metric("loss") for r in runs])
    _label_axes(ax, "step", "loss ‖O − Ŷ‖²_F")
    return [("network_loss", fig)]


def layer_alignment_plot(res, name):
    """One panel per hidden layer l = 1 … L−1: align_l vs step per algorithm (docs/config.md defines it:
    cos∠(W_{l+1}, C_{l+1}) for fa and the rules, cos∠(W_L·…·W_{l+1}, D_l) for dfa, 1 for gd)."""
    from .plots import _color, _fig, _label, _label_axes
    if not is_network(res):
        return []
    layers = sorted({int(m.split("_")[1]) for r in res.runs.values() for m in r.trajectory
                     if m.startswith("align_") and m.split("_")[1].isdigit()})
    if not layers:
        return []
    fig, axes = _fig(f"{name}: per-layer alignment", ncols=len(layers))
    for ax, layer in zip(axes, layers):
        metric = f"align_{layer}"
        for run in _runs(res, metric):
            y = np.asarray(run.metric(metric), dtype=float)
            ax.plot(run.steps(), y, label=_label(run.name), color=_color(run.name))
        ax.set_ylim(-1.05, 1.05)
        ax.set_title(f"layer {layer}", fontsize="medium")
        _label_axes(ax, "step", f"{metric}  cos∠", legend=layer == layers[0])
    return [("layer_alignment", fig)]

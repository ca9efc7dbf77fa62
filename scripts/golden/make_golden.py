#!/usr/bin/env python3
"""Write the PyTorch golden fixture for the ForecastModels tests.

    $TORCH_PYTHON scripts/golden/make_golden.py \
        [--out Tests/ForecastModelsTests/Fixtures/golden.json]

TORCH_PYTHON is any Python with torch and numpy; scripts/bench/models.sh uses
../venv-torch/bin/python (a venv beside the repository) by default.

PyTorch is only needed to regenerate the fixture, never to run the tests.
Everything is seeded (torch.manual_seed), so rerunning the script with the same
PyTorch version reproduces the file.

Numbers
-------
Weights, inputs and targets are drawn in float32 and then widened to float64,
so they are exactly representable in Float32 and a Float32 model loaded from
the fixture holds *the same* weights as the reference.  The reference forward
and backward passes run in float64; a Float32 implementation should then agree
to about 1e-6 relative and a Float64 implementation to about 1e-12.

Cases (x is time-major: (T, B, D); T=5, B=3, D=2, H=4 unless stated)
--------------------------------------------------------------------
* rnn_l1, rnn_l2, gru_l1, gru_l2, lstm_l1, lstm_l2 — nn.RNN (tanh) / nn.GRU /
  nn.LSTM, 1 or 2 stacked layers, unidirectional.  Head: Linear(H, 1) applied
  to out[-1] (the top layer's last hidden state, == h_n[-1]).
* birnn_sum, bigru_sum, bilstm_sum — one bidirectional layer.  Head:
  Linear(H, 1) applied to h_n[0] + h_n[1], i.e. the forward direction's state
  after step T-1 plus the backward direction's state after it has consumed
  the whole sequence (ending at t = 0).
* birnn_concat, bigru_concat, bilstm_concat — same, head Linear(2H, 1) applied
  to cat(h_n[0], h_n[1]) along features (forward first).
  For every bidirectional case `output` is PyTorch's (T, B, 2H) sequence output
  (forward features first, then backward), so a 'sum' merge of the sequence is
  output[..., :H] + output[..., H:].
* rnn_h12_l1, gru_h12_l1, lstm_h12_l1, gru_h12_l2, lstm_h12_l2, bigru_h12_sum,
  bilstm_h12_concat — as above with H=12, so kernels that work on 8 SIMD lanes
  run their vector loop and their scalar remainder (own seeds).
* mlp — x (T, B, D) is flattened per window to (B, T*D) with feature index
  t*D + d (x.permute(1, 0, 2).reshape(B, T*D)), then Linear(T*D, H) ReLU
  Linear(H, H) ReLU Linear(H, 1).
* adam — the gru_l1 architecture (own seed) trained two steps on one batch
  with torch.optim.Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8,
  weight_decay=0); records parameters before, after step 1 and after step 2,
  and the gradients used by each step.

Loss is nn.MSELoss() (mean over the B x 1 predictions) against a seeded
target of shape (B, 1).

Layouts (PyTorch's own, all flat arrays row-major with a shape)
---------------------------------------------------------------
rnn.weight_ih_l{k}[_reverse]: (G*H, D_in)   rnn.weight_hh_l{k}[_reverse]: (G*H, H)
rnn.bias_ih_l{k}[_reverse]:   (G*H,)        rnn.bias_hh_l{k}[_reverse]:   (G*H,)
with gate blocks stacked along rows: RNN G=1; GRU G=3 in order (r, z, n) with
n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); LSTM G=4 in order (i, f, g, o).
D_in is D for layer 0, H (or 2H if bidirectional) above.  head.weight: (1, H)
or (1, 2H); head.bias: (1,).  MLP: fc1/fc2/fc3 .weight (out, in), .bias (out,).
h_n / c_n: (layers * directions, B, H), index layer*directions + direction.
"""
import argparse
import json
import os

import torch
import torch.nn as nn

T, B, D, H = 5, 3, 2, 4
WIDE = 12  # hidden size of the *_h12_* cases
SEED = 20240601


class RecurrentRegressor(nn.Module):
    """Recurrent stack followed by a Linear head on its final state(s)."""

    def __init__(self, kind, layers, bidirectional, merge, hidden=None):
        super().__init__()
        hidden = hidden or H
        cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]
        kw = {"nonlinearity": "tanh"} if kind == "rnn" else {}
        self.kind, self.bidirectional, self.merge = kind, bidirectional, merge
        self.rnn = cls(input_size=D, hidden_size=hidden, num_layers=layers,
                       bidirectional=bidirectional, batch_first=False, **kw)
        head_in = 2 * hidden if (bidirectional and merge == "concat") else hidden
        self.head = nn.Linear(head_in, 1)

    def forward(self, x):
        out, state = self.rnn(x)
        h_n, c_n = state if self.kind == "lstm" else (state, None)
        if not self.bidirectional:
            feat = out[-1]
        elif self.merge == "sum":
            feat = h_n[-2] + h_n[-1]
        else:
            feat = torch.cat([h_n[-2], h_n[-1]], dim=1)
        return self.head(feat), out, h_n, c_n


class MLPRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(T * D, H)
        self.fc2 = nn.Linear(H, H)
        self.fc3 = nn.Linear(H, 1)

    def forward(self, x):
        flat = x.permute(1, 0, 2).reshape(x.shape[1], -1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(flat))))), None, None, None


def tensor(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def f32_exact(module):
    """Round every parameter to float32, then compute in float64."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.to(torch.float32).to(torch.float64))
    return module.double()


def make_data(gen):
    x = torch.randn(T, B, D, generator=gen, dtype=torch.float32).double()
    y = torch.randn(B, 1, generator=gen, dtype=torch.float32).double()
    return x, y


def run_case(name, spec, build, seed, hidden=H):
    torch.manual_seed(seed)
    model = f32_exact(build())
    gen = torch.Generator().manual_seed(seed + 1)
    x, target = make_data(gen)
    x.requires_grad_(True)
    pred, out, h_n, c_n = model(x)
    loss = nn.MSELoss()(pred, target)
    loss.backward()
    case = {
        "name": name,
        "spec": spec,
        "timeSteps": T, "batch": B, "inputSize": D, "hidden": hidden,
        "parameterNames": [n for n, _ in model.named_parameters()],
        "parameters": {n: tensor(p) for n, p in model.named_parameters()},
        "gradients": {n: tensor(p.grad) for n, p in model.named_parameters()},
        "x": tensor(x), "xGradient": tensor(x.grad),
        "target": tensor(target),
        "prediction": tensor(pred), "loss": float(loss.detach()),
    }
    if out is not None:
        case["output"] = tensor(out)
        case["hN"] = tensor(h_n)
    if c_n is not None:
        case["cN"] = tensor(c_n)
    return case


def adam_case(seed):
    torch.manual_seed(seed)
    model = f32_exact(RecurrentRegressor("gru", 1, False, None))
    gen = torch.Generator().manual_seed(seed + 1)
    x, target = make_data(gen)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999),
                           eps=1e-8, weight_decay=0.0)
    names = [n for n, _ in model.named_parameters()]
    snap = lambda: {n: tensor(p) for n, p in model.named_parameters()}
    grads = lambda: {n: tensor(p.grad) for n, p in model.named_parameters()}
    record = {"name": "adam", "spec": "gru(4) > dense(1)",
              "timeSteps": T, "batch": B, "inputSize": D, "hidden": H,
              "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
              "parameterNames": names, "x": tensor(x), "target": tensor(target),
              "parameters0": snap(), "steps": []}
    for _ in range(2):
        opt.zero_grad(set_to_none=True)
        loss = nn.MSELoss()(model(x)[0], target)
        loss.backward()
        g = grads()
        opt.step()
        record["steps"].append({"loss": float(loss.detach()), "gradients": g, "parameters": snap()})
    return record


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "Tests", "ForecastModelsTests",
                               "Fixtures", "golden.json")
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.normpath(default_out))
    a = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    cases = []
    seed = SEED
    for kind in ("rnn", "gru", "lstm"):
        for layers in (1, 2):
            extra = "" if layers == 1 else ", layers: 2"
            cases.append(run_case(
                f"{kind}_l{layers}", f"{kind}({H}{extra}) > dense(1)",
                lambda k=kind, l=layers: RecurrentRegressor(k, l, False, None), seed))
            seed += 10
    for merge in ("sum", "concat"):
        for kind in ("rnn", "gru", "lstm"):
            cases.append(run_case(
                f"bi{kind}_{merge}", f"bi{kind}({H},{merge}) > dense(1)",
                lambda k=kind, m=merge: RecurrentRegressor(k, 1, True, m), seed))
            seed += 10
    cases.append(run_case("mlp", f"flatten > dense({H},relu) > dense({H},relu) > dense(1)",
                          MLPRegressor, seed))
    seed += 10
    # Wider cases: H = 12 = 8 + 4, so vectorised kernels (8 lanes) run both their main loop and
    # their remainder. Own seed range, so the cases above stay unchanged.
    wide_seed = SEED + 1000
    for kind, layers, bi, merge in (("rnn", 1, False, None), ("gru", 1, False, None),
                                    ("lstm", 1, False, None), ("gru", 2, False, None),
                                    ("lstm", 2, False, None), ("gru", 1, True, "sum"),
                                    ("lstm", 1, True, "concat")):
        name = ("bi" if bi else "") + f"{kind}_h{WIDE}" + (f"_{merge}" if bi else f"_l{layers}")
        args = [str(WIDE)] + ([merge] if bi else []) + ([f"layers: {layers}"] if layers > 1 else [])
        spec = ("bi" if bi else "") + f"{kind}(" + ", ".join(args) + ") > dense(1)"
        cases.append(run_case(
            name, spec,
            lambda k=kind, l=layers, b=bi, m=merge: RecurrentRegressor(k, l, b, m, hidden=WIDE),
            wide_seed, hidden=WIDE))
        wide_seed += 10

    doc = {
        "generator": "scripts/golden/make_golden.py",
        "torch": torch.__version__,
        "dtype": "float64 (weights, inputs and targets are float32-exact)",
        "seed": SEED,
        "loss": "MSELoss, mean over (B, 1)",
        "cases": cases,
        "adam": adam_case(seed),
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {a.out}: {len(cases)} cases + adam ({os.path.getsize(a.out)} bytes)")


if __name__ == "__main__":
    main()

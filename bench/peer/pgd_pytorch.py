"""The peer side of bench/AdvScan.Bench's --peer section: the same PGD as AdvScan's (L-inf, random start, fixed step,
every example takes every step, one gradient per step plus one to judge the last iterate, then the re-aimed point
P(x0 + eps sign(g)) judged by one forward pass and kept where its loss is higher) as a plain PyTorch loop on the
same architecture and weights (read from the ONNX initializers), the same digits, batch and thread count.

Prints one JSON line: the largest |logit difference| against AdvScan's logits for the batch (so the two run the same
model) and the median milliseconds per PGD run over the repetitions.
"""
import json
import statistics
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_layers(model_path):
    """Conv and Gemm weights in graph order: the conv-relu-pool stack, then the fully connected layers."""
    model = onnx.load(model_path)
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    convs, dense = [], []
    for node in model.graph.node:
        if node.op_type == "Conv":
            convs.append((init[node.input[1]], init[node.input[2]]))
        elif node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            w = init[node.input[1]]
            dense.append((w if trans_b else w.t().contiguous(), init[node.input[2]]))
    return convs, dense


def forward(x, convs, dense):
    for w, b in convs:
        x = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
    x = x.reshape(x.shape[0], -1)
    for i, (w, b) in enumerate(dense):
        x = F.linear(x, w, b)
        if i < len(dense) - 1:
            x = F.relu(x)
    return x


def pgd(x0, y, convs, dense, eps, alpha, steps, generator):
    x = (x0 + (torch.rand(x0.shape, generator=generator) * 2 - 1) * eps).clamp(0, 1)
    for step in range(steps + 1):
        x.requires_grad_(True)
        loss = F.cross_entropy(forward(x, convs, dense), y, reduction="none")
        (grad,) = torch.autograd.grad(loss.sum(), [x])
        if step == steps:
            with torch.no_grad():
                candidate = torch.min(torch.max(x0 + eps * grad.sign(), x0 - eps), x0 + eps).clamp(0, 1)
                better = F.cross_entropy(forward(candidate, convs, dense), y, reduction="none") > loss
                x = torch.where(better.reshape(-1, 1, 1, 1), candidate, x.detach())
            break
        with torch.no_grad():
            x = torch.min(torch.max(x + alpha * grad.sign(), x0 - eps), x0 + eps).clamp(0, 1)
    return x.detach()


def main():
    model, images, labels, logits_path, batch, steps, alpha, eps, threads, reps = sys.argv[1:11]
    batch, steps, threads, reps = int(batch), int(steps), int(threads), int(reps)
    alpha, eps = float(alpha), float(eps)
    torch.set_num_threads(threads)
    convs, dense = load_layers(model)
    for p in [t for layer in convs + dense for t in layer]:
        p.requires_grad_(False)
    rows = [i * 15 for i in range(batch)]
    x0 = torch.from_numpy(read_idx(images)[rows].astype(np.float32) / 255).reshape(batch, 1, 28, 28)
    y = torch.from_numpy(read_idx(labels)[rows].astype(np.int64))
    theirs = torch.from_numpy(np.fromfile(logits_path, dtype="<f4").reshape(batch, -1))
    with torch.no_grad():
        agree = float((forward(x0, convs, dense) - theirs).abs().max())
    generator = torch.Generator().manual_seed(1)
    pgd(x0, y, convs, dense, eps, alpha, steps, generator)  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        pgd(x0, y, convs, dense, eps, alpha, steps, generator)
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"agree_max_abs": agree, "median_ms": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()

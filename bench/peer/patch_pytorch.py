"""The peer side of bench/AdvScan.Bench's --patch-peer section: the plain universal adversarial patch an attacker would
write (Brown et al. 2017), in PyTorch, on the same model (its ONNX initializers, see pgd_pytorch.py), the same images
and the same patch size as AdvScan's patch check:

- a texture of side x side pixels from torch.rand, Adam at a constant learning rate, a batch of images per step drawn
  from a shuffled pass over the training part, loss -log(1 - p(true class)) untargeted or the target's cross-entropy;
- trained on the even-indexed images of the sample, judged on the odd-indexed ones;
- without transformations the texture is pasted pixel for pixel at a uniformly random whole-pixel position per image;
  with them (the EOT rows) each image gets the same kinds of draws as AdvScan's check (scale, rotation, keystone,
  brightness, contrast, blur, sensor noise), placed by grid_sample.

It writes its texture and the held-out images patched under its own random placements (float32; the odd indices in
order) for the C# side, where ONNX Runtime judges both: the texture under the very draws AdvScan's check judges its own
patch with (a paired comparison), and the images as the peer placed them. It prints one JSON line with the step time
and PyTorch's own count.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from pgd_pytorch import forward, load_layers


def paste(patch, images, generator):
    """The texture pasted pixel for pixel at a uniformly random whole-pixel position in each image."""
    n, _, h, w = images.shape
    s = patch.shape[-1]
    xs = torch.randint(0, w - s + 1, (n,), generator=generator).tolist()
    ys = torch.randint(0, h - s + 1, (n,), generator=generator).tolist()
    ones = torch.ones(1, s, s)
    colour = torch.stack([F.pad(patch, (x, w - s - x, y, h - s - y)) for x, y in zip(xs, ys)])
    alpha = torch.stack([F.pad(ones, (x, w - s - x, y, h - s - y)) for x, y in zip(xs, ys)])
    return images * (1 - alpha) + colour


def transformed(patch, images, side, eot, generator):
    """The texture under one random physical draw per image: lighting, scale/rotation/keystone, blur, noise."""
    n, c, h, w = images.shape

    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator)

    scale = uniform(eot["minScale"], eot["maxScale"])
    angle = uniform(-eot["rotation"], eot["rotation"]) * math.pi / 180
    kx, ky = uniform(-eot["perspective"], eot["perspective"]), uniform(-eot["perspective"], eot["perspective"])
    brightness = uniform(-eot["brightness"], eot["brightness"]).view(n, 1, 1, 1)
    contrast = uniform(1 - eot["contrast"], 1 + eot["contrast"]).view(n, 1, 1, 1)
    sigma = uniform(0, eot["blur"])
    noise = uniform(0, eot["noise"]).view(n, 1, 1, 1)
    half = side * scale / 2
    # Centre anywhere the whole transformed patch (bounding box of the turned square, stretched by the keystone, plus
    # a pixel of resampling and one of blur) stays inside the image.
    reach = half * (angle.cos().abs() + angle.sin().abs()) / (1 - kx.abs() - ky.abs()) + 1 + (1 if eot["blur"] > 0 else 0)
    cx = torch.where(w > 2 * reach, reach + (w - 2 * reach) * torch.rand(n, generator=generator), torch.full((n,), w / 2))
    cy = torch.where(h > 2 * reach, reach + (h - 2 * reach) * torch.rand(n, generator=generator), torch.full((n,), h / 2))

    rows = torch.arange(h, dtype=torch.float32).view(1, h, 1) + 0.5
    cols = torch.arange(w, dtype=torch.float32).view(1, 1, w) + 0.5
    dx, dy = cols - cx.view(n, 1, 1), rows - cy.view(n, 1, 1)
    cos, sin, k = angle.cos().view(n, 1, 1), angle.sin().view(n, 1, 1), (1 / half).view(n, 1, 1)
    u, v = (cos * dx + sin * dy) * k, (-sin * dx + cos * dy) * k
    z = kx.view(n, 1, 1) * u + ky.view(n, 1, 1) * v + 1
    visible = z >= 0.25
    grid = torch.stack([torch.where(visible, u / z, torch.full_like(u, 3.0)), torch.where(visible, v / z, torch.full_like(v, 3.0))], -1)

    lit = ((patch.unsqueeze(0) - 0.5) * contrast + 0.5 + brightness).clamp(0, 1)
    layer = torch.cat([lit, torch.ones(n, 1, *patch.shape[1:])], 1)
    placed = F.grid_sample(layer, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if eot["blur"] > 0:
        offsets = torch.tensor([-1.0, 0.0, 1.0])
        d2 = offsets.view(1, 3, 1) ** 2 + offsets.view(1, 1, 3) ** 2
        s2 = (2 * sigma.clamp_min(1e-3) ** 2).view(n, 1, 1)
        kernel = torch.exp(-d2 / s2)
        kernel = (kernel / kernel.sum((1, 2), keepdim=True)).view(n, 1, 1, 3, 3).expand(n, c + 1, 1, 3, 3).reshape(n * (c + 1), 1, 3, 3)
        placed = F.conv2d(placed.reshape(1, n * (c + 1), h, w), kernel, padding=1, groups=n * (c + 1)).reshape(n, c + 1, h, w)
    colour, alpha = placed[:, :c], placed[:, c:]
    out = images * (1 - alpha) + colour
    return (out + noise * torch.randn(out.shape, generator=generator)).clamp(0, 1)


def main():
    model, pixels_path, labels_path, shape, texture, side, steps, lr, batch, target, eot, seed, threads, out, texture_out = sys.argv[1:16]
    n, c, h, w = (int(v) for v in shape.split(","))
    texture, side, steps, lr, batch = int(texture), float(side), int(steps), float(lr), int(batch)
    target, seed = int(target), int(seed)
    eot = json.loads(eot) if eot != "none" else None
    torch.set_num_threads(int(threads))
    convs, dense = load_layers(model)
    images = torch.from_numpy(np.fromfile(pixels_path, dtype="<f4").reshape(n, c, h, w))
    labels = torch.from_numpy(np.fromfile(labels_path, dtype="<i8"))
    train, held = torch.arange(0, n, 2), torch.arange(1, n, 2)

    generator = torch.Generator().manual_seed(seed)
    patch = torch.rand(c, texture, texture, generator=generator).requires_grad_(True)
    adam = torch.optim.Adam([patch], lr=lr)

    def place(x):
        return paste(patch, x, generator) if eot is None else transformed(patch, x, side, eot, generator)

    start = time.perf_counter()
    order, cursor = train[torch.randperm(len(train), generator=generator)], 0
    for _ in range(steps):
        if cursor + batch > len(order):
            order, cursor = train[torch.randperm(len(train), generator=generator)], 0
        rows = order[cursor:cursor + batch]
        cursor += batch
        logits = forward(place(images[rows]), convs, dense)
        if target < 0:
            p_true = F.softmax(logits, 1).gather(1, labels[rows].unsqueeze(1)).squeeze(1)
            loss = -torch.log(1 - p_true + 1e-6).mean()
        else:
            loss = F.cross_entropy(logits, torch.full_like(labels[rows], target))
        adam.zero_grad()
        loss.backward()
        adam.step()
        with torch.no_grad():
            patch.clamp_(0, 1)
    elapsed = time.perf_counter() - start

    with torch.no_grad():
        judged = place(images[held])
        predicted = forward(judged, convs, dense).argmax(1)
    judged.numpy().astype("<f4").tofile(out)
    patch.detach().numpy().astype("<f4").tofile(texture_out)
    fooled = (predicted == target) if target >= 0 else (predicted != labels[held])
    print(json.dumps({"ms_per_step": elapsed * 1000 / steps, "torch_fooled": int(fooled.sum()), "held_out": len(held), "torch": torch.__version__}))


if __name__ == "__main__":
    main()

"""The peer side of bench/AdvScan.Bench's --memory section: peak resident memory of a plain PyTorch forward+backward
to the input (weights frozen, as in an attack) of a torchvision architecture at a batch size, 224x224 inputs.
Usage: fwdbwd_memory.py NAME BATCH THREADS. Prints one JSON line with the peak RSS in MiB (ru_maxrss) and the RSS
after loading the model, before the batch. Each measurement needs its own process (a peak never goes down)."""
import json
import resource
import sys

import torch
import torchvision

name, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.__dict__[name]().eval()
for p in model.parameters():
    p.requires_grad_(False)


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


loaded = rss_mib()
x = torch.rand(batch, 3, 224, 224, requires_grad=True)
y = torch.randint(0, 1000, (batch,))
for _ in range(2):
    loss = torch.nn.functional.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, [x])
    del loss, grad
print(json.dumps({"model": name, "batch": batch, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "loaded_mib": loaded, "torch": torch.__version__}))

"""Exports torchvision classifiers (random weights: torchvision 0.14 on Debian has no pretrained ones) to ONNX for
bench/AdvScan.Bench's --memory section. Usage: export_torchvision.py OUT_DIR NAME[,NAME...] [OPSET]. Writes
OUT_DIR/NAME.onnx with a dynamic batch (224x224 inputs). Exported with gradients enabled so vit_b_16 takes the
ordinary attention path (no_grad selects a fused kernel the exporter cannot write). Never commit the outputs."""
import os
import sys
import warnings

import torch
import torchvision

warnings.filterwarnings("ignore")
out, names = sys.argv[1], sys.argv[2].split(",")
opset = int(sys.argv[3]) if len(sys.argv) > 3 else 17
torch.manual_seed(0)
for name in names:
    model = torchvision.models.__dict__[name]().eval()
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, torch.rand(1, 3, 224, 224), path, opset_version=opset, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(path, os.path.getsize(path), flush=True)

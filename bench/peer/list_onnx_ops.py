"""Lists the ONNX operator types torchvision classifiers export to, to find what the engine lacks.
Usage: list_onnx_ops.py OPSETS NAME[,NAME...]  e.g.  list_onnx_ops.py 13,17 swin_t,maxvit_t,convnext_tiny
Prints one JSON object: {"NAME@OPSET": {"OpType": count, ...}} (or {"error": ...} where PyTorch cannot export it).
Random weights (torchvision 0.14 on Debian ships none); 224x224 inputs (299 for inception_v3); dynamic batch.
Measured 2026-12-07 with PyTorch 1.13 (Debian 12): across 23 architectures at opsets 13 and 17 the op types were
Add AveragePool BatchNormalization Cast Clip Concat Constant ConstantOfShape Conv Div Dropout Einsum Equal Erf Expand
Flatten Gather Gemm GlobalAveragePool HardSigmoid HardSwish Identity LayerNormalization MatMul MaxPool Mod Mul Not Pad
Pow Range ReduceMean Relu Reshape ScatterND Shape Sigmoid Slice Softmax Sqrt Sub Tanh Transpose Unsqueeze Where; only
ScatterND (swin_t, 45 nodes at either opset) lacked a kernel. swin_v2_t cannot be exported by PyTorch 1.13
(aten::zero), and vit_b_16 only with gradients enabled (no_grad selects a fused attention the exporter cannot write)."""
import collections
import io
import json
import sys
import warnings

import onnx
import torch
import torchvision

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
opsets = [int(o) for o in sys.argv[1].split(",")]
out = {}
for name in sys.argv[2].split(","):
    size = 299 if name == "inception_v3" else 224
    kwargs = {"aux_logits": True, "init_weights": False} if name in ("inception_v3", "googlenet") else {}
    model = torchvision.models.__dict__[name](**kwargs).eval()
    for opset in opsets:
        buffer = io.BytesIO()
        try:
            torch.onnx.export(model, torch.randn(1, 3, size, size), buffer, opset_version=opset, input_names=["input"],
                              output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            graph = onnx.load_from_string(buffer.getvalue()).graph
            out[f"{name}@{opset}"] = dict(sorted(collections.Counter(n.op_type for n in graph.node).items()))
        except Exception as e:  # the exporter's own refusals are part of the answer
            out[f"{name}@{opset}"] = {"error": str(e).split("\n")[0][:300]}
        print(name, opset, file=sys.stderr, flush=True)
print(json.dumps(out))

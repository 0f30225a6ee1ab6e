using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>
/// Real ImageNet architectures (topology and channel counts as published / as in torchvision) emitted as
/// export-style ONNX graphs with seeded random weights and 1000 classes. Only the input resolution is reduced, where the
/// architecture allows, to keep tests fast; VGG's and AlexNet's first classifier layer take the correspondingly
/// smaller feature map (hidden widths unchanged).
/// </summary>
internal static class ImageNetArchitectures
{
    private const long Classes = 1000;

    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>AlexNet as in the original (Caffe bvlc_alexnet): 96-256-384-384-256 with grouped convs and LRN. Input 99x99.</summary>
    public static OnnxGraphBuilder AlexNet(long size = 99)
    {
        var e = new ExportStyleBuilder("alexnet-v1", seed: 101);
        var x = e.Input("data", "batch", 3, size, size);
        string Lrn(string h) => e.B.Node("LRN", [h], Attrs(("alpha", 1e-4f), ("beta", 0.75f), ("bias", 1f), ("size", 5L)));
        var h = e.MaxPool(Lrn(e.Relu(e.Conv(x, 3, 96, 11, stride: 4))), 3, 2);
        h = e.MaxPool(Lrn(e.Relu(e.Conv(h, 96, 256, 5, pad: 2, group: 2))), 3, 2);
        h = e.Relu(e.Conv(h, 256, 384, 3, pad: 1));
        h = e.Relu(e.Conv(h, 384, 384, 3, pad: 1, group: 2));
        h = e.MaxPool(e.Relu(e.Conv(h, 384, 256, 3, pad: 1, group: 2)), 3, 2);
        long spatial = Pooled(Pooled(Pooled((size - 11) / 4 + 1)));
        h = e.Flatten(h);
        h = e.Dropout(e.Relu(e.Linear(h, 256 * spatial * spatial, 4096)));
        h = e.Dropout(e.Relu(e.Linear(h, 4096, 4096)));
        e.Output(e.Linear(h, 4096, Classes), "batch", Classes);
        return e.B;

        static long Pooled(long n) => (n - 3) / 2 + 1;
    }

    /// <summary>VGG-11 (configuration A): eight 3x3 convs with ReLU, five max pools, 4096-4096-1000 classifier. Input 64x64.</summary>
    public static OnnxGraphBuilder Vgg11(long size = 64)
    {
        var e = new ExportStyleBuilder("vgg11", seed: 102);
        var h = e.Input("input", "batch", 3, size, size);
        long channels = 3;
        foreach (var layer in new long[] { 64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1 })
        {
            if (layer < 0) { h = e.MaxPool(h, 2, 2); size /= 2; continue; }
            h = e.Relu(e.Conv(h, channels, layer, 3, pad: 1));
            channels = layer;
        }
        h = e.FlattenViaShape(h);
        h = e.Dropout(e.Relu(e.Linear(h, 512 * size * size, 4096)));
        h = e.Dropout(e.Relu(e.Linear(h, 4096, 4096)));
        e.Output(e.Linear(h, 4096, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>ResNet-50 (v1.5, stride on the 3x3 conv): bottleneck stages [3, 4, 6, 3]. Input 64x64.</summary>
    public static OnnxGraphBuilder ResNet50(long size = 64)
    {
        var e = new ExportStyleBuilder("resnet50", seed: 103);
        var x = e.Input("input", "batch", 3, size, size);
        var h = e.MaxPool(e.ConvBnRelu(x, 3, 64, 7, stride: 2, pad: 3), 3, 2, pad: 1);
        long channels = 64;
        foreach (var (width, blocks, firstStride) in new[] { (64L, 3, 1L), (128L, 4, 2L), (256L, 6, 2L), (512L, 3, 2L) })
        {
            for (int i = 0; i < blocks; i++)
            {
                long stride = i == 0 ? firstStride : 1, outChannels = width * 4;
                var y = e.ConvBnRelu(h, channels, width, 1);
                y = e.ConvBnRelu(y, width, width, 3, stride: stride, pad: 1);
                y = e.ConvBn(y, width, outChannels, 1);
                var shortcut = stride != 1 || channels != outChannels ? e.ConvBn(h, channels, outChannels, 1, stride: stride) : h;
                h = e.Relu(e.Add(y, shortcut));
                channels = outChannels;
            }
        }
        h = e.Flatten(e.GlobalAveragePool(h));
        e.Output(e.Linear(h, 2048, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>DenseNet-121: growth 32, blocks [6, 12, 24, 16], bottleneck 4x, compression 0.5. Input 64x64.</summary>
    public static OnnxGraphBuilder DenseNet121(long size = 64)
    {
        var e = new ExportStyleBuilder("densenet121", seed: 104);
        var x = e.Input("input", "batch", 3, size, size);
        var h = e.MaxPool(e.ConvBnRelu(x, 3, 64, 7, stride: 2, pad: 3), 3, 2, pad: 1);
        long channels = 64;
        var blocks = new[] { 6, 12, 24, 16 };
        for (int b = 0; b < blocks.Length; b++)
        {
            var features = new List<string> { h };
            for (int i = 0; i < blocks[b]; i++)
            {
                // torchvision's _DenseLayer concatenates every earlier feature map before its bottleneck.
                var input = features.Count == 1 ? features[0] : e.Concat(1, [.. features]);
                var y = e.Conv(e.Relu(e.BatchNorm(input, channels + 32 * i)), channels + 32 * i, 128, 1, bias: false);
                y = e.Conv(e.Relu(e.BatchNorm(y, 128)), 128, 32, 3, pad: 1, bias: false);
                features.Add(y);
            }
            h = e.Concat(1, [.. features]);
            channels += 32 * blocks[b];
            if (b < blocks.Length - 1)
            {
                h = e.Conv(e.Relu(e.BatchNorm(h, channels)), channels, channels / 2, 1, bias: false);
                h = e.AveragePool(h, 2, 2);
                channels /= 2;
            }
        }
        h = e.Flatten(e.GlobalAveragePool(e.Relu(e.BatchNorm(h, channels))));
        e.Output(e.Linear(h, channels, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>GoogLeNet (Inception v1, torchvision layout: BN after every conv, ceil-mode pools), nine inception modules. Input 96x96.</summary>
    public static OnnxGraphBuilder GoogLeNet(long size = 96)
    {
        var e = new ExportStyleBuilder("googlenet", seed: 105);
        string Basic(string x, long cin, long cout, long k, long stride = 1, long pad = 0) => e.ConvBnRelu(x, cin, cout, k, stride, pad, epsilon: 1e-3f);
        string Inception(string x, long cin, long c1, long c3r, long c3, long c5r, long c5, long pool)
        {
            var b1 = Basic(x, cin, c1, 1);
            var b2 = Basic(Basic(x, cin, c3r, 1), c3r, c3, 3, pad: 1);
            var b3 = Basic(Basic(x, cin, c5r, 1), c5r, c5, 3, pad: 1);
            var b4 = Basic(e.MaxPool(x, 3, 1, pad: 1, ceil: true), cin, pool, 1);
            return e.Concat(1, b1, b2, b3, b4);
        }
        var input = e.Input("input", "batch", 3, size, size);
        var h = e.MaxPool(Basic(input, 3, 64, 7, stride: 2, pad: 3), 3, 2, ceil: true);
        h = Basic(h, 64, 64, 1);
        h = e.MaxPool(Basic(h, 64, 192, 3, pad: 1), 3, 2, ceil: true);
        h = Inception(h, 192, 64, 96, 128, 16, 32, 32);
        h = Inception(h, 256, 128, 128, 192, 32, 96, 64);
        h = e.MaxPool(h, 3, 2, ceil: true);
        h = Inception(h, 480, 192, 96, 208, 16, 48, 64);
        h = Inception(h, 512, 160, 112, 224, 24, 64, 64);
        h = Inception(h, 512, 128, 128, 256, 24, 64, 64);
        h = Inception(h, 512, 112, 144, 288, 32, 64, 64);
        h = Inception(h, 528, 256, 160, 320, 32, 128, 128);
        h = e.MaxPool(h, 2, 2, ceil: true);
        h = Inception(h, 832, 256, 160, 320, 32, 128, 128);
        h = Inception(h, 832, 384, 192, 384, 48, 128, 128);
        h = e.Dropout(e.FlattenViaShape(e.GlobalAveragePool(h)));
        e.Output(e.Linear(h, 1024, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>SqueezeNet 1.1: eight Fire modules, ceil-mode max pools, a 1x1 conv classifier. Input 64x64.</summary>
    public static OnnxGraphBuilder SqueezeNet11(long size = 64)
    {
        var e = new ExportStyleBuilder("squeezenet1_1", seed: 106);
        string Fire(string x, long cin, long squeeze, long e1, long e3)
        {
            var s = e.Relu(e.Conv(x, cin, squeeze, 1));
            return e.Concat(1, e.Relu(e.Conv(s, squeeze, e1, 1)), e.Relu(e.Conv(s, squeeze, e3, 3, pad: 1)));
        }
        var input = e.Input("input", "batch", 3, size, size);
        var h = e.MaxPool(e.Relu(e.Conv(input, 3, 64, 3, stride: 2)), 3, 2, ceil: true);
        h = Fire(h, 64, 16, 64, 64);
        h = Fire(h, 128, 16, 64, 64);
        h = e.MaxPool(h, 3, 2, ceil: true);
        h = Fire(h, 128, 32, 128, 128);
        h = Fire(h, 256, 32, 128, 128);
        h = e.MaxPool(h, 3, 2, ceil: true);
        h = Fire(h, 256, 48, 192, 192);
        h = Fire(h, 384, 48, 192, 192);
        h = Fire(h, 384, 64, 256, 256);
        h = Fire(h, 512, 64, 256, 256);
        h = e.Relu(e.Conv(e.Dropout(h), 512, Classes, 1));
        e.Output(e.FlattenViaShape(e.GlobalAveragePool(h)), "batch", Classes);
        return e.B;
    }

    /// <summary>MobileNetV2 (width 1.0): inverted residuals with depthwise convs, ReLU6 as Clip, 1280-wide head. Input 64x64.</summary>
    public static OnnxGraphBuilder MobileNetV2(long size = 64)
    {
        var e = new ExportStyleBuilder("mobilenet_v2", seed: 107);
        var input = e.Input("input", "batch", 3, size, size);
        var h = e.Relu6(e.ConvBn(input, 3, 32, 3, stride: 2, pad: 1));
        long channels = 32;
        foreach (var (t, c, n, s) in new[] { (1L, 16L, 1, 1L), (6L, 24L, 2, 2L), (6L, 32L, 3, 2L), (6L, 64L, 4, 2L), (6L, 96L, 3, 1L), (6L, 160L, 3, 2L), (6L, 320L, 1, 1L) })
        {
            for (int i = 0; i < n; i++)
            {
                long stride = i == 0 ? s : 1, hidden = channels * t;
                var y = t == 1 ? h : e.Relu6(e.ConvBn(h, channels, hidden, 1));
                y = e.Relu6(e.ConvBn(y, hidden, hidden, 3, stride: stride, pad: 1, group: hidden));
                y = e.ConvBn(y, hidden, c, 1);
                h = stride == 1 && channels == c ? e.Add(h, y) : y;
                channels = c;
            }
        }
        h = e.Relu6(e.ConvBn(h, channels, 1280, 1));
        h = e.Dropout(e.Flatten(e.GlobalAveragePool(h)));
        e.Output(e.Linear(h, 1280, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>
    /// MobileNetV3-Small (torchvision): HardSwish activations, depthwise 3x3/5x5 convs, squeeze-and-excitation blocks
    /// (GlobalAveragePool, 1x1 convs, HardSigmoid gate multiplied back into the features), 1024-wide head. Input 64x64.
    /// </summary>
    public static OnnxGraphBuilder MobileNetV3Small(long size = 64)
    {
        var e = new ExportStyleBuilder("mobilenet_v3_small", seed: 110);
        string HardSwish(string x) => e.B.Node("HardSwish", [x]);
        string Activation(string x, bool hardSwish) => hardSwish ? HardSwish(x) : e.Relu(x);
        static long Divisible(double v)
        {
            long rounded = Math.Max(8, (long)(v + 4) / 8 * 8);
            return rounded < 0.9 * v ? rounded + 8 : rounded;
        }
        string SqueezeExcite(string x, long channels)
        {
            long squeezed = Divisible(channels / 4.0);
            var gate = e.Relu(e.Conv(e.GlobalAveragePool(x), channels, squeezed, 1));
            gate = e.B.Node("HardSigmoid", [e.Conv(gate, squeezed, channels, 1)], Attrs(("alpha", 1f / 6), ("beta", 0.5f)));
            return e.B.Node("Mul", [gate, x]);
        }

        var input = e.Input("input", "batch", 3, size, size);
        var h = HardSwish(e.ConvBn(input, 3, 16, 3, stride: 2, pad: 1, epsilon: 1e-3f));
        long channels = 16;
        foreach (var (k, expand, outChannels, se, hs, stride) in new[]
        {
            (3L, 16L, 16L, true, false, 2L), (3L, 72L, 24L, false, false, 2L), (3L, 88L, 24L, false, false, 1L),
            (5L, 96L, 40L, true, true, 2L), (5L, 240L, 40L, true, true, 1L), (5L, 240L, 40L, true, true, 1L),
            (5L, 120L, 48L, true, true, 1L), (5L, 144L, 48L, true, true, 1L), (5L, 288L, 96L, true, true, 2L),
            (5L, 576L, 96L, true, true, 1L), (5L, 576L, 96L, true, true, 1L),
        })
        {
            var y = expand == channels ? h : Activation(e.ConvBn(h, channels, expand, 1, epsilon: 1e-3f), hs);
            y = Activation(e.ConvBn(y, expand, expand, k, stride: stride, pad: (k - 1) / 2, group: expand, epsilon: 1e-3f), hs);
            if (se) y = SqueezeExcite(y, expand);
            y = e.ConvBn(y, expand, outChannels, 1, epsilon: 1e-3f);
            h = stride == 1 && channels == outChannels ? e.Add(y, h) : y;
            channels = outChannels;
        }
        h = HardSwish(e.ConvBn(h, 96, 576, 1, epsilon: 1e-3f));
        h = e.Flatten(e.GlobalAveragePool(h));
        h = e.Dropout(HardSwish(e.Linear(h, 576, 1024)));
        e.Output(e.Linear(h, 1024, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>
    /// ShuffleNet v2 x1.0: stages [4, 8, 4] of 116/232/464 channels; units split the channels (Split), run one half
    /// through 1x1-dw3x3-1x1, concatenate and shuffle (Reshape-Transpose-Reshape). Input 64x64.
    /// </summary>
    public static OnnxGraphBuilder ShuffleNetV2(long size = 64)
    {
        var e = new ExportStyleBuilder("shufflenet_v2_x1_0", seed: 108, opset: 13);
        string Shuffle(string x, long channels)
        {
            // x.view(b, 2, c/2, h, w).transpose(1, 2).contiguous().view(b, -1, h, w), with b, h, w read via x.size().
            var (batch, height, width) = (e.BatchDim(x), e.Dim(x, 2), e.Dim(x, 3));
            var grouped = e.B.Node("Reshape", [x, e.Concat(0, batch, e.B.Longs(2, channels / 2), height, width)]);
            var swapped = e.B.Node("Transpose", [grouped], Attrs(("perm", new long[] { 0, 2, 1, 3, 4 })));
            return e.B.Node("Reshape", [swapped, e.Concat(0, batch, e.B.Longs(-1), height, width)]);
        }
        string Branch(string x, long cin, long cout, long stride) =>
            e.Relu(e.ConvBn(e.ConvBn(e.Relu(e.ConvBn(x, cin, cout, 1)), cout, cout, 3, stride: stride, pad: 1, group: cout), cout, cout, 1));

        var input = e.Input("input", "batch", 3, size, size);
        var h = e.MaxPool(e.ConvBnRelu(input, 3, 24, 3, stride: 2, pad: 1), 3, 2, pad: 1);
        long channels = 24;
        foreach (var (repeats, outChannels) in new[] { (4, 116L), (8, 232L), (4, 464L) })
        {
            long half = outChannels / 2;
            var left = e.Relu(e.ConvBn(e.ConvBn(h, channels, channels, 3, stride: 2, pad: 1, group: channels), channels, half, 1));
            h = Shuffle(e.Concat(1, left, Branch(h, channels, half, 2)), outChannels);
            for (int i = 1; i < repeats; i++)
            {
                var halves = e.B.Node("Split", [h, e.B.Longs(half, half)], 2, Attrs(("axis", 1L)));
                h = Shuffle(e.Concat(1, halves[0], Branch(halves[1], half, half, 1)), outChannels);
            }
            channels = outChannels;
        }
        h = e.ConvBnRelu(h, 464, 1024, 1);
        h = e.B.Node("ReduceMean", [h], Attrs(("axes", new long[] { 2, 3 }), ("keepdims", 0L)));
        e.Output(e.Linear(h, 1024, Classes), "batch", Classes);
        return e.B;
    }

    /// <summary>
    /// ViT-Ti/16 (dim 192, depth 12, 3 heads, MLP 768): patch Conv, flatten-transpose, class token, position embedding,
    /// pre-norm encoder blocks, class-token head. <paramref name="exportStyle17"/> writes what torch.onnx.export emits
    /// at opset 17 with a dynamic batch (LayerNormalization, class token Expand-ed to the batch); otherwise the opset-14
    /// form for a fixed batch of 1 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div, class token folded).
    /// GELU is the exact Erf form in both. Input 64x64 (16 patches).
    /// </summary>
    public static OnnxGraphBuilder VitTiny(bool exportStyle17, long size = 64)
    {
        const long dim = 192, heads = 3, headDim = 64, mlp = 768, depth = 12, patch = 16;
        long tokens = (size / patch) * (size / patch) + 1;
        var e = new ExportStyleBuilder("vit_tiny_patch16", seed: 109, opset: exportStyle17 ? 17 : 14);
        var b = e.B;
        object batchDim = exportStyle17 ? "batch" : 1L;
        var input = e.Input("input", batchDim, 3, size, size);

        string LayerNorm(string x)
        {
            var gamma = e.Initializer("ln.weight", [dim], 1f, 0.1f);
            var beta = e.Initializer("ln.bias", [dim], 0f, 0.05f);
            if (exportStyle17)
                return b.Node("LayerNormalization", [x, gamma, beta], Attrs(("axis", -1L), ("epsilon", 1e-6f)));
            var mean = b.Node("ReduceMean", [x], Attrs(("axes", new long[] { -1 }), ("keepdims", 1L)));
            var centred = b.Node("Sub", [x, mean]);
            var variance = b.Node("ReduceMean", [b.Node("Pow", [centred, b.Scalar(2f)])], Attrs(("axes", new long[] { -1 }), ("keepdims", 1L)));
            var std = b.Node("Sqrt", [b.Node("Add", [variance, b.Scalar(1e-6f)])]);
            return b.Node("Add", [b.Node("Mul", [b.Node("Div", [centred, std]), gamma]), beta]);
        }
        string Gelu(string x) =>
            b.Node("Mul", [b.Node("Mul", [x, b.Node("Add", [b.Node("Erf", [b.Node("Div", [x, b.Scalar(MathF.Sqrt(2f))])]), b.Scalar(1f)])]), b.Scalar(0.5f)]);
        string Attention(string x)
        {
            // qkv: [b, n, 3*dim] -> [b, n, 3, heads, head_dim] -> [3, b, heads, n, head_dim]
            var qkv = b.Node("Reshape", [e.LinearMatMul(x, dim, 3 * dim), b.Longs(0, 0, 3, heads, headDim)]);
            qkv = b.Node("Transpose", [qkv], Attrs(("perm", new long[] { 2, 0, 3, 1, 4 })));
            string Part(long i) => b.Node("Gather", [qkv, e.Index(i)], Attrs(("axis", 0L)));
            var (q, k, v) = (Part(0), Part(1), Part(2));
            var scores = b.Node("Mul", [b.Node("MatMul", [q, b.Node("Transpose", [k], Attrs(("perm", new long[] { 0, 1, 3, 2 })))]), b.Scalar(1f / MathF.Sqrt(headDim))]);
            var attended = b.Node("MatMul", [b.Node("Softmax", [scores], Attrs(("axis", -1L))), v]);
            var merged = b.Node("Reshape", [b.Node("Transpose", [attended], Attrs(("perm", new long[] { 0, 2, 1, 3 }))), b.Longs(0, 0, dim)]);
            return e.LinearMatMul(merged, dim, dim, gain: 0.5f);
        }

        var h = e.Conv(input, 3, dim, patch, stride: patch);
        h = b.Node("Transpose", [b.Node("Reshape", [h, b.Longs(0, dim, -1)])], Attrs(("perm", new long[] { 0, 2, 1 })));
        var classToken = e.Initializer("class_token", [1, 1, dim], 0f, 0.5f);
        if (exportStyle17)
            classToken = b.Node("Expand", [classToken, e.Concat(0, e.BatchDim(input), b.Longs(1, dim))]);
        h = e.Concat(1, classToken, h);
        h = b.Node("Add", [h, e.Initializer("pos_embedding", [1, tokens, dim], 0f, 0.5f)]);
        for (int layer = 0; layer < depth; layer++)
        {
            h = b.Node("Add", [h, Attention(LayerNorm(h))]);
            h = b.Node("Add", [h, e.LinearMatMul(Gelu(e.LinearMatMul(LayerNorm(h), dim, mlp)), mlp, dim, gain: 0.5f)]);
        }
        h = LayerNorm(h);
        var cls = b.Node("Gather", [h, e.Index(0)], Attrs(("axis", 1L)));
        e.Output(e.Linear(cls, dim, Classes), batchDim, Classes);
        return b;
    }
}
